"""The dashboard web application (FastAPI): the screen, its Excel export, the metrics API and the
Prometheus endpoint. Read-only end to end: GET routes only, and a warehouse connection that refuses
writes (PostgreSQL read-only transactions, SQLite query_only). Every value reaches the page through
Jinja2 with autoescaping; the page loads nothing from the internet.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from urllib.parse import urlencode

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from sqlalchemy import Engine, event

from hub.dashboard.api import metrics_router
from hub.dashboard.excel import workbook_bytes
from hub.dashboard.geo import map_geometry
from hub.dashboard.prometheus import exposition
from hub.dashboard.view import STATUS_COLOURS, Selection, build_screen, cell_text
from hub.messages import UsageProblem, parse_date
from hub.reports.charts import sparkline
from hub.reports.formats import install_filters
from hub.reports.i18n import LABELS, labels
from hub.warehouse.db import create_warehouse_engine

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def read_only_engine(url: str) -> Engine:
    """An engine whose connections cannot write, whatever the database role allows."""
    engine = create_warehouse_engine(url)

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_conn, _record):
        cursor = dbapi_conn.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        cursor.close()
        if engine.dialect.name != "sqlite":
            dbapi_conn.commit()  # a SET inside psycopg's implicit transaction is undone on rollback

    return engine


def template_environment(language: str) -> Environment:
    env = Environment(loader=ChoiceLoader([PackageLoader("hub.dashboard", "templates"),
                                           PackageLoader("hub.reports", "templates")]),
                      autoescape=select_autoescape(["html", "j2"]))
    env.globals.update(sparkline=sparkline, cell_text=cell_text)
    return install_filters(env, language)


def _day(value: str | None, name: str, language: str) -> date | None:
    try:
        return parse_date(value, name)
    except UsageProblem as problem:
        raise HTTPException(400, problem.text(language)) from None


def selection_from(request: Request) -> Selection:
    params = request.query_params
    language = params.get("lang") or "vi"
    if language not in LABELS:
        raise HTTPException(400, f"lang must be one of {', '.join(LABELS)}")
    province = params.get("province") or None
    if province is not None and not (province.isdigit() and len(province) == 2):
        raise HTTPException(400, "province must be a 2-digit province code")
    return Selection(language, _day(params.get("from"), "from", language), _day(params.get("to"), "to", language),
                     _day(params.get("date"), "date", language), province)


def _query(selection: Selection, **overrides) -> str:
    """The page's query string for the current selection with some parameters changed."""
    params = {"lang": selection.language, "from": selection.start, "to": selection.end,
              "date": selection.report_date, "province": selection.province}
    params.update(overrides)
    if "province" in overrides:  # a link to another province keeps the rest; its code is appended last
        code = params.pop("province")
        encoded = urlencode({k: v for k, v in params.items() if v})
        return encoded + ("&" if encoded else "") + "province=" + (code or "")
    return urlencode({k: v for k, v in params.items() if v})


def create_app(engine: Engine) -> FastAPI:
    # No /docs or /redoc: FastAPI's pages load Swagger UI and ReDoc from a CDN, and nothing here may
    # come from the internet. /openapi.json describes the API for any local OpenAPI viewer.
    app = FastAPI(title="LienThong dashboard and metrics API", version="1", docs_url=None, redoc_url=None,
                  description="Read-only: the published metric_* tables (docs/metrics.md).")
    app.mount("/static", StaticFiles(packages=[("hub.dashboard", "static")]), name="static")
    app.include_router(metrics_router(engine))

    @app.get("/", response_class=HTMLResponse, summary="The monitoring centre's screen")
    def screen_page(request: Request) -> HTMLResponse:
        selection = selection_from(request)
        with engine.connect() as conn:
            screen = build_screen(conn, selection)
        language = selection.language
        html = template_environment(language).get_template("dashboard.html.j2").render(
            t=labels(language), lang=language, screen=screen, geometry=map_geometry(), colours=STATUS_COLOURS,
            query=lambda **overrides: _query(screen.selection, **overrides),
            generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
        return HTMLResponse(html)

    @app.get("/export.xlsx", summary="The screen's tables as an Excel workbook")
    def export(request: Request) -> Response:
        selection = selection_from(request)
        with engine.connect() as conn:
            screen = build_screen(conn, selection)
        body = workbook_bytes(screen, labels(selection.language), selection.language)
        name = f"lienthong-{screen.report_date or 'dashboard'}-{selection.language}.xlsx"
        return Response(body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @app.get("/metrics", summary="Prometheus exposition", response_class=Response)
    def prometheus() -> Response:
        return Response(exposition(engine), media_type="text/plain; version=0.0.4; charset=utf-8")

    return app
