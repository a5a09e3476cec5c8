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

The rate within online-capable procedures and indicator 3.4 (indicators.md section 4) count the
direct and online dossiers by the level of their procedure in their commune at receipt: the latest
``procedure_level`` read on or before the receipt day, else the pair's first read (the portal gives
the current level only, so days before the first read take it; ``dossiers_level_read_later`` counts
those). A day is published again when its dossiers change or the reads its levels come from do.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (Connection, Numeric, and_, case, cast, func, literal, literal_column,
                        null, or_, select, true, union_all)

from hub.metrics.partitions import days_between, fingerprints, one_writer_at_a_time, republish_days, stale_days
from hub.metrics.sql import constant, count_if, days_table, rate_pct
from hub.warehouse.schema import (UTC, admin_commune, admin_province, dossier, dossier_metric_input,
                                  metric_online_filing_daily, procedure, procedure_level)
from quality.dossier_sums import NOT_RECEIVED
from quality.fingerprint import EMPTY, Fingerprint, combined

METRIC = "online_filing_daily"
NATION_CODE, NATION_NAME = "VN", "Toàn quốc"
UNKNOWN = "unknown"
CHANNELS = {"online": "online", "direct": "direct", "postal": "postal", "no_channel": "unknown"}
COLUMNS = ["day", "unit_level", "unit_code", "breakdown", "breakdown_code", "province_code", "unit_name",
           "dossiers_received", "dossiers_online", "dossiers_direct", "dossiers_postal", "dossiers_no_channel",
           "online_rate_pct", "computed_at", "dossiers_quarantined_included", "dossiers_online_capable",
           "dossiers_online_capable_online", "dossiers_full_process", "dossiers_full_process_online",
           "dossiers_level_unknown", "dossiers_level_read_later", "online_capable_rate_pct", "full_process_rate_pct"]
FACT_COLUMNS = ("received_date", "province_code", "commune_code", "procedure_code", "channel", "status_code")
LEVELLED_CHANNELS = ("direct", "online")  # channels 1 and 2: the rates within levels leave postal out
ONLINE_CAPABLE, FULL_PROCESS = (3, 4), 4
LEVEL_COUNTS = ("online_capable", "online_capable_online", "full_process", "full_process_online", "level_unknown",
                "level_read_later")
READ_LATER = 10  # added to a level taken from a read after the receipt day (one code: one lookup per dossier)


def received_facts(days: list[date] | None = None):
    """Every dossier the metric counts (of ``days``, when given): the canonical ones, and the
    quarantined ones whose metric inputs their mapping kept (``quarantined`` 1), with the same columns."""
    canonical = select(*[dossier.c[name] for name in FACT_COLUMNS], literal_column("0").label("quarantined"))
    kept = select(*[dossier_metric_input.c[name] for name in FACT_COLUMNS], literal_column("1").label("quarantined"))
    if days is not None:
        canonical = canonical.where(dossier.c.received_date.in_(days))
        kept = kept.where(dossier_metric_input.c.received_date.in_(days))
    return union_all(canonical, kept).subquery("received_facts")


facts = received_facts()
ap, ac, pl = admin_province.c, admin_commune.c, procedure_level.c


def level_spans():
    """Each pair's levels as spans of days: a span starts at a read whose level differs from the
    pair's read before (consecutive reads of one level are one span, so a dossier meets one or two
    rows of its pair, however many days were read) and lasts until the next span; the first span
    also covers the days before its read (``first``)."""
    pair = (pl.procedure_code, pl.commune_code)
    changes = select(*pair, pl.level, pl.read_date,
                     func.lag(pl.level).over(partition_by=pair, order_by=pl.read_date).label("before")).subquery()
    c = changes.c
    starts = select(c.procedure_code, c.commune_code, c.level, c.read_date).where(
        or_(c.before.is_(None), c.before != c.level)).subquery()
    s_ = starts.c
    span_pair = (s_.procedure_code, s_.commune_code)
    return select(*span_pair, s_.level, s_.read_date.label("since"),
                  func.lead(s_.read_date).over(partition_by=span_pair, order_by=s_.read_date).label("until"),
                  (func.row_number().over(partition_by=span_pair, order_by=s_.read_date) == 1).label("first")
                  ).subquery("level_span")


