"""Dossier reduction per local day and unit: the nation, each province, commune and procedure.

Counts are additive, so a date range is the sum of its days and a province the sum of its
communes. Every known unit gets a row for every day of the published range, zero counts and NULL
rates included; a unit code the reference data does not know (or a missing commune, code '-')
gets its own row that day with ``unit_known`` false, so nothing is dropped silently.

One INSERT … SELECT per day, in the database: the day's rows are replaced, so publishing again
gives the same rows.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Date, Engine, and_, delete, exists, func, insert, literal, select, union_all

from hub.metrics.dossier_reduction import FIGURES, figures, per_dossier
from hub.metrics.sql import rate_pct
from hub.warehouse.schema import admin_commune, admin_province, metric_dossier_reduction_day, procedure

NATION_CODE = "VN"
MISSING_CODE = "-"  # a dossier without a commune code
RATES = {"reuse_rate_pct": ("reusing", "received"), "avoidable_pct": ("avoidable", "attachments"),
         "outside_list_pct": ("outside_list", "attachments")}
COLUMNS = {"dossiers_received": "received", "dossiers_reusing_data": "reusing",
           "dossiers_with_avoidable": "with_avoidable", "attachments": "attachments",
           "attachments_replaceable": "replaceable", "attachments_avoidable": "avoidable",
           "attachments_avoidable_verified": "verified", "attachments_outside_list": "outside_list"}
assert set(COLUMNS.values()) == {"received", "reusing", "with_avoidable", *FIGURES}


def _known_units():
    """Every unit the reference data knows, per level."""
    return union_all(
        select(literal("nation").label("unit_level"), literal(NATION_CODE).label("unit_code"),
               literal("Toàn quốc").label("unit_name")),
        select(literal("province"), admin_province.c.code, admin_province.c.full_name),
        select(literal("commune"), admin_commune.c.code, admin_commune.c.full_name),
        select(literal("procedure"), procedure.c.procedure_code, procedure.c.name),
    ).subquery("known")


def _counted_units(day: date):
    """The day's reduction figures per unit of each level (the nation: one row, zeros included)."""
    dossiers = per_dossier(day, day)
    levels = {"nation": None, "province": dossiers.c.province_code,
              "commune": func.coalesce(dossiers.c.commune_code, MISSING_CODE),
              "procedure": dossiers.c.procedure_code}
    parts = []
    for level, unit in levels.items():
        grouped = figures(dossiers, *(() if unit is None else (unit.label("unit_code"),))).subquery()
        code = literal(NATION_CODE) if unit is None else grouped.c.unit_code
        parts.append(select(literal(level).label("unit_level"), code.label("unit_code"),
                            *[grouped.c[k] for k in COLUMNS.values()]))
    return union_all(*parts).subquery("counted")


def _day_rows(day: date, now: datetime):
    known, counted = _known_units(), _counted_units(day)
    same_unit = and_(counted.c.unit_level == known.c.unit_level, counted.c.unit_code == known.c.unit_code)

    def row(level, code, name, is_known, figures_of):
        values = {column: func.coalesce(figures_of(key), 0) for column, key in COLUMNS.items()}
        rates = {column: rate_pct(values[_column(num)], values[_column(den)]) for column, (num, den) in RATES.items()}
        return [literal(day, Date).label("day"), level.label("unit_level"), code.label("unit_code"),
                name.label("unit_name"), literal(is_known).label("unit_known"),
                *[v.label(c) for c, v in values.items()], *[r.label(c) for c, r in rates.items()],
                literal(now, metric_dossier_reduction_day.c.computed_at.type).label("computed_at")]

    with_known = (select(*row(known.c.unit_level, known.c.unit_code, known.c.unit_name, True, lambda k: counted.c[k]))
                  .select_from(known.outerjoin(counted, same_unit)))
    unknown = (select(*row(counted.c.unit_level, counted.c.unit_code, literal(None, known.c.unit_name.type), False,
                           lambda k: counted.c[k]))
               .where(~exists().where(same_unit)))
    return union_all(with_known, unknown)


def _column(key: str) -> str:
    return next(column for column, k in COLUMNS.items() if k == key)


def publish_dossier_reduction_days(engine: Engine, period_start: date, period_end: date) -> int:
    """Replaces the rows of every day of the period; returns how many rows were written."""
    now = datetime.now(timezone.utc)
    table = metric_dossier_reduction_day
    with engine.begin() as conn:
        for n in range((period_end - period_start).days + 1):
            day = period_start + timedelta(n)
            conn.execute(delete(table).where(table.c.day == day))
            rows = _day_rows(day, now)
            conn.execute(insert(table).from_select([c.name for c in rows.selected_columns], rows))
        return conn.execute(select(func.count()).select_from(table)
                            .where(table.c.day.between(period_start, period_end))).scalar_one()
