"""Dossier reduction per local day and unit: the nation, each province, commune and procedure.

Counts are additive, so a date range is the sum of its days and a province the sum of its
communes. Every known unit gets a row for every day of the published range, zero counts and NULL
rates included; a unit code the reference data does not know (or a missing commune, code '-')
gets its own row that day with ``unit_known`` false, so nothing is dropped silently.

Incremental (hub/metrics/partitions.py): only the days whose dossiers changed, or whose dossiers'
owners gained a register record since the last publish (the "verified" figure), are recomputed, all
of them by one ``INSERT … SELECT`` in the database (the per-dossier figures computed once); the
catalogue reloaded recomputes every day. The days' rows are replaced, so publishing again gives the
same rows.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import Connection, Engine, and_, exists, func, literal, select, true, union, union_all

from hub.metrics.dossier_reduction import FIGURES, figures, per_dossier_received
from hub.metrics.partitions import days_between, fingerprints, one_writer_at_a_time, republish_days, stale_days
from hub.metrics.sql import days_table, rate_pct
from hub.warehouse.schema import (admin_commune, admin_province, citizen_verification, dossier,
                                  metric_dossier_reduction_day, procedure, procedure_component, publish_partition,
                                  sectoral_record)
from quality.fingerprint import EMPTY

METRIC = "dossier_reduction_day"

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


def _counted_units(days: list[date]):
    """The days' reduction figures per day and unit of each level (the nation: one row a day with dossiers)."""
    dossiers = per_dossier_received(dossier.c.received_date.in_(days)).cte("per_dossier")  # computed once
    levels = {"nation": None, "province": dossiers.c.province_code,
              "commune": func.coalesce(dossiers.c.commune_code, MISSING_CODE),
              "procedure": dossiers.c.procedure_code}
    parts = []
    for level, unit in levels.items():
        keys = (dossiers.c.received_date.label("day"), *(() if unit is None else (unit.label("unit_code"),)))
        grouped = figures(dossiers, *keys).subquery()
        code = literal(NATION_CODE) if unit is None else grouped.c.unit_code
        parts.append(select(grouped.c.day, literal(level).label("unit_level"), code.label("unit_code"),
                            *[grouped.c[k] for k in COLUMNS.values()]))
    return union_all(*parts).cte("counted")


def _day_rows(days: list[date], now: datetime):
    known, counted, day_table = _known_units(), _counted_units(days), days_table(days)
    same_unit = and_(counted.c.unit_level == known.c.unit_level, counted.c.unit_code == known.c.unit_code)

    def row(day, level, code, name, is_known, figures_of):
        values = {column: func.coalesce(figures_of(key), 0) for column, key in COLUMNS.items()}
        rates = {column: rate_pct(values[_column(num)], values[_column(den)]) for column, (num, den) in RATES.items()}
        return [day.label("day"), level.label("unit_level"), code.label("unit_code"),
                name.label("unit_name"), literal(is_known).label("unit_known"),
                *[v.label(c) for c, v in values.items()], *[r.label(c) for c, r in rates.items()],
                literal(now, metric_dossier_reduction_day.c.computed_at.type).label("computed_at")]

    with_known = (select(*row(day_table.c.day, known.c.unit_level, known.c.unit_code, known.c.unit_name, True,
                              lambda k: counted.c[k]))
                  .select_from(day_table.join(known, true())
                               .outerjoin(counted, and_(counted.c.day == day_table.c.day, same_unit))))
    unknown = (select(*row(counted.c.day, counted.c.unit_level, counted.c.unit_code,
                           literal(None, known.c.unit_name.type), False, lambda k: counted.c[k]))
               .where(~exists().where(same_unit)))
    return union_all(with_known, unknown)


def _stale_days(conn: Connection, first: date, last: date) -> tuple[list[date], dict]:
    """The days of [first, last] to recompute, and the fingerprints to record for them."""
    d, p = dossier.c, publish_partition.c
    stamps = [conn.scalar(select(func.max(t.c.loaded_at))) for t in (procedure, procedure_component)]
    catalogue = max((stamp for stamp in stamps if stamp is not None), default=None)
    loaded = fingerprints(conn, d.received_date, dossier, d.received_date.between(first, last))
    days = days_between(first, last)
    current = {day: loaded.get(day, EMPTY).with_reference(catalogue) for day in days}
    stale = set(stale_days(conn, METRIC, current, days))
    since = conn.scalar(select(func.min(p.published_at)).where(p.metric == METRIC, p.partition_date.between(first, last)))
    if since is not None:  # owners the registers learnt about since: their dossiers' "verified" may change
        registered = union(
            select(citizen_verification.c.subject_id_hash).where(citizen_verification.c.loaded_at > since),
            select(sectoral_record.c.subject_id_hash).where(sectoral_record.c.loaded_at > since,
                                                            sectoral_record.c.subject_id_hash.is_not(None)))
        stale.update(conn.scalars(select(d.received_date).distinct().where(
            d.received_date.between(first, last), d.owner_id_hash.in_(registered))))
    return sorted(stale), current


def _column(key: str) -> str:
    return next(column for column, k in COLUMNS.items() if k == key)


def publish_dossier_reduction_days(engine: Engine, period_start: date, period_end: date) -> int:
    """Recomputes the days of the period whose inputs changed; returns how many rows the period has."""
    now = datetime.now(timezone.utc)
    table = metric_dossier_reduction_day
    with engine.begin() as conn:
        one_writer_at_a_time(conn, METRIC)
        stale, current = _stale_days(conn, period_start, period_end)
        if stale:
            rows = _day_rows(stale, now)
            republish_days(conn, METRIC, table, table.c.day, stale, [c.name for c in rows.selected_columns], [rows],
                           current, now)
        return conn.execute(select(func.count()).select_from(table)
                            .where(table.c.day.between(period_start, period_end))).scalar_one()
