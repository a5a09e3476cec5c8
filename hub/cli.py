"""``lienthong``: the hub's command line. Every command calls the stage functions in hub.pipeline."""
from __future__ import annotations

import json
import os
from contextlib import contextmanager
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

import typer
from typer.core import TyperGroup
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select

from hub import pipeline
from hub.cli_errors import (ExitCode, QualityGateFailed, debug_requested, parse_period, report_failure,
                            sync_failure)
from hub.logging_setup import configure_logging
from hub.reports.i18n import labels
from hub.settings import Settings
from hub.sources import get_source


class _ErrorReportingGroup(TyperGroup):
    """Turns an error raised by any command into one line and its class's exit code
    (hub/cli_errors.py); usage errors of Typer itself and explicit exits pass through."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (typer.TyperException, typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            raise typer.Exit(report_failure(exc, debug_requested(ctx.params.get("debug", False)))) from None


app = typer.Typer(no_args_is_help=True, cls=_ErrorReportingGroup)  # help: the docstring of main()
sandbox_app = typer.Typer(help="Simulated national systems on 127.0.0.1.", no_args_is_help=True)
db_app = typer.Typer(help="The warehouse database.", no_args_is_help=True)
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(db_app, name="db")
console = Console()


@app.callback()
def main(debug: bool = typer.Option(False, "--debug", help="On an error, also print the traceback (or set "
                                                            "LIENTHONG_DEBUG=1). It is always in var/logs/lienthong.log.")):
    """LienThong: national e-government data-interoperability hub.

    Exit codes: 0 done, 1 unexpected error, 2 usage, 3 configuration, 4 warehouse,
    5 source unreachable, 6 quality gate failed.
    """


def _settings() -> Settings:
    settings = Settings.load()
    configure_logging(settings.var_dir)
    return settings


# --- sandbox -------------------------------------------------------------------------------
@sandbox_app.command("up")
def sandbox_up(scenario: str = typer.Option("demo", help="Scenario name (sandbox/scenarios) or YAML path."),
               airflow_env: bool = typer.Option(False, "--airflow-env", help="Print only `export AIRFLOW_CONN_…` "
                                                "lines: the sandbox as the Airflow connections the DAGs use.")):
    """Start the simulators in the background; connectors find them through var/sandbox/endpoints.json."""
    settings = _settings()
    state = settings.sandbox_dir
    state.mkdir(parents=True, exist_ok=True)
    pid_file = state / "sandbox.pid"
    if pid_file.exists() and _alive(int(pid_file.read_text())):
        if airflow_env:
            _print_airflow_env(json.loads((state / "endpoints.json").read_text()))
        else:
            console.print(f"Sandbox already running (pid {pid_file.read_text().strip()}).")
        raise typer.Exit(0)
    (state / "ready").unlink(missing_ok=True)
    log = open(state / "sandbox.log", "ab")
    process = subprocess.Popen([sys.executable, "-m", "sandbox", "--scenario", scenario, "--state-dir", str(state)],
                               stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
    pid_file.write_text(str(process.pid))
    deadline = time.monotonic() + 60
    while not (state / "ready").exists():
        if process.poll() is not None or time.monotonic() > deadline:
            console.print(f"[red]Sandbox failed to start; see {state / 'sandbox.log'}[/red]")
            raise typer.Exit(1)
        time.sleep(0.1)
    endpoints = json.loads((state / "endpoints.json").read_text())
    if airflow_env:
        _print_airflow_env(endpoints)
        return
    for system, entry in endpoints.items():
        console.print(f"{system}: {entry['url']}")
    console.print(f"Endpoints written to {state / 'endpoints.json'}")


def _print_airflow_env(endpoints: dict) -> None:
    import shlex

    from hub.airflow_stack import airflow_connections

    for name, value in airflow_connections(endpoints).items():
        print(f"export {name}={shlex.quote(value)}")


@sandbox_app.command("down")
def sandbox_down():
    """Stop the background simulators."""
    settings = _settings()
    pid_file = settings.sandbox_dir / "sandbox.pid"
    if not pid_file.exists():
        console.print("Sandbox is not running.")
        return
    pid = int(pid_file.read_text())
    if _alive(pid):
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            if not _alive(pid):
                break
            time.sleep(0.05)
    pid_file.unlink(missing_ok=True)
    (settings.sandbox_dir / "endpoints.json").unlink(missing_ok=True)
    console.print("Sandbox stopped.")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:  # a zombie (our own exited child) is not alive
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True


# --- stages -----------------------------------------------------------------------------------
@db_app.command("upgrade")
def db_upgrade():
    """Create or upgrade the warehouse schema (Alembic) and load the reference data.

    Safe to run from several processes at once: migrations take a lock on the database."""
    settings = _settings()
    pipeline.upgrade_warehouse(settings)
    console.print(f"Warehouse up to date: {_display_url(settings.db_url)}")


@db_app.command("grant-dashboard")
def db_grant_dashboard(role: str = typer.Argument("lienthong_dashboard", help="Role to create or update."),
                       print_only: bool = typer.Option(False, "--print", help="Show the SQL instead of running it.")):
    """PostgreSQL: give a read-only dashboard role SELECT on the metric_* tables only."""
    from hub.warehouse.roles import dashboard_grants, grant_dashboard_role

    settings = _settings()
    engine = pipeline.ready_warehouse(settings)
    statements = dashboard_grants(engine, role) if print_only else grant_dashboard_role(engine, role)
    for statement in statements:
        console.print(statement + ";", highlight=False)


@app.command()
def sync(source: str = typer.Argument(..., help="Source name, e.g. dvc_portal."),
         partition: Optional[list[str]] = typer.Option(None, help="Only these partitions (repeatable)."),
         workers: int = typer.Option(1, min=1, help="Worker processes sharing the partitions (PostgreSQL: "
                                                    "2 on a 2-core machine).")):
    """Extract a source into the warehouse (raw landing, canonical tables, quarantine)."""
    settings = _settings()
    get_source(source)  # an unknown name fails before anything else happens
    report = _sync_with_progress(source, settings, partition, workers=workers)
    _print_sync(report)
    if report.failed_partitions:
        raise sync_failure([report])


@app.command()
def check(gate: bool = typer.Option(False, "--gate", help=f"Exit {int(ExitCode.QUALITY_GATE)} when an "
                                                           "expectation fails (for schedulers and CI).")):
    """Run the "đúng, đủ, sạch, sống" expectation suites and store their results."""
    settings = _settings()
    outcome = pipeline.check(settings)
    _print_quality(outcome, settings.report_language)
    if gate and not outcome.success:
        failed = [r.expectation_type + (f" ({r.column_name})" if r.column_name else "")
                  for r in outcome.results if not r.success]
        raise QualityGateFailed(f"quality gate: {len(failed)} of {len(outcome.results)} expectations failed "
                                f"({', '.join(failed)}); the results are in quality_result, run {outcome.run_id}")


@app.command()
def publish(period_from: Optional[str] = typer.Option(None, "--from", help="First day (YYYY-MM-DD), local time."),
            period_to: Optional[str] = typer.Option(None, "--to", help="Last day (YYYY-MM-DD), local time.")):
    """Compute and publish the metrics tables."""
    period = parse_period(period_from, period_to)
    settings = _settings()
    rates = pipeline.publish(settings, *period)
    _print_rates(rates, settings.report_language)


@app.command()
def run(source: Optional[list[str]] = typer.Option(None, help="Sources to sync (default: all configured)."),
        period_from: Optional[str] = typer.Option(None, "--from"),
        period_to: Optional[str] = typer.Option(None, "--to"),
        workers: int = typer.Option(1, min=1, help="Worker processes per source sync (see `sync --help`).")):
    """All stages: bring the warehouse to the current schema, sync, check, publish, report."""
    period = parse_period(period_from, period_to)
    for name in source or []:
        get_source(name)
    settings = _settings()
    pipeline.ready_warehouse(settings)
    reports = _sync_all(settings, source, workers)
    _print_quality(pipeline.check(settings), settings.report_language)
    _print_rates(pipeline.publish(settings, *period), settings.report_language)
    _write_report(settings)
    if any(report.failed_partitions for report in reports):
        raise sync_failure(reports)


@app.command()
def demo(scenario: str = typer.Option("demo", help="Sandbox scenario to run against.")):
    """Start the sandbox, run every stage on the embedded SQLite warehouse, print and report the results."""
    from sandbox.stack import SandboxStack

    settings = _settings()
    console.rule("LienThong demo")
    with SandboxStack(scenario) as stack, _systems_from(stack):
        console.print(f"Sandbox scenario [bold]{stack.scenario.name}[/bold]: "
                      + ", ".join(f"{name} {entry['url']}" for name, entry in stack.endpoints.items()))
        pipeline.ready_warehouse(settings)
        _sync_all(settings, None)
        _print_quality(pipeline.check(settings), settings.report_language)
        rates = pipeline.publish(settings, stack.scenario.period_start, stack.scenario.period_end)
    _print_readiness(settings)
    _print_reduction(settings)
    _print_rates(rates, settings.report_language)
    path = _write_report(settings)
    console.print(f"\nWarehouse: {_display_url(settings.db_url)} (tables metric_*; docs/metrics.md)")
    console.print(f"Report:    {path}")
    console.print(f"Logs:      {settings.var_dir / 'logs' / 'lienthong.log'}")


def _sync_all(settings: Settings, names: list[str] | None, workers: int = 1) -> list:
    """Sync the named sources, or every configured one; their sync reports."""
    from connectors.config import SystemNotConfigured
    from hub.sources import all_sources

    reports = []
    for name in names or list(all_sources()):
        try:
            report = _sync_with_progress(name, settings, None, workers=workers)
        except SystemNotConfigured as exc:
            if names:  # asked for by name: not being able to reach it is an error
                raise
            console.print(f"[yellow]{name}: skipped, not configured ({exc})[/yellow]")
            continue
        _print_sync(report)
        reports.append(report)
    return reports


@contextmanager
def _systems_from(stack):
    """Point every system at the sandbox for the duration (the environment outranks any other
    configuration, so the demo never reaches a real system by accident)."""
    saved = dict(os.environ)
    for name, entry in stack.endpoints.items():
        prefix = f"LIENTHONG_{name.upper()}_"
        os.environ[prefix + "URL"] = entry["url"]
        for field in ("username", "password"):
            if entry.get(field):
                os.environ[prefix + field.upper()] = entry[field]
        os.environ[prefix + "OPTIONS"] = json.dumps(entry.get("options", {}))
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _print_readiness(settings: Settings) -> None:
    from hub.warehouse.schema import metric_readiness_nation as n

    t = labels(settings.report_language)
    with pipeline.ready_warehouse(settings).connect() as conn:
        rows = conn.execute(select(n).order_by(n.c.report_date)).mappings().all()
    if not rows:
        return
    table = Table(t["report_date"], t["provinces_green"], t["provinces_yellow"], t["provinces_red"],
                  t["communes_reporting"], t["communes_basic"], t["provinces_over_50"], title=t["readiness"])
    anchors = {"2025-07-07", "2025-07-15", "2025-08-10", "2025-08-24"}
    for r in rows:
        if str(r["report_date"]) in anchors or r is rows[-1]:
            table.add_row(str(r["report_date"]), str(r["provinces_green"]), str(r["provinces_yellow"]),
                          str(r["provinces_red"]), f"{r['communes_reporting']:,}",
                          f"{r['communes_basic']:,} ({r['basic_pct'] or 0:.1f} %)", str(r["provinces_over_50pct_green"]))
    console.print(table)


def _print_reduction(settings: Settings) -> None:
    from hub.warehouse.schema import metric_dossier_reduction as m

    t = labels(settings.report_language)
    with pipeline.ready_warehouse(settings).connect() as conn:
        nation = conn.execute(select(m).where(m.c.unit_level == "nation")
                              .order_by(m.c.computed_at.desc()).limit(1)).mappings().first()
    if nation:
        console.print(f"{t['reduction']}: {t['reuse_rate']} {nation['reuse_rate_pct']} %, "
                      f"{t['avoidable']} {nation['attachments_avoidable']:,}/{nation['attachments']:,} "
                      f"({nation['avoidable_pct']} %), {t['avoidable_verified']} "
                      f"{nation['attachments_avoidable_verified']:,}")


@app.command()
def report(lang: Optional[str] = typer.Option(None, help="vi (default) or en.")):
    """Write the HTML report (online filing rates, quality, reconciliation) under var/reports/."""
    settings = _settings()
    console.print(f"Report written: {_write_report(settings, lang)}")


@app.command()
def health(probe: bool = typer.Option(False, "--probe", help="First send one cheap call to every configured system.")):
    """Connection health: calls per system and outcome, with latency."""
    from hub.warehouse.schema import health_call

    settings = _settings()
    if probe:
        for result in pipeline.probe_sources(settings):
            colour = "green" if result.ok else "red"
            console.print(f"probe {result.system}: [{colour}]{result.detail}[/{colour}]")
    engine = pipeline.ready_warehouse(settings)
    with engine.connect() as conn:
        rows = conn.execute(
            select(health_call.c.system, health_call.c.outcome, func.count(), func.avg(health_call.c.latency_ms),
                   func.max(health_call.c.observed_at))
            .group_by(health_call.c.system, health_call.c.outcome).order_by(health_call.c.system)).all()
    table = Table("system", "outcome", "calls", "avg latency (ms)", "last seen")
    for system, outcome, calls, latency, last in rows:
        table.add_row(system, outcome, str(calls), f"{latency:.1f}" if latency is not None else "–", str(last))
    console.print(table)


# --- helpers ----------------------------------------------------------------------------------
def _sync_with_progress(source: str, settings: Settings, partitions, system=None, workers: int = 1):
    with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), TextColumn("{task.completed:,} records"),
                  TimeElapsedColumn(), console=console, transient=False) as progress:
        task = progress.add_task(f"sync {source}", total=None)

        def advance(partition: str, fetched: int) -> None:
            progress.update(task, advance=fetched, description=f"sync {source} [{partition}]")

        report = pipeline.sync_source(source, settings, partitions, advance, system=system, workers=workers)
        progress.update(task, description=f"sync {source}")
    return report


def _print_sync(report) -> None:
    loads = report.load_id.split(",")
    console.print(f"{report.source}: fetched {report.fetched:,} = loaded {report.loaded:,} "
                  f"(unchanged {report.unchanged:,}) + quarantined {report.quarantined:,} in {report.batches} batches "
                  f"({'load ' + loads[0] if len(loads) == 1 else f'{len(loads)} loads'})")
    for partition, error in report.failed_partitions.items():
        console.print(f"[red]  partition {partition} failed: {error}[/red]")


def _print_quality(outcome, language: str) -> None:
    t = labels(language)
    if not outcome.results:
        console.print(f"{t['quality']}: {t['nothing_checked']}")
        return
    table = Table(t["dimension"], t["check"], t["result"], t["violations"],
                  title=f"{t['quality']}\n{t['rows_checked']}: {outcome.rows_checked:,} "
                        f"({t['days_rechecked']}: {len(outcome.rechecked)}/{outcome.partitions})")
    for r in outcome.results:
        table.add_row(t[r.dimension], r.description_vi if language == "vi" else r.description_en,
                      f"[green]{t['passed']}[/green]" if r.success else f"[red]{t['failed']}[/red]",
                      f"{r.unexpected_count:,}" if r.unexpected_count is not None else "–")
    console.print(table)


def _print_rates(rates, language: str) -> None:
    t = labels(language)
    table = Table(t["unit"], t["received"], t["online"], t["rate"],
                  title=f"{t['online_rate']} ({rates.period_start} – {rates.period_end})")
    for r in rates.provinces:
        if r["dossiers_received"]:
            table.add_row(r["unit_name"], f"{r['dossiers_received']:,}", f"{r['dossiers_online']:,}",
                          f"{r['online_rate_pct']:.2f}")
    nation = rates.nation
    if nation and nation["dossiers_received"]:
        table.add_row(f"[bold]{t['nation']}[/bold]", f"{nation['dossiers_received']:,}",
                      f"{nation['dossiers_online']:,}", f"[bold]{nation['online_rate_pct']:.2f}[/bold]")
    console.print(table)


def _write_report(settings: Settings, language: str | None = None) -> Path:
    from hub.reports.html import write_report

    return write_report(pipeline.ready_warehouse(settings), settings.reports_dir, language or settings.report_language)


def _display_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    app()
