"""Online filing rate as additive daily facts: per receipt day, per unit (nation, province, commune)
and per procedure and field (nation, province), the received dossiers by channel.

Any date range is a SUM over its days, so a dashboard or ``metric_online_filing_rate`` never reads
the dossiers again. Received, channel and day as in hub/metrics/online_rate.py. Publishing is
incremental (hub/metrics/partitions.py): only the days whose dossiers (or the procedure catalogue
the field grain joins) changed since their last publish are deleted and recomputed, each grain by
one ``INSERT … SELECT`` in the database.

Rows are dense where the units are known: every day × nation, province and commune of the July-2025
units, zero counts and NULL rates included. Procedure and field rows exist where dossiers do. A
dossier whose commune is unknown counts in a ``<province>:unknown`` commune row; a province code
outside the reference units gets its own province row: nothing is dropped.

A dossier in quarantine for a defect outside these inputs counts too, through the row its mapping
left in ``dossier_metric_input`` (a missing procedure code counts under procedure ``unknown``);
``dossiers_quarantined_included`` says how many of a row's received dossiers came that way.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (Connection, Date, Numeric, and_, case, cast, func, literal, literal_column,
                        null, or_, select, true, union_all)

from hub.metrics.partitions import days_between, fingerprints, one_writer_at_a_time, republish_days, stale_days
from hub.metrics.sql import constant, days_table
from hub.warehouse.schema import (UTC, admin_commune, admin_province, dossier, dossier_metric_input,
                                  metric_online_filing_daily, procedure)
from quality.dossier_sums import NOT_RECEIVED
from quality.fingerprint import EMPTY, combined

METRIC = "online_filing_daily"
NATION_CODE, NATION_NAME = "VN", "Toàn quốc"
UNKNOWN = "unknown"
CHANNELS = {"online": "online", "direct": "direct", "postal": "postal", "no_channel": "unknown"}
COLUMNS = ["day", "unit_level", "unit_code", "breakdown", "breakdown_code", "province_code", "unit_name",
           "dossiers_received", "dossiers_online", "dossiers_direct", "dossiers_postal", "dossiers_no_channel",
           "online_rate_pct", "computed_at", "dossiers_quarantined_included"]
FACT_COLUMNS = ("received_date", "province_code", "commune_code", "procedure_code", "channel", "status_code")


def received_facts():
    """Every dossier the metric counts: the canonical ones, and the quarantined ones whose metric
    inputs their mapping kept (``quarantined`` 1), with the same columns."""
    canonical = select(*[dossier.c[name] for name in FACT_COLUMNS], literal_column("0").label("quarantined"))
    kept = select(*[dossier_metric_input.c[name] for name in FACT_COLUMNS], literal_column("1").label("quarantined"))
    return union_all(canonical, kept).subquery("received_facts")


facts = received_facts()
d, ap, ac = facts.c, admin_province.c, admin_commune.c


def publish_online_filing_daily(conn: Connection, first: date, last: date, now: datetime) -> list[date]:
    """Recompute the days of [first, last] whose inputs changed; returns those days."""
    one_writer_at_a_time(conn, METRIC)
    catalogue_changed = conn.scalar(select(func.max(procedure.c.loaded_at)))
    loaded = fingerprints(conn, dossier.c.received_date, dossier, dossier.c.received_date.between(first, last))
    kept = fingerprints(conn, dossier_metric_input.c.received_date, dossier_metric_input,
                        dossier_metric_input.c.received_date.between(first, last))
    days = days_between(first, last)
    current = {day: combined(loaded.get(day, EMPTY), kept.get(day, EMPTY)).with_reference(catalogue_changed)
               for day in days}
    stale = stale_days(conn, METRIC, current, days)
    if stale:
        republish_days(conn, METRIC, metric_online_filing_daily, metric_online_filing_daily.c.day, stale, COLUMNS,
                       _grains(stale, now), current, now)
    return stale


def _counts(days: list[date], keys: list, source=facts, where=None):
    """Received dossiers of the days, grouped by day and ``keys`` (labelled), with the channel counts
    and how many of them are in quarantine."""
    channel_counts = [func.coalesce(func.sum(case((d.channel == code, 1), else_=0)), 0).label(name)
                      for name, code in CHANNELS.items()]
    query = (select(d.received_date.label("day"), *keys, func.count().label("received"), *channel_counts,
                    func.sum(d.quarantined).label("quarantined"))
             .select_from(source)
             .where(d.status_code.not_in(NOT_RECEIVED), d.received_date.in_(days))
             .group_by(d.received_date, *[key.element for key in keys]))
    return (query.where(where) if where is not None else query).subquery()


def _measures(c, now: datetime) -> list:
    received = func.coalesce(c.c.received, 0)
    rate = case((received > 0, func.round(cast(100.0 * c.c.online / c.c.received, Numeric), 2)), else_=None)
    return [received, *[func.coalesce(c.c[name], 0) for name in CHANNELS], rate, literal(now, UTC),
            func.coalesce(c.c.quarantined, 0)]


def _grains(days: list[date], now: datetime):
    """One SELECT per grain, each yielding rows in COLUMNS order."""
    day_table = days_table(days)
    all_, none = constant("all"), constant("")
    province_known = d.province_code.in_(select(ap.code))
    commune_known = d.commune_code.in_(select(ac.code))
    commune_unknown = or_(d.commune_code.is_(None), d.commune_code.not_in(select(ac.code)))

    nation = _counts(days, [])
    yield (select(day_table.c.day, constant("nation"), constant(NATION_CODE), all_, none, null(),
                  constant(NATION_NAME), *_measures(nation, now))
           .select_from(day_table.outerjoin(nation, nation.c.day == day_table.c.day)))

    province = _counts(days, [d.province_code.label("unit")])
    yield (select(day_table.c.day, constant("province"), ap.code, all_, none, ap.code, ap.full_name,
                  *_measures(province, now))
           .select_from(day_table.join(admin_province, true())
                        .outerjoin(province, and_(province.c.day == day_table.c.day, province.c.unit == ap.code))))
    foreign = _counts(days, [d.province_code.label("unit")], where=~province_known)
    yield select(foreign.c.day, constant("province"), foreign.c.unit, all_, none, foreign.c.unit,
                 constant(UNKNOWN), *_measures(foreign, now))

    commune = _counts(days, [d.commune_code.label("unit")], where=commune_known)
    yield (select(day_table.c.day, constant("commune"), ac.code, all_, none, ac.province_code, ac.full_name,
                  *_measures(commune, now))
           .select_from(day_table.join(admin_commune, true())
                        .outerjoin(commune, and_(commune.c.day == day_table.c.day, commune.c.unit == ac.code))))
    unplaced = _counts(days, [d.province_code.label("unit")], where=commune_unknown)
    yield select(unplaced.c.day, constant("commune"), unplaced.c.unit + constant(":" + UNKNOWN), all_, none,
                 unplaced.c.unit, constant("Chưa xác định xã"), *_measures(unplaced, now))

    with_field = facts.outerjoin(procedure, procedure.c.procedure_code == d.procedure_code)
    for breakdown, code, source in (("procedure", func.coalesce(d.procedure_code, constant(UNKNOWN)), facts),
                                    ("field", func.coalesce(procedure.c.field_code, constant(UNKNOWN)), with_field)):
        by_nation = _counts(days, [code.label("code")], source)
        yield select(by_nation.c.day, constant("nation"), constant(NATION_CODE), constant(breakdown), by_nation.c.code,
                     null(), constant(NATION_NAME), *_measures(by_nation, now))
        by_province = _counts(days, [d.province_code.label("unit"), code.label("code")], source)
        yield (select(by_province.c.day, constant("province"), by_province.c.unit, constant(breakdown),
                      by_province.c.code, by_province.c.unit, func.coalesce(ap.full_name, constant(UNKNOWN)),
                      *_measures(by_province, now))
               .select_from(by_province.outerjoin(admin_province, ap.code == by_province.c.unit)))