def levelled_facts(days: list[date]):
    """The days' facts with ``level_code``: a direct or online dossier's level at receipt (the span of
    its pair holding its receipt day; the first span's level plus READ_LATER for days before the
    pair's first read; NULL when its pair was never read). A join on the pair, not a lookup per dossier."""
    of_days = received_facts(days)
    f, span = of_days.c, level_spans()
    held = and_(span.c.procedure_code == f.procedure_code, span.c.commune_code == f.commune_code,
                or_(span.c.since <= f.received_date, span.c.first),
                or_(span.c.until.is_(None), f.received_date < span.c.until))
    level_code = case((f.channel.in_(LEVELLED_CHANNELS),
                       span.c.level + case((f.received_date < span.c.since, READ_LATER), else_=0)))
    return (select(*f, level_code.label("level_code"))
            .select_from(of_days.outerjoin(span, held)).subquery("levelled_facts"))


def level_fingerprints(conn: Connection, days: list[date]) -> dict[date, Fingerprint]:
    """Per day, the level reads its dossiers' levels come from: every read on or before the day, and
    each pair's first read (which days before it take)."""
    if not days:
        return {}
    by_read = sorted(fingerprints(conn, pl.read_date, procedure_level, pl.read_date <= max(days)).items())
    first_reads = (select(pl.procedure_code, pl.commune_code, func.min(pl.read_date).label("read_date"))
                   .group_by(pl.procedure_code, pl.commune_code).subquery())
    first = Fingerprint.of(*conn.execute(
        select(func.count(), func.max(pl.loaded_at))
        .select_from(procedure_level.join(first_reads, and_(first_reads.c.procedure_code == pl.procedure_code,
                                                            first_reads.c.commune_code == pl.commune_code,
                                                            first_reads.c.read_date == pl.read_date)))).one())
    result, reads_before, n = {}, first, 0
    for day in sorted(days):
        while n < len(by_read) and by_read[n][0] <= day:
            reads_before, n = combined(reads_before, by_read[n][1]), n + 1
        result[day] = reads_before
    return result


def publish_online_filing_daily(conn: Connection, first: date, last: date, now: datetime) -> list[date]:
    """Recompute the days of [first, last] whose inputs changed; returns those days."""
    one_writer_at_a_time(conn, METRIC)
    catalogue_changed = conn.scalar(select(func.max(procedure.c.loaded_at)))
    loaded = fingerprints(conn, dossier.c.received_date, dossier, dossier.c.received_date.between(first, last))
    kept = fingerprints(conn, dossier_metric_input.c.received_date, dossier_metric_input,
                        dossier_metric_input.c.received_date.between(first, last))
    days = days_between(first, last)
    levels = level_fingerprints(conn, days)
    current = {day: combined(loaded.get(day, EMPTY), kept.get(day, EMPTY), levels[day])
               .with_reference(catalogue_changed) for day in days}
    stale = stale_days(conn, METRIC, current, days)
    if stale:
        republish_days(conn, METRIC, metric_online_filing_daily, metric_online_filing_daily.c.day, stale, COLUMNS,
                       _grains(stale, now), current, now)
    return stale


def _counts(levelled, keys: list, source=None, where=None):
    """Received dossiers of the ``levelled`` facts (read from ``source``, default themselves), grouped
    by day and ``keys`` (labelled), with the channel counts, how many of them are in quarantine, and
    the direct and online ones by level."""
    f = levelled.c
    channel_counts = [count_if(f.channel == code).label(name) for name, code in CHANNELS.items()]
    level = f.level_code % READ_LATER
    online = f.channel == CHANNELS["online"]
    level_counts = [
        count_if(level.in_(ONLINE_CAPABLE)).label("online_capable"),
        count_if(and_(level.in_(ONLINE_CAPABLE), online)).label("online_capable_online"),
        count_if(level == FULL_PROCESS).label("full_process"),
        count_if(and_(level == FULL_PROCESS, online)).label("full_process_online"),
        count_if(and_(f.channel.in_(LEVELLED_CHANNELS), f.level_code.is_(None))).label("level_unknown"),
        count_if(f.level_code >= READ_LATER).label("level_read_later"),
    ]
    query = (select(f.received_date.label("day"), *keys, func.count().label("received"), *channel_counts,
                    func.sum(f.quarantined).label("quarantined"), *level_counts)
             .select_from(source if source is not None else levelled)
             .where(f.status_code.not_in(NOT_RECEIVED))
             .group_by(f.received_date, *[key.element for key in keys]))
    return (query.where(where) if where is not None else query).subquery()


