"""Every read the screen makes, in one place: the published metric_* tables (docs/metrics.md).

The views, the Excel export and the static report only see the dicts these functions return.

A table that does not exist yet (an older warehouse, a metric another release publishes) reads as
no rows; ``published`` tells the screen which tables exist, so it can say "not published yet"
rather than "no data". All queries are set-based and run the same on SQLite and PostgreSQL.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import BigInteger, Connection, and_, case, cast, Float, func, inspect, select, text, true

from hub.metrics import percent
from hub.metrics.sql import rate_pct
from hub.warehouse.schema import (load_run, metadata, quarantine, metric_connection_health,
                                  metric_data_quality, metric_dossier_reduction, metric_dossier_reduction_day,
                                  metric_online_filing_daily, metric_online_filing_rate,
                                  metric_procedure_component_reduction, metric_readiness_commune, metric_readiness_nation,
                                  metric_readiness_province)

METRIC_TABLES = tuple(sorted(name for name in metadata.tables if name.startswith("metric_")))
# Read by the Prometheus endpoint only (operators, not the dashboard role): the hub's own bookkeeping.
OPERATIONS_TABLES = ("load_run", "quarantine")
DIMENSIONS = ("dung", "du", "sach", "song")  # đúng, đủ, sạch, sống: the order people say them


@dataclass(frozen=True)
class DateRange:
    start: date | None = None
    end: date | None = None

    def covers(self, column):
        conditions = []
        if self.start is not None:
            conditions.append(column >= self.start)
        if self.end is not None:
            conditions.append(column <= self.end)
        return and_(true(), *conditions)


def published(conn: Connection) -> set[str]:
    """The tables the screen reads that exist in this warehouse and that this connection may read
    (the PostgreSQL dashboard role sees every table's name but may SELECT from metric_* only)."""
    names = set(inspect(conn).get_table_names()) & set(METRIC_TABLES + OPERATIONS_TABLES)
    if conn.dialect.name == "postgresql":
        names = {name for name in names
                 if conn.execute(text("SELECT has_table_privilege(:name, 'SELECT')"), {"name": name}).scalar()}
    return names


def _total(expression):
    """SUM as a 64-bit integer: PostgreSQL sums bigints as numeric, which Python reads as Decimal."""
    return cast(func.sum(expression), BigInteger)


def _rows(conn: Connection, statement, table_name: str, available: set[str]) -> list[dict]:
    if table_name not in available:
        return []
    return [dict(row) for row in conn.execute(statement).mappings()]


# --- readiness heat map -----------------------------------------------------------------------
def report_dates(conn: Connection, available: set[str], within: DateRange = DateRange()) -> list[date]:
    m = metric_readiness_province
    return [r["report_date"] for r in _rows(
        conn, select(m.c.report_date).where(within.covers(m.c.report_date)).distinct().order_by(m.c.report_date),
        m.name, available)]


def province_readiness(conn: Connection, available: set[str], report_date: date | None) -> list[dict]:
    m = metric_readiness_province
    return _rows(conn, select(m).where(m.c.report_date == report_date).order_by(m.c.province_code),
                 m.name, available)


def nation_readiness(conn: Connection, available: set[str], within: DateRange) -> list[dict]:
    m = metric_readiness_nation
    return _rows(conn, select(m).where(within.covers(m.c.report_date)).order_by(m.c.report_date), m.name, available)


def commune_readiness(conn: Connection, available: set[str], report_date: date | None,
                      province_code: str) -> list[dict]:
    """Each commune of a province on a report day: which checklist conditions it met."""
    m = metric_readiness_commune.c
    statement = (select(m.commune_code, m.commune_name, m.reporting, m.meets_basic.label("basic"), m.green,
                        m.one_stop_staff.label("staffed"), m.digital_signatures, m.official_certificates,
                        m.criteria_met)
                 .where(m.report_date == report_date, m.province_code == province_code)
                 .order_by(m.commune_code))
    return _rows(conn, statement, metric_readiness_commune.name, available)


# --- online filing rate and dossier reduction ------------------------------------------------
def filing_periods(conn: Connection, available: set[str], within: DateRange) -> list[tuple[date, date]]:
    m = metric_online_filing_rate
    rows = _rows(conn, select(m.c.period_start, m.c.period_end)
                 .where(within.covers(m.c.period_start), within.covers(m.c.period_end))
                 .distinct().order_by(m.c.period_end, m.c.period_start), m.name, available)
    return [(r["period_start"], r["period_end"]) for r in rows]


def online_rates(conn: Connection, available: set[str], period: tuple[date, date] | None,
                 unit_level: str = "province") -> list[dict]:
    """The period's rows of one level, lowest online rate first (units with nothing received last)."""
    m = metric_online_filing_rate
    if period is None:
        return []
    return _rows(conn, select(m).where(m.c.unit_level == unit_level, m.c.period_start == period[0],
                                       m.c.period_end == period[1])
                 .order_by(m.c.online_rate_pct.is_(None), m.c.online_rate_pct, m.c.unit_code), m.name, available)


def unit_trend(conn: Connection, available: set[str], table, columns: tuple[str, ...], unit_code: str,
               within: DateRange) -> list[dict]:
    """One unit's figures per period, oldest first (metric_online_filing_rate, metric_dossier_reduction)."""
    return _rows(conn, select(table.c.period_start, table.c.period_end, *[table.c[name] for name in columns])
                 .where(table.c.unit_code == unit_code, within.covers(table.c.period_start),
                        within.covers(table.c.period_end))
                 .order_by(table.c.period_end, table.c.period_start), table.name, available)


def dossier_reduction(conn: Connection, available: set[str], period: tuple[date, date] | None,
                      unit_code: str | None = None) -> list[dict]:
    """The period's rows: the nation and every province, or one unit."""
    m = metric_dossier_reduction
    if period is None:
        return []
    statement = select(m).where(m.c.period_start == period[0], m.c.period_end == period[1])
    if unit_code is not None:
        statement = statement.where(m.c.unit_code == unit_code)
    return _rows(conn, statement.order_by(m.c.unit_level.desc(), m.c.reuse_rate_pct.is_(None), m.c.reuse_rate_pct),
                 m.name, available)


# --- connection health ------------------------------------------------------------------------
def connection_health(conn: Connection, available: set[str], within: DateRange) -> list[dict]:
    """Per system over the range: calls, success rate, call-weighted mean latency, the latest day's
    status, the last day with a successful call and how many days that is before the range's end."""
    m = metric_connection_health
    calls, ok = _total(m.c.calls), _total(m.c.calls_ok)
    totals = (select(m.c.system, calls.label("calls"), ok.label("calls_ok"),
                     func.max(m.c.day).label("last_day"),
                     func.max(case((m.c.calls_ok > 0, m.c.day))).label("last_success_day"),
                     (func.sum(m.c.avg_latency_ms * m.c.calls) / func.nullif(
                         func.sum(case((m.c.avg_latency_ms.is_not(None), m.c.calls), else_=0)), 0)).label("avg_latency_ms"),
                     func.max(m.c.max_latency_ms).label("max_latency_ms"))
              .where(within.covers(m.c.day)).group_by(m.c.system).subquery())
    latest = select(totals, m.c.status).join(m, and_(m.c.system == totals.c.system, m.c.day == totals.c.last_day)) \
        .order_by(totals.c.system)
    rows = _rows(conn, latest, m.name, available)
    for r in rows:
        r["success_rate_pct"] = round(100.0 * r["calls_ok"] / r["calls"], 2) if r["calls"] else None
        r["lag_days"] = (r["last_day"] - r["last_success_day"]).days if r["last_success_day"] else None
    return rows


# --- procedures -------------------------------------------------------------------------------
def _percent(part, whole):
    """100 × Σ part ÷ Σ whole to 2 decimals, NULL when Σ whole is 0 (the metrics' own rounding, in
    numeric on PostgreSQL), read back as a float."""
    return cast(rate_pct(func.sum(part), func.sum(whole)), Float)


def _channel_totals() -> list:
    """metric_online_filing_daily's dossiers by channel, summed (labelled as its columns)."""
    m = metric_online_filing_daily
    return [_total(m.c[name]).label(name) for name in ("dossiers_received", "dossiers_online", "dossiers_direct",
                                                       "dossiers_postal", "dossiers_no_channel")]


def _online_rate():
    m = metric_online_filing_daily
    return _percent(m.c.dossiers_online, m.c.dossiers_received)


def _reduction_totals() -> list:
    """metric_dossier_reduction_day's figures summed, with the reuse and avoidable rates over the sums."""
    m = metric_dossier_reduction_day
    return [_total(m.c.dossiers_received).label("dossiers_received"),
            _total(m.c.dossiers_reusing_data).label("dossiers_reusing_data"),
            _reuse_rate().label("reuse_rate_pct"), _total(m.c.attachments).label("attachments"),
            _total(m.c.attachments_avoidable).label("attachments_avoidable"),
            _percent(m.c.attachments_avoidable, m.c.attachments).label("avoidable_pct")]


def _reuse_rate():
    m = metric_dossier_reduction_day
    return _percent(m.c.dossiers_reusing_data, m.c.dossiers_received)


def procedure_names(conn: Connection, available: set[str]) -> dict[str, str]:
    """Procedure code → its name in the catalogue the hub holds (metric_procedure_component_reduction)."""
    m = metric_procedure_component_reduction
    return {r["procedure_code"]: r["procedure_name"] for r in _rows(
        conn, select(m.c.procedure_code, func.min(m.c.procedure_name).label("procedure_name"))
        .group_by(m.c.procedure_code), m.name, available)}


def procedure_online_rates(conn: Connection, available: set[str], within: DateRange,
                           unit_code: str = "VN") -> list[dict]:
    """Per procedure, the unit's (nation or province) dossiers by channel summed over the range's days,
    lowest online rate first (procedures with nothing received last)."""
    m = metric_online_filing_daily
    rate = _online_rate()
    rows = _rows(conn, select(m.c.breakdown_code.label("procedure_code"), *_channel_totals(),
                              rate.label("online_rate_pct"))
                 .where(m.c.breakdown == "procedure", m.c.unit_code == unit_code,
                        m.c.unit_level == ("nation" if unit_code == "VN" else "province"), within.covers(m.c.day))
                 .group_by(m.c.breakdown_code).order_by(rate.is_(None), rate, m.c.breakdown_code), m.name, available)
    names = procedure_names(conn, available)
    for r in rows:
        r["procedure_name"] = names.get(r["procedure_code"])
    return rows


def procedure_reduction(conn: Connection, available: set[str], within: DateRange) -> list[dict]:
    """Per procedure, nationwide (the only grain metric_dossier_reduction_day publishes procedures at):
    dossier reduction summed over the range's days, beside how many of the procedure's published
    components a database can replace and how many of those the portal already replaces; lowest
    reuse rate first."""
    m, c = metric_dossier_reduction_day, metric_procedure_component_reduction
    reuse = _reuse_rate()
    rows = _rows(conn, select(m.c.unit_code.label("procedure_code"), func.min(m.c.unit_name).label("procedure_name"),
                              *_reduction_totals())
                 .where(m.c.unit_level == "procedure", within.covers(m.c.day))
                 .group_by(m.c.unit_code).order_by(reuse.is_(None), reuse, m.c.unit_code), m.name, available)
    components = {r["procedure_code"]: r for r in _rows(
        conn, select(c.c.procedure_code,
                     _total(case((c.c.replaceable_by.is_not(None), 1), else_=0)).label("components_replaceable"),
                     _total(case((and_(c.c.replaceable_by.is_not(None), c.c.portal_replaces == true()), 1),
                                 else_=0)).label("components_replaced"))
        .group_by(c.c.procedure_code), c.name, available)}
    for r in rows:
        r.update({k: v for k, v in components.get(r["procedure_code"], {}).items() if k != "procedure_code"})
    return rows


# --- the communes of a province ---------------------------------------------------------------
def unplaced_commune(province_code: str) -> str:
    """The commune row of metric_online_filing_daily that counts a province's dossiers whose commune
    the reference units do not know."""
    return f"{province_code}:unknown"


def commune_online_rates(conn: Connection, available: set[str], within: DateRange,
                         province_code: str) -> list[dict]:
    """The province's communes (its unplaced-commune row included), dossiers by channel summed over
    the range's days, lowest online rate first (communes with nothing received last)."""
    m = metric_online_filing_daily
    rate = _online_rate()
    return _rows(conn, select(m.c.unit_code, func.min(m.c.unit_name).label("unit_name"), *_channel_totals(),
                              rate.label("online_rate_pct"))
                 .where(m.c.unit_level == "commune", m.c.breakdown == "all", m.c.province_code == province_code,
                        within.covers(m.c.day))
                 .group_by(m.c.unit_code).order_by(rate.is_(None), rate, m.c.unit_code), m.name, available)


def commune_reduction(conn: Connection, available: set[str], within: DateRange,
                      province_code: str) -> list[dict]:
    """The province's communes, dossier reduction summed over the range's days, lowest reuse rate first
    (communes with nothing received last). metric_dossier_reduction_day has no province column and a
    commune code's digits do not say its province, so each day's commune row is placed by the same
    day's row of that commune in metric_online_filing_daily (both are dense over the reference
    communes). Commune codes the reference data does not know have no province there: they count in
    the province's total (metric_dossier_reduction) only."""
    m, placed = metric_dossier_reduction_day, metric_online_filing_daily
    if placed.name not in available:
        return []
    reuse = _reuse_rate()
    same_commune_day = and_(placed.c.day == m.c.day, placed.c.unit_level == "commune",
                            placed.c.unit_code == m.c.unit_code, placed.c.breakdown == "all",
                            placed.c.breakdown_code == "")
    return _rows(conn, select(m.c.unit_code, func.min(m.c.unit_name).label("unit_name"), *_reduction_totals())
                 .select_from(m.join(placed, same_commune_day))
                 .where(m.c.unit_level == "commune", placed.c.province_code == province_code, within.covers(m.c.day))
                 .group_by(m.c.unit_code).order_by(reuse.is_(None), reuse, m.c.unit_code), m.name, available)


# --- data quality -----------------------------------------------------------------------------
def _quality_totals(m=metric_data_quality):
    checked, failing = _total(m.c.rows_checked), _total(m.c.rows_failing)
    return checked.label("rows_checked"), failing.label("rows_failing")


def _scored(rows: list[dict]) -> list[dict]:
    """A score over several rows is 100 × Σ(checked − failing) ÷ Σ checked, never a mean of scores."""
    for r in rows:
        r["score_pct"] = percent(r["rows_checked"] - r["rows_failing"], r["rows_checked"])
    return rows


def _dimension_order(row: dict) -> int:
    return DIMENSIONS.index(row["dimension"]) if row["dimension"] in DIMENSIONS else len(DIMENSIONS)


def quality_by_dimension(conn: Connection, available: set[str], within: DateRange) -> list[dict]:
    """The score per dimension (đúng, đủ, sạch, sống) over the range's days, every dataset, source and
    unit, rejected records included (metric_data_quality)."""
    m = metric_data_quality
    rows = _rows(conn, select(m.c.dimension, *_quality_totals(), func.max(m.c.day).label("last_day"))
                 .where(within.covers(m.c.day)).group_by(m.c.dimension), m.name, available)
    return sorted(_scored(rows), key=_dimension_order)


def quality_history(conn: Connection, available: set[str], within: DateRange) -> list[dict]:
    """The score per dimension and day over the range, oldest first: the scorecards' trends."""
    m = metric_data_quality
    return _scored(_rows(conn, select(m.c.day, m.c.dimension, *_quality_totals())
                         .where(within.covers(m.c.day)).group_by(m.c.day, m.c.dimension).order_by(m.c.day),
                         m.name, available))


def quality_by_unit(conn: Connection, available: set[str], within: DateRange,
                    province_code: str | None = None) -> list[dict]:
    """The provinces (or one province's communes), each with its score per dimension over the range,
    worst first: by its lowest dimension score, then its rows failing. Code '' gathers the rows the
    table places in no province (commune): rejected records, catalogue datasets, province reports."""
    m = metric_data_quality
    unit = m.c.commune_code if province_code else m.c.province_code
    statement = select(unit.label("unit_code"), m.c.dimension, *_quality_totals()).where(within.covers(m.c.day))
    if province_code:
        statement = statement.where(m.c.province_code == province_code)
    units: dict[str, dict] = {}
    for r in _scored(_rows(conn, statement.group_by(unit, m.c.dimension), m.name, available)):
        row = units.setdefault(r["unit_code"], {"unit_code": r["unit_code"], "rows_checked": 0, "rows_failing": 0})
        row[f"score_{r['dimension']}"] = r["score_pct"]
        row["rows_checked"] += r["rows_checked"]
        row["rows_failing"] += r["rows_failing"]
    for row in units.values():
        scores = [row.get(f"score_{d}") for d in DIMENSIONS]
        row["score_lowest"] = min((s for s in scores if s is not None), default=None)
    names = unit_names(conn, available, province_code)
    for row in units.values():
        row["unit_name"] = names.get(row["unit_code"])
    return sorted(units.values(), key=lambda r: (r["score_lowest"] is None, r["score_lowest"] or 0.0,
                                                 -r["rows_failing"], r["unit_code"]))


def unit_names(conn: Connection, available: set[str], province_code: str | None = None) -> dict[str, str]:
    """Province code → name, or one province's commune code → name, from the online filing facts
    (dense: every unit has a row on every published day, so the latest day names them all)."""
    m = metric_online_filing_daily
    level = "commune" if province_code else "province"
    latest = select(func.max(m.c.day)).where(m.c.breakdown == "all").scalar_subquery()
    statement = select(m.c.unit_code, m.c.unit_name).where(m.c.day == latest, m.c.breakdown == "all",
                                                           m.c.unit_level == level)
    if province_code:
        statement = statement.where(m.c.province_code == province_code)
    return {r["unit_code"]: r["unit_name"] for r in _rows(conn, statement, m.name, available)}


# --- operations (Prometheus) ------------------------------------------------------------------
def latest_health(conn: Connection, available: set[str]) -> list[dict]:
    """Each system's row of its latest day in metric_connection_health."""
    m = metric_connection_health
    latest = select(m.c.system, func.max(m.c.day).label("day")).group_by(m.c.system).subquery()
    return _rows(conn, select(m).join(latest, and_(m.c.system == latest.c.system, m.c.day == latest.c.day))
                 .order_by(m.c.system), m.name, available)


def last_successful_sync(conn: Connection, available: set[str]) -> list[dict]:
    return _rows(conn, select(load_run.c.source, func.max(load_run.c.finished_at).label("finished_at"))
                 .where(load_run.c.status == "succeeded").group_by(load_run.c.source).order_by(load_run.c.source),
                 load_run.name, available)


def quarantine_counts(conn: Connection, available: set[str]) -> list[dict]:
    return _rows(conn, select(quarantine.c.source, quarantine.c.stream, func.count().label("records"))
                 .group_by(quarantine.c.source, quarantine.c.stream).order_by(quarantine.c.source, quarantine.c.stream),
                 quarantine.name, available)
