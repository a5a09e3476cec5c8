"""The metrics API: every ``metric_*`` table of the schema as JSON and CSV, read-only, documented
by OpenAPI. Tables are discovered from hub/warehouse/schema.py's metadata, so a new metric table is
served as soon as it is declared there; each endpoint offers only the filters its columns allow:

- ``unit``: the unit column (unit_code, province_code, commune_code or system), exact match;
- ``level``: unit_level (nation, province, commune, procedure …), exact match;
- ``breakdown``: the breakdown of metric_online_filing_daily (all, procedure, field), exact match;
- ``from`` / ``to``: a day column (day, report_date) within the range, or a period that lies
  within it (period_start ≥ from, period_end ≤ to).
"""
from __future__ import annotations

import csv
import inspect
import io
from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from sqlalchemy import Engine, Table, inspect as sa_inspect, select

from hub.dashboard.queries import METRIC_TABLES
from hub.warehouse.schema import metadata

UNIT_COLUMNS = ("unit_code", "province_code", "commune_code", "system")
DAY_COLUMNS = ("day", "report_date")
MAX_ROWS = 100_000


def _first(table: Table, names) -> str | None:
    return next((n for n in names if n in table.c), None)


def _filters(table: Table) -> list[inspect.Parameter]:
    """The query parameters this table's endpoint accepts."""
    params = []
    unit = _first(table, UNIT_COLUMNS)
    if unit:
        params.append(("unit", Annotated[str | None, Query(description=f"exact {unit}")]))
    if "unit_level" in table.c:
        params.append(("level", Annotated[str | None, Query(description="exact unit_level")]))
    if "breakdown" in table.c:
        params.append(("breakdown", Annotated[str | None, Query(description="exact breakdown (all, procedure, field)")]))
    if _first(table, DAY_COLUMNS) or "period_start" in table.c:
        params.append(("date_from", Annotated[date | None, Query(alias="from", description="first day, inclusive")]))
        params.append(("date_to", Annotated[date | None, Query(alias="to", description="last day, inclusive")]))
    params.append(("limit", Annotated[int, Query(ge=1, le=MAX_ROWS)]))
    params.append(("offset", Annotated[int, Query(ge=0)]))
    defaults = {"limit": 1000, "offset": 0}
    return [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=kind, default=defaults.get(name))
            for name, kind in params]


def _statement(table: Table, unit=None, level=None, breakdown=None, date_from=None, date_to=None, limit=1000,
               offset=0):
    statement = select(table)
    unit_column, day_column = _first(table, UNIT_COLUMNS), _first(table, DAY_COLUMNS)
    if unit is not None:
        statement = statement.where(table.c[unit_column] == unit)
    if level is not None:
        statement = statement.where(table.c.unit_level == level)
    if breakdown is not None:
        statement = statement.where(table.c.breakdown == breakdown)
    start_column = table.c[day_column] if day_column else table.c.get("period_start")
    end_column = table.c[day_column] if day_column else table.c.get("period_end")
    if date_from is not None:
        statement = statement.where(start_column >= date_from)
    if date_to is not None:
        statement = statement.where(end_column <= date_to)
    return statement.order_by(*table.primary_key.columns).limit(limit).offset(offset)


def _csv(table: Table, rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.c.keys())
    for row in rows:
        writer.writerow(["" if v is None else (v.isoformat() if hasattr(v, "isoformat") else v) for v in row])
    return out.getvalue()


def metrics_router(engine: Engine) -> APIRouter:
    router = APIRouter(prefix="/api/metrics", tags=["metrics"])

    def read(table: Table, **filters):
        if not sa_inspect(engine).has_table(table.name):
            raise HTTPException(404, f"{table.name} is not published in this warehouse yet")
        with engine.connect() as conn:
            return conn.execute(_statement(table, **filters)).all()

    @router.get("", summary="The metric tables and their columns")
    def tables() -> dict:
        return {"tables": [{"name": name, "columns": [{"name": c.name, "type": str(c.type), "key": c.primary_key}
                                                      for c in metadata.tables[name].c],
                            "json": f"/api/metrics/{name}", "csv": f"/api/metrics/{name}.csv"}
                           for name in METRIC_TABLES]}

    for name in METRIC_TABLES:
        _register(router, metadata.tables[name], read)
    return router


def _register(router: APIRouter, table: Table, read) -> None:
    parameters = _filters(table)
    doc = f"Rows of {table.name} (docs/metrics.md), ordered by its key."

    def as_json(**filters):
        return {"table": table.name, "rows": jsonable_encoder([dict(r._mapping) for r in read(table, **filters)])}

    def as_csv(**filters):
        return Response(_csv(table, read(table, **filters)), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{table.name}.csv"'})

    for handler, path, summary in ((as_json, f"/{table.name}", "JSON"), (as_csv, f"/{table.name}.csv", "CSV")):
        handler.__signature__ = inspect.Signature(parameters)
        handler.__name__ = f"{table.name}_{summary.lower()}"
        extra = {"response_class": Response} if summary == "CSV" else {}
        router.add_api_route(path, handler, methods=["GET"], summary=f"{table.name} ({summary})", description=doc,
                             **extra)
