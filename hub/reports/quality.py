"""The data-quality report for ministry staff: "đúng, đủ, sạch, sống" per source, province and commune.

Read from metric_data_quality (scores) and each dataset's latest quality run (failed checks); the
worst procedures are counted in the warehouse with the dossier suite's own SQL conditions. Charts
are inline SVG (no asset from the internet); Great Expectations' Data Docs (the suites, for
engineers) are built beside the report and linked from it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from sqlalchemy import Connection, Engine, and_, func, select

from hub.reports.quality_labels import quality_labels
from hub.warehouse.schema import (admin_commune, admin_province, dossier, metric_data_quality, quality_partition_result,
                                  quality_result, quality_run)
from quality.run import row_checks
from quality.scores import DIMENSIONS, failing_by, mask
from quality.suites.catalog import BY_DATASET, SUITES
from quality.suites.dossiers import DOSSIER_SUITE

WORST = 10
EXAMPLES = 3
# (lowest score, css class): 100 % is the standard (seeds 003); each step below it is a colour further.
GRADES = ((100.0, "g100"), (99.0, "g99"), (95.0, "g95"), (90.0, "g90"), (0.0, "g0"))
DIMENSION_COLOURS = {"dung": "#1f6feb", "du": "#8250df", "sach": "#1a7f37", "song": "#d4a72c"}


def grade(score: float | None) -> str:
    if score is None:
        return "none"
    return next(css for lowest, css in GRADES if score >= lowest)


def _score(checked: int, failing: int) -> float | None:
    return None if not checked else 100.0 * (checked - failing) / checked


@dataclass
class ScoreRow:
    source: str
    province_code: str
    province_name: str
    scores: dict[str, float | None]
    rows: int


def scorecard(conn: Connection, language: str) -> list[ScoreRow]:
    """Per source and province, each dimension's score over every day and dataset."""
    m = metric_data_quality
    name = admin_province.c.name if language == "vi" else admin_province.c.name_en
    query = (select(m.c.source, m.c.province_code, name, m.c.dimension, func.sum(m.c.rows_checked),
                    func.sum(m.c.rows_failing))
             .join_from(m, admin_province, admin_province.c.code == m.c.province_code, isouter=True)
             .group_by(m.c.source, m.c.province_code, name, m.c.dimension)
             .order_by(m.c.source, m.c.province_code))
    rows: dict[tuple[str, str], ScoreRow] = {}
    for source, province, province_name, dimension, checked, failing in conn.execute(query):
        row = rows.setdefault((source, province), ScoreRow(source, province, province_name or "", {}, 0))
        row.scores[dimension] = _score(int(checked), int(failing))
        row.rows = max(row.rows, int(checked))
    return list(rows.values())


def trend(conn: Connection) -> dict[str, list[tuple[date, float]]]:
    """Each dimension's national score per day of the data (rejections are dated by the day they were
    refused, not by the data's day, so they are in the scorecard but not in this trend)."""
    m = metric_data_quality
    series: dict[str, list[tuple[date, float]]] = {}
    for day, dimension, checked, failing in conn.execute(
            select(m.c.day, m.c.dimension, func.sum(m.c.rows_checked), func.sum(m.c.rows_failing))
            .where(m.c.origin == "check").group_by(m.c.day, m.c.dimension).order_by(m.c.day)):
        score = _score(int(checked), int(failing))
        if score is not None:
            series.setdefault(dimension, []).append((day, score))
    return {d: series[d] for d in DIMENSIONS if d in series}


