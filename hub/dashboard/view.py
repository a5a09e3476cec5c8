"""What the screen shows for a selection, as plain data: the HTML page, the Excel export and the
static report all render this one model, so an export always matches the screen.

Tables are declared once (``Column`` specs): the page's tables and the workbook's sheets are both
drawn from them, with the same labels and the same rows in the same order.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection

from hub.dashboard import queries as q
from hub.reports.formats import day, number, percent
from hub.reports.i18n import labels
from hub.warehouse.schema import metric_dossier_reduction, metric_online_filing_rate

STATUS_COLOURS = {"green": "#2e9e5b", "yellow": "#f2c230", "red": "#d64541", None: "#c7ccd3"}


@dataclass(frozen=True)
class Selection:
    language: str = "vi"
    start: date | None = None
    end: date | None = None
    report_date: date | None = None
    province: str | None = None


@dataclass(frozen=True)
class Column:
    field: str
    label: str  # key in hub/reports/i18n.py
    kind: str = "text"  # text | num | pct | day | flag (1/0 → yes/no) | status, dimension, label (translated)


@dataclass
class Table:
    key: str  # the HTML id and the sheet's identity
    title: str  # label key
    columns: tuple[Column, ...]
    rows: list[dict]
    missing: str | None = None  # None, "absent" (table not published yet) or "empty"
    source: str = ""  # the table it comes from


RANKING = (Column("unit_code", "code"), Column("unit_name", "unit"), Column("dossiers_received", "received", "num"),
           Column("dossiers_online", "online", "num"), Column("dossiers_direct", "direct", "num"),
           Column("dossiers_postal", "postal", "num"), Column("online_rate_pct", "rate", "pct"))
READINESS = (Column("province_code", "code"), Column("province_name", "unit"), Column("status", "status", "status"),
             Column("communes", "communes", "num"), Column("communes_reporting", "communes_reporting", "num"),
             Column("communes_green", "communes_green", "num"), Column("green_pct", "green_pct", "pct"),
             Column("communes_basic", "communes_basic", "num"), Column("basic_pct", "basic_pct", "pct"))
COMMUNES = (Column("commune_code", "code"), Column("commune_name", "commune"), Column("reporting", "reported", "flag"),
            Column("basic", "meets_basic", "flag"), Column("staffed", "staffed", "flag"),
            Column("digital_signatures", "digital_signatures", "flag"),
            Column("official_certificates", "official_certificates", "flag"), Column("green", "green", "flag"))
REDUCTION = (Column("unit_code", "code"), Column("unit_name", "unit"), Column("dossiers_received", "received", "num"),
             Column("dossiers_reusing_data", "reusing", "num"), Column("reuse_rate_pct", "reuse_rate_col", "pct"),
             Column("attachments", "attachments", "num"), Column("attachments_avoidable", "avoidable_col", "num"),
             Column("avoidable_pct", "avoidable_pct", "pct"))
COMMUNE_RATES = (Column("unit_code", "code"), Column("unit_name", "commune"),
                 Column("dossiers_received", "received", "num"), Column("dossiers_online", "online", "num"),
                 Column("dossiers_direct", "direct", "num"), Column("dossiers_postal", "postal", "num"),
                 Column("dossiers_no_channel", "no_channel", "num"), Column("online_rate_pct", "rate", "pct"))
COMMUNE_REDUCTION = (Column("unit_code", "code"), Column("unit_name", "commune")) + REDUCTION[2:]
HEALTH = (Column("system", "system"), Column("status", "status", "status"), Column("calls", "calls", "num"),
          Column("success_rate_pct", "success_rate", "pct"), Column("avg_latency_ms", "latency", "pct"),
          Column("max_latency_ms", "max_latency", "pct"), Column("last_success_day", "last_success", "day"),
          Column("lag_days", "lag_days", "num"))
QUALITY = (Column("dimension", "dimension", "dimension"), Column("rows_checked", "rows_checked_all", "num"),
           Column("rows_failing", "rows_failing", "num"), Column("score_pct", "score", "pct"))
QUALITY_UNITS = ((Column("unit_code", "code"), Column("unit_name", "unit"),
                  Column("rows_checked", "rows_checked_all", "num"), Column("rows_failing", "rows_failing", "num"))
                 + tuple(Column(f"score_{d}", f"score_{d}", "pct") for d in q.DIMENSIONS)
                 + (Column("score_lowest", "score_lowest", "pct"),))
PROCEDURES = (Column("procedure_code", "code"), Column("procedure_name", "procedure"),
              Column("dossiers_received", "received", "num"), Column("dossiers_online", "online", "num"),
              Column("dossiers_direct", "direct", "num"), Column("dossiers_postal", "postal", "num"),
              Column("online_rate_pct", "rate", "pct"))
PROCEDURE_REDUCTION = (Column("procedure_code", "code"), Column("procedure_name", "procedure"),
                       Column("dossiers_received", "received", "num"),
                       Column("dossiers_reusing_data", "reusing", "num"),
                       Column("reuse_rate_pct", "reuse_rate_col", "pct"), Column("attachments", "attachments", "num"),
                       Column("attachments_avoidable", "avoidable_col", "num"),
                       Column("avoidable_pct", "avoidable_pct", "pct"),
                       Column("components_replaceable", "components_replaceable", "num"),
                       Column("components_replaced", "components_replaced", "num"))
SCORECARDS = (Column("key", "indicator", "label"), Column("value", "value", "value"), Column("as_of", "as_of", "day"))


@dataclass
class Screen:
    selection: Selection
    report_dates: list[date]
    report_date: date | None
    period: tuple[date, date] | None
    scorecards: list[dict]
    map_rows: dict[str, dict]  # province code → readiness row on the report date
    tables: list[Table]
    province: dict | None = None  # the drilled-into province's readiness row, or its code alone
    published: set[str] = field(default_factory=set)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def _table(key, title, columns, rows, source, available) -> Table:
    missing = None if rows else ("absent" if source not in available else "empty")
    return Table(key, title, columns, rows, missing, source)


def _card(key: str, value, kind: str, trend: list, as_of) -> dict:
    return {"key": key, "value": value, "kind": kind, "as_of": as_of,
            "trend": [v for v in trend if v is not None]}


def build_screen(conn: Connection, selection: Selection) -> Screen:
    available = q.published(conn)
    within = q.DateRange(selection.start, selection.end)
    dates = q.report_dates(conn, available, within)
    report_date = selection.report_date if selection.report_date in dates else (dates[-1] if dates else None)
    provinces = q.province_readiness(conn, available, report_date)
    nation_trend = q.nation_readiness(conn, available, within)
    nation_today = next((r for r in nation_trend if r["report_date"] == report_date), None)
    periods = q.filing_periods(conn, available, within)
    period = periods[-1] if periods else None
    ranking = q.online_rates(conn, available, period, "province")
    nation_rate = next(iter(q.online_rates(conn, available, period, "nation")), None)
    rate_trend = q.unit_trend(conn, available, metric_online_filing_rate, ("dossiers_received", "online_rate_pct"),
                              "VN", within)
    reuse_trend = q.unit_trend(conn, available, metric_dossier_reduction, ("reuse_rate_pct",), "VN", within)
    reduction = q.dossier_reduction(conn, available, period)
    reduction_nation = next((r for r in reduction if r["unit_level"] == "nation"), None)
    quality = q.quality_by_dimension(conn, available, within)
    quality_history = q.quality_history(conn, available, within)
    period_label = period[1] if period else None
    quality_units = q.quality_by_unit(conn, available, within, selection.province)
    for r in quality_units:
        if r["unit_code"] == "":  # the rows metric_data_quality places in no province (commune)
            r.update(unit_code=None, unit_name=labels(selection.language)["no_unit"])

    scorecards = [
        _card("online_rate_card", nation_rate and nation_rate["online_rate_pct"], "pct",
              [r["online_rate_pct"] for r in rate_trend], period_label),
        _card("received", nation_rate and nation_rate["dossiers_received"], "num",
              [r["dossiers_received"] for r in rate_trend], period_label),
        _card("reuse_rate_card", reduction_nation and reduction_nation["reuse_rate_pct"], "pct",
              [r["reuse_rate_pct"] for r in reuse_trend], period_label),
        _card("provinces_green", nation_today and nation_today["provinces_green"], "num",
              [r["provinces_green"] for r in nation_trend], report_date),
        _card("communes_basic", nation_today and nation_today["communes_basic"], "num",
              [r["communes_basic"] for r in nation_trend], report_date),
    ] + [_card(f"quality_{r['dimension']}", r["score_pct"], "pct",
               [h["score_pct"] for h in quality_history if h["dimension"] == r["dimension"]],
               r["last_day"]) for r in quality]

    tables = [
        _table("scorecards", "scorecards", SCORECARDS, scorecards, "", {""}),
        _table("readiness", "readiness", READINESS, provinces, "metric_readiness_province", available),
        _table("ranking", "ranking", RANKING, ranking, "metric_online_filing_rate", available),
        _table("reduction", "reduction", REDUCTION, reduction, "metric_dossier_reduction", available),
        _table("health", "health", HEALTH, q.connection_health(conn, available, q.DateRange()),
               "metric_connection_health", available),
        _table("quality", "quality", QUALITY, quality, "metric_data_quality", available),
        _table("procedures", "procedures", PROCEDURES,
               q.procedure_online_rates(conn, available, within, selection.province or "VN"),
               "metric_online_filing_daily", available),
        _table("procedure_reduction", "procedure_reduction", PROCEDURE_REDUCTION,
               q.procedure_reduction(conn, available, within), "metric_dossier_reduction_day", available),
        _table("quality_units", "quality_communes" if selection.province else "quality_provinces", QUALITY_UNITS,
               quality_units, "metric_data_quality", available),
    ]
    province = None
    if selection.province:
        province = next((r for r in provinces if r["province_code"] == selection.province),
                        dict.fromkeys(c.field for c in READINESS) | {"province_code": selection.province})
        communes = q.commune_readiness(conn, available, report_date, selection.province)
        tables.append(_table("communes", "communes_of", COMMUNES, communes, "metric_readiness_commune", available))
        tables.append(_table("province_rate", "online_rate", RANKING,
                             [r for r in ranking if r["unit_code"] == selection.province],
                             "metric_online_filing_rate", available))
        tables.append(_table("province_reduction", "reduction", REDUCTION,
                             [r for r in reduction if r["unit_code"] == selection.province],
                             "metric_dossier_reduction", available))
        commune_rates = q.commune_online_rates(conn, available, within, selection.province)
        for r in commune_rates:
            if r["unit_code"] == q.unplaced_commune(selection.province):
                r["unit_name"] = labels(selection.language)["unplaced_commune"]
        tables.append(_table("commune_rates", "commune_rates", COMMUNE_RATES, commune_rates,
                             "metric_online_filing_daily", available))
        tables.append(_table("commune_reduction", "commune_reduction", COMMUNE_REDUCTION,
                             q.commune_reduction(conn, available, within, selection.province),
                             "metric_dossier_reduction_day", available))
    return Screen(selection, dates, report_date, period, scorecards,
                  {r["province_code"]: r for r in provinces}, tables, province, available)


def cell_value(row: dict, column: Column, t: dict[str, str]):
    """The cell as a typed value (the Excel sheet's): numbers stay numbers, codes become labels."""
    value = row.get(column.field)
    if column.kind == "flag":
        return None if value is None else t["yes"] if value else t["no"]
    if column.kind in ("status", "dimension", "label"):
        return t["not_reported"] if value is None and column.kind == "status" else t.get(value, value)
    return value


def cell_text(row: dict, column: Column, t: dict[str, str], language: str) -> str:
    """The cell as the page shows it, in the language's number and date formats."""
    value = cell_value(row, column, t)
    kind = row.get("kind") if column.kind == "value" else column.kind
    if kind == "num":
        return number(value, language)
    if kind in ("pct",):
        return percent(value, language)
    if kind == "day":
        return day(value, language)
    return "–" if value is None else str(value)
