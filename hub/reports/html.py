"""The HTML report: the heat map and scorecards with their trends (the dashboard's own model and
drawing, hub/dashboard), online filing rates with a bar chart, the latest quality run, sync
reconciliation. One self-contained file: the map and charts are inline SVG.

Jinja2 with autoescaping on: every value from the data is escaped.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import Engine, desc, func, select

from hub.reports.charts import sparkline
from hub.reports.formats import install_filters
from hub.reports.i18n import labels
from hub.warehouse.schema import batch_reconciliation, metric_online_filing_rate, quality_result, quality_run


def _environment(language: str) -> Environment:
    env = Environment(loader=PackageLoader("hub.reports", "templates"), autoescape=select_autoescape(["html", "j2"]))
    env.globals["sparkline"] = sparkline
    return install_filters(env, language)


def report_data(engine: Engine, language: str) -> dict:
    with engine.connect() as conn:
        latest_period = conn.execute(
            select(metric_online_filing_rate.c.period_start, metric_online_filing_rate.c.period_end)
            .order_by(desc(metric_online_filing_rate.c.computed_at)).limit(1)).first()
        rates = []
        if latest_period:
            rates = [dict(r) for r in conn.execute(
                select(metric_online_filing_rate)
                .where(metric_online_filing_rate.c.period_start == latest_period[0],
                       metric_online_filing_rate.c.period_end == latest_period[1],
                       metric_online_filing_rate.c.dossiers_received > 0)
                .order_by(metric_online_filing_rate.c.unit_level.desc(), metric_online_filing_rate.c.unit_code)
            ).mappings()]
        run = conn.execute(select(quality_run).where(quality_run.c.dataset == "dossier")
                           .order_by(desc(quality_run.c.run_at)).limit(1)).mappings().first()
        quality = []
        if run:
            quality = [
                {**dict(r), "description": r["description_vi"] if language == "vi" else r["description_en"]}
                for r in conn.execute(select(quality_result).where(quality_result.c.run_id == run["run_id"])
                                      .order_by(quality_result.c.expectation_no)).mappings()
            ]
        reconciliation = [dict(r) for r in conn.execute(
            select(batch_reconciliation.c.source,
                   func.sum(batch_reconciliation.c.fetched).label("fetched"),
                   func.sum(batch_reconciliation.c.loaded).label("loaded"),
                   func.sum(batch_reconciliation.c.quarantined).label("quarantined"))
            .group_by(batch_reconciliation.c.source)).mappings()]
    t = labels(language)
    for r in rates:
        if r["unit_level"] == "nation":
            r["unit_name"] = t["nation"]
    return {
        "rates": rates, "period_start": latest_period[0] if latest_period else None,
        "period_end": latest_period[1] if latest_period else None,
        "quality": quality, "quality_rows": run["rows_checked"] if run else 0,
        "reconciliation": reconciliation,
    }


def write_report(engine: Engine, directory: Path, language: str = "vi") -> Path:
    """The report, and beside it the data-quality report it links to (hub/reports/quality.py)."""
    from hub.dashboard.geo import map_geometry
    from hub.dashboard.view import STATUS_COLOURS, Selection, build_screen
    from hub.reports.quality import write_quality_report

    t = labels(language)
    data = report_data(engine, language)
    with engine.connect() as conn:
        screen = build_screen(conn, Selection(language))
    quality_report = write_quality_report(engine, directory, language)
    html = _environment(language).get_template("report.html.j2").render(
        t=t, lang=language, generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        screen=screen, geometry=map_geometry(), colours=STATUS_COLOURS, quality_report=quality_report.name, **data)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"lienthong-report-{language}.html"
    path.write_text(html, encoding="utf-8")
    return path