def trend_svg(series: dict[str, list[tuple[date, float]]], labels: dict[str, str], width: int = 720,
              height: int = 240) -> str:
    """A line per dimension: score (%) over days, as inline SVG markup (numbers and fixed names only)."""
    days = sorted({day for points in series.values() for day, _ in points})
    if not days:
        return ""
    low = min(score for points in series.values() for _, score in points)
    floor = max(0.0, min(90.0, (int(low) // 5) * 5.0))
    left, right, top, bottom = 48, 120, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(day: date) -> float:
        return left + (plot_w * days.index(day) / (len(days) - 1) if len(days) > 1 else plot_w / 2)

    def y(score: float) -> float:
        return top + plot_h * (100.0 - score) / (100.0 - floor)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="trend" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img">']
    for tick in (floor, (floor + 100) / 2, 100.0):
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#d0d7de"/>'
                     f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11">{tick:g}%</text>')
    for day in (days[0], days[-1]) if len(days) > 1 else (days[0],):
        parts.append(f'<text x="{x(day):.1f}" y="{height - 8}" text-anchor="middle" font-size="11">{day:%d/%m}</text>')
    for i, (dimension, points) in enumerate(series.items()):
        colour = DIMENSION_COLOURS.get(dimension, "#57606a")
        coords = " ".join(f"{x(d):.1f},{y(s):.1f}" for d, s in points)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{coords}"/>')
        parts += [f'<circle cx="{x(d):.1f}" cy="{y(s):.1f}" r="2.5" fill="{colour}"/>' for d, s in points]
        parts.append(f'<rect x="{width - right + 12}" y="{top + 18 * i}" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{width - right + 30}" y="{top + 18 * i + 10}" font-size="12">{escape(labels[dimension])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def worst_communes(conn: Connection, language: str) -> list[dict]:
    m = metric_data_quality
    checked, failing = func.sum(m.c.rows_checked), func.sum(m.c.rows_failing)
    province = admin_province.c.name if language == "vi" else admin_province.c.name_en
    query = (select(m.c.commune_code, admin_commune.c.name, province, checked, failing)
             .join_from(m, admin_commune, admin_commune.c.code == m.c.commune_code, isouter=True)
             .join(admin_province, admin_province.c.code == m.c.province_code, isouter=True)
             .where(m.c.commune_code != "", m.c.origin == "check")
             .group_by(m.c.commune_code, admin_commune.c.name, province)
             .having(failing > 0).order_by((failing * 1.0 / checked).desc(), m.c.commune_code).limit(WORST))
    return [{"code": code, "name": name or code, "province": province_name or "", "checked": int(c),
             "failing": int(f), "score": _score(int(c), int(f))} for code, name, province_name, c, f in conn.execute(query)]


def worst_procedures(conn: Connection, now: datetime) -> list[dict]:
    """Procedures whose dossiers fail any of the dossier suite's row checks most often."""
    groups = failing_by(conn, dossier, "procedure_code", row_checks(DOSSIER_SUITE, dossier, now), WORST)
    return [{"code": mask(g.group), "checked": g.rows_checked, "failing": g.rows_failing,
             "score": _score(g.rows_checked, g.rows_failing)} for g in groups]


def failed_checks(conn: Connection, language: str, now: datetime) -> tuple[list[dict], list[dict]]:
    """Each dataset's latest run: its failed expectations explained, and the datasets not checked (why)."""
    latest = (select(quality_run.c.dataset, func.max(quality_run.c.run_at).label("run_at"))
              .group_by(quality_run.c.dataset).subquery())
    runs = conn.execute(select(quality_run).join(latest, and_(latest.c.dataset == quality_run.c.dataset,
                                                              latest.c.run_at == quality_run.c.run_at))
                        .order_by(quality_run.c.dataset)).mappings().all()
    failed, not_checked = [], []
    for run in runs:
        if run["not_checked"]:
            why, _, detail = run["not_checked"].partition(": ")
            labels = quality_labels(language)
            not_checked.append({"dataset": run["dataset"],
                                "why": labels.get(f"why_{why.replace(' ', '_')}", why) + (f": {detail}" if detail else "")})
            continue
        suite = BY_DATASET.get(run["dataset"])
        metas = [e.meta or {} for e in suite.expectations(now)] if suite else []
        for r in conn.execute(select(quality_result).where(quality_result.c.run_id == run["run_id"],
                                                           ~quality_result.c.success)
                              .order_by(quality_result.c.expectation_no)).mappings():
            meta = metas[r["expectation_no"]] if r["expectation_no"] < len(metas) else {}
            examples = conn.execute(
                select(quality_partition_result.c.example_key)
                .where(quality_partition_result.c.dataset == run["dataset"],
                       quality_partition_result.c.expectation_no == r["expectation_no"],
                       quality_partition_result.c.example_key.is_not(None))
                .order_by(quality_partition_result.c.partition_date.desc()).limit(EXAMPLES)).scalars().all()
            failed.append({
                "dataset": run["dataset"], "dimension": r["dimension"], "critical": r["critical"],
                "description": r["description_vi"] if language == "vi" else r["description_en"],
                "unexpected_count": r["unexpected_count"], "element_count": r["element_count"],
                "unexpected_percent": r["unexpected_percent"], "observed_value": r["observed_value"],
                "examples": [mask(e) for e in examples],
                "action": meta.get("action_vi" if language == "vi" else "action_en") or "",
            })
    return failed, not_checked


def rejected(conn: Connection) -> list[dict]:
    m = metric_data_quality
    return [dict(r) for r in conn.execute(
        select(m.c.dataset, m.c.source, m.c.dimension, func.sum(m.c.rows_checked).label("rows"),
               func.sum(m.c.rows_failing).label("failing"), func.min(m.c.example_check).label("example"))
        .where(m.c.origin == "quarantine", m.c.rows_failing > 0)
        .group_by(m.c.dataset, m.c.source, m.c.dimension).order_by(m.c.dataset, m.c.dimension)).mappings()]


def build_data_docs(directory: Path, now: datetime) -> Path:
    """Great Expectations' Data Docs of every suite (for engineers), as static HTML under ``directory``."""
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    context.add_data_docs_site(site_name="lienthong", site_config={
        "class_name": "SiteBuilder", "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(directory)}})
    for suite in SUITES:
        gx_suite = context.suites.add(gx.ExpectationSuite(name=suite.name))
        for expectation in suite.expectations(now):
            gx_suite.add_expectation(expectation)
    context.build_data_docs(site_names=["lienthong"])
    return directory / "index.html"


def _environment(language: str) -> Environment:
    env = Environment(loader=PackageLoader("hub.reports", "templates"), autoescape=select_autoescape(["html", "j2"]))
    sep = "." if language == "vi" else ","
    env.filters["num"] = lambda v: "–" if v is None else f"{int(v):,}".replace(",", sep)
    env.filters["pct"] = lambda v: "–" if v is None else (f"{v:.2f}".replace(".", ",") if language == "vi"
                                                           else f"{v:.2f}")
    env.filters["grade"] = grade
    return env


def write_quality_report(engine: Engine, directory: Path, language: str = "vi", now: datetime | None = None,
                         data_docs: bool = True) -> Path:
    """The HTML report under ``directory`` (and the Data Docs under ``directory``/data-docs); its path."""
    now = now or datetime.now(timezone.utc)
    t = quality_labels(language)
    with engine.connect() as conn:
        failed, not_checked = failed_checks(conn, language, now)
        data = {"scorecard": scorecard(conn, language), "communes": worst_communes(conn, language),
                "procedures": worst_procedures(conn, now), "failed": failed, "not_checked": not_checked,
                "rejected": rejected(conn), "chart": trend_svg(trend(conn), t)}
    directory.mkdir(parents=True, exist_ok=True)
    docs = build_data_docs(directory / "data-docs", now) if data_docs else None
    html = _environment(language).get_template("quality.html.j2").render(
        t=t, lang=language, dimensions=DIMENSIONS, generated_at=now.strftime("%Y-%m-%d %H:%M UTC"),
        data_docs=docs.relative_to(directory).as_posix() if docs else None, **data)
    path = directory / f"lienthong-quality-{language}.html"
    path.write_text(html, encoding="utf-8")
    return path