def _measures(c, now: datetime) -> list:
    received = func.coalesce(c.c.received, 0)
    rate = case((received > 0, func.round(cast(100.0 * c.c.online / c.c.received, Numeric), 2)), else_=None)
    levels = {name: func.coalesce(c.c[name], 0) for name in LEVEL_COUNTS}
    return [received, *[func.coalesce(c.c[name], 0) for name in CHANNELS], rate, literal(now, UTC),
            func.coalesce(c.c.quarantined, 0), *levels.values(),
            rate_pct(levels["online_capable_online"], levels["online_capable"]),
            rate_pct(levels["full_process_online"], levels["full_process"])]


def _grains(days: list[date], now: datetime):
    """One SELECT per grain, each yielding rows in COLUMNS order."""
    day_table = days_table(days)
    levelled = levelled_facts(days)
    d = levelled.c
    all_, none = constant("all"), constant("")
    province_known = d.province_code.in_(select(ap.code))
    commune_known = d.commune_code.in_(select(ac.code))
    commune_unknown = or_(d.commune_code.is_(None), d.commune_code.not_in(select(ac.code)))

    nation = _counts(levelled, [])
    yield (select(day_table.c.day, constant("nation"), constant(NATION_CODE), all_, none, null(),
                  constant(NATION_NAME), *_measures(nation, now))
           .select_from(day_table.outerjoin(nation, nation.c.day == day_table.c.day)))

    province = _counts(levelled, [d.province_code.label("unit")])
    yield (select(day_table.c.day, constant("province"), ap.code, all_, none, ap.code, ap.full_name,
                  *_measures(province, now))
           .select_from(day_table.join(admin_province, true())
                        .outerjoin(province, and_(province.c.day == day_table.c.day, province.c.unit == ap.code))))
    foreign = _counts(levelled, [d.province_code.label("unit")], where=~province_known)
    yield select(foreign.c.day, constant("province"), foreign.c.unit, all_, none, foreign.c.unit,
                 constant(UNKNOWN), *_measures(foreign, now))

    commune = _counts(levelled, [d.commune_code.label("unit")], where=commune_known)
    yield (select(day_table.c.day, constant("commune"), ac.code, all_, none, ac.province_code, ac.full_name,
                  *_measures(commune, now))
           .select_from(day_table.join(admin_commune, true())
                        .outerjoin(commune, and_(commune.c.day == day_table.c.day, commune.c.unit == ac.code))))
    unplaced = _counts(levelled, [d.province_code.label("unit")], where=commune_unknown)
    yield select(unplaced.c.day, constant("commune"), unplaced.c.unit + constant(":" + UNKNOWN), all_, none,
                 unplaced.c.unit, constant("Chưa xác định xã"), *_measures(unplaced, now))

    with_field = levelled.outerjoin(procedure, procedure.c.procedure_code == d.procedure_code)
    for breakdown, code, source in (("procedure", func.coalesce(d.procedure_code, constant(UNKNOWN)), levelled),
                                    ("field", func.coalesce(procedure.c.field_code, constant(UNKNOWN)), with_field)):
        by_nation = _counts(levelled, [code.label("code")], source)
        yield select(by_nation.c.day, constant("nation"), constant(NATION_CODE), constant(breakdown), by_nation.c.code,
                     null(), constant(NATION_NAME), *_measures(by_nation, now))
        by_province = _counts(levelled, [d.province_code.label("unit"), code.label("code")], source)
        yield (select(by_province.c.day, constant("province"), by_province.c.unit, constant(breakdown),
                      by_province.c.code, by_province.c.unit, func.coalesce(ap.full_name, constant(UNKNOWN)),
                      *_measures(by_province, now))
               .select_from(by_province.outerjoin(admin_province, ap.code == by_province.c.unit)))
