"""``lienthong``: the hub's command line. Every command calls the stage functions in hub.pipeline."""
from __future__ import annotations

import dataclasses
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
from typer._click.exceptions import UsageError  # Typer's own Click: the class its parser raises
from typer._click.globals import get_current_context
from typer.core import TyperGroup
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from hub import pipeline
from hub.cli_errors import (ExitCode, ExpectationsFailed, NothingConfigured, SandboxFailed, UsageProblem, debug_requested,
                            message_language, parse_period, parse_window, report_failure, scenario_argument,
                            sync_failure)
from hub.logging_setup import configure_logging
from hub.messages import LANGUAGES, connector_words, retry_notice, text
from hub.reports.i18n import labels
from hub.settings import Settings


class _ErrorReportingGroup(TyperGroup):
    """Turns an error raised by any command into one line and its class's exit code
    (hub/cli_errors.py), Click's own usage errors (a missing argument, an unknown command or
    option) too, in the language of the messages; explicit exits pass through."""

    def invoke(self, ctx):
        language = message_language(ctx.params.get("lang"))
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            path = exc.ctx.command_path if exc.ctx else ctx.command_path
            typer.echo(f"lienthong: {text('parser', language, message=exc.format_message(), path=path)}", err=True)
            raise typer.Exit(int(ExitCode.USAGE)) from None
        except (typer.TyperException, typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            raise typer.Exit(report_failure(exc, debug_requested(ctx.params.get("debug", False)), language)) from None


app = typer.Typer(no_args_is_help=True, cls=_ErrorReportingGroup)  # help: the docstring of main()
sandbox_app = typer.Typer(help="Simulated national systems on 127.0.0.1.", no_args_is_help=True)
db_app = typer.Typer(help="The warehouse database.", no_args_is_help=True)
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(db_app, name="db")
console = Console()
DASHBOARD_HOST, DASHBOARD_PORT = "127.0.0.1", 8050


@app.callback(epilog="Example: lienthong --lang en sync dvc_portal")
def main(debug: bool = typer.Option(False, "--debug", help="On an error, also print the traceback (or set "
                                                            "LIENTHONG_DEBUG=1). It is always in var/logs/lienthong.log."),
         lang: Optional[str] = typer.Option(None, "--lang", help="Language of messages, retry notices and tables: "
                                                                 "vi or en (default LIENTHONG_REPORT_LANGUAGE, else vi).")):
    """LienThong: national e-government data-interoperability hub.

    Exit codes: 0 done, 1 unexpected error, 2 usage, 3 configuration, 4 warehouse,
    5 source unreachable, 6 quality gate failed.
    """
    if lang is not None and lang not in LANGUAGES:
        raise UsageProblem("language", option="--lang", value=lang)


def _language() -> str:
    """The language of what the user reads: ``lienthong --lang``, else the setting, else Vietnamese."""
    return message_language(get_current_context().find_root().params.get("lang"))


def _settings() -> Settings:
    settings = Settings.load()
    configure_logging(settings.var_dir)
    chosen = get_current_context().find_root().params.get("lang")
    return dataclasses.replace(settings, report_language=chosen) if chosen else settings


# --- sandbox -------------------------------------------------------------------------------
@sandbox_app.command("up", epilog="Example: lienthong sandbox up --scenario national-2025-08-10")
def sandbox_up(scenario: str = typer.Option("demo", help="Scenario name (sandbox/scenarios) or YAML path."),
               airflow_env: bool = typer.Option(False, "--airflow-env", help="Print only `export AIRFLOW_CONN_…` "
                                                "lines: the sandbox as the Airflow connections the DAGs use.")):
    """Start the simulators in the background; connectors find them through var/sandbox/endpoints.json."""
    scenario_argument(scenario)
    settings = _settings()
    state = settings.sandbox_dir
    state.mkdir(parents=True, exist_ok=True)
    pid_file, scenario_file = state / "sandbox.pid", state / "scenario"
    if pid_file.exists() and _alive(int(pid_file.read_text())):
        pid, running = pid_file.read_text().strip(), scenario_file.read_text().strip() if scenario_file.exists() else "?"
        if running != scenario:
            raise UsageProblem("sandbox_other_scenario", running=running, pid=pid, scenario=scenario)
        if airflow_env:
            _print_airflow_env(json.loads((state / "endpoints.json").read_text()))
        else:
            console.print(f"Sandbox already running scenario {running!r} (pid {pid}).")
        raise typer.Exit(0)
    (state / "ready").unlink(missing_ok=True)
    log = open(state / "sandbox.log", "ab")
    process = subprocess.Popen([sys.executable, "-m", "sandbox", "--scenario", scenario, "--state-dir", str(state)],
                               stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
    pid_file.write_text(str(process.pid))
    scenario_file.write_text(scenario)
    deadline = time.monotonic() + 60
    while not (state / "ready").exists():
        if process.poll() is not None or time.monotonic() > deadline:
            _stop(process.pid)
            pid_file.unlink(missing_ok=True)
            raise SandboxFailed("sandbox_failed", scenario=scenario, log=state / "sandbox.log")
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


@sandbox_app.command("down", epilog="Example: lienthong sandbox down")
def sandbox_down():
    """Stop the background simulators."""
    settings = _settings()
    pid_file = settings.sandbox_dir / "sandbox.pid"
    if not pid_file.exists():
        console.print("Sandbox is not running.")
        return
    _stop(int(pid_file.read_text()))
    for name in ("sandbox.pid", "scenario", "endpoints.json"):
        (settings.sandbox_dir / name).unlink(missing_ok=True)
    console.print("Sandbox stopped.")


def _stop(pid: int) -> None:
    if _alive(pid):
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            if not _alive(pid):
                break
            time.sleep(0.05)


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
@db_app.command("upgrade", epilog="Example: LIENTHONG_DB_URL=postgresql://lienthong@db/warehouse lienthong db upgrade")
def db_upgrade():
    """Create or upgrade the warehouse schema (Alembic) and load the reference data.

    Safe to run from several processes at once: migrations take a lock on the database."""
    settings = _settings()
    pipeline.upgrade_warehouse(settings)
    console.print(f"Warehouse up to date: {_display_url(settings.db_url)}")


@db_app.command("grant-dashboard", epilog="Example: lienthong db grant-dashboard lienthong_dashboard --print")
def db_grant_dashboard(role: str = typer.Argument("lienthong_dashboard", help="Role to create or update."),
                       print_only: bool = typer.Option(False, "--print", help="Show the SQL instead of running it.")):
    """PostgreSQL: give a read-only dashboard role SELECT on the metric_* tables only."""
    for statement in pipeline.grant_dashboard(_settings(), role, apply=not print_only):
        console.print(statement + ";", highlight=False)


@app.command(epilog="Examples: lienthong sync dvc_portal --partition H52 --partition H01; "
                     "lienthong sync dvc_portal --updated-from 2025-08-17 --updated-to 2025-08-18")
def sync(source: str = typer.Argument(..., help="Source name, e.g. dvc_portal."),
         partition: Optional[list[str]] = typer.Option(None, help="Only these partitions (repeatable)."),
         workers: int = typer.Option(1, min=1, help="Worker processes sharing the partitions (PostgreSQL: "
                                                    "2 on a 2-core machine)."),
         updated_from: Optional[str] = typer.Option(None, help="Read the updates of a window instead of from the "
                                                               "checkpoint: its start (YYYY-MM-DD[THH:MM], local)."),
         updated_to: Optional[str] = typer.Option(None, help="The window's end (excluded), as --updated-from.")):
    """Extract a source into the warehouse (raw landing, canonical tables, quarantine)."""
    reports = _sync_all(_settings(), [source], partition, workers, parse_window(updated_from, updated_to))
    if reports[0].failed_partitions:
        raise sync_failure(reports)


@app.command(epilog="Example: lienthong check --gate")
def check(gate: bool = typer.Option(False, "--gate", help=f"Exit {int(ExitCode.QUALITY_GATE)} when an "
                                                           "expectation fails (for schedulers and CI).")):
    """Run the "đúng, đủ, sạch, sống" expectation suites and store their results."""
    settings = _settings()
    outcome = pipeline.check(settings)
    _print_quality(outcome, settings.report_language)
    if gate and not outcome.success:
        failed = [r.expectation_type + (f" ({r.column_name})" if r.column_name else "")
                  for r in outcome.results if not r.success]
        raise ExpectationsFailed("quality_gate", failed=len(failed), total=len(outcome.results),
                                 names=", ".join(failed), run_id=outcome.run_id)


@app.command(epilog="Example: lienthong publish --from 2025-07-01 --to 2025-08-19")
def publish(period_from: Optional[str] = typer.Option(None, "--from", help="First day (YYYY-MM-DD), local time."),
            period_to: Optional[str] = typer.Option(None, "--to", help="Last day (YYYY-MM-DD), local time.")):
    """Compute and publish the metrics tables."""
    period = parse_period(period_from, period_to)
    settings = _settings()
    rates = pipeline.publish(settings, *period)
    _print_rates(rates, settings.report_language)


@app.command(epilog="Example: lienthong run --source dvc_portal --from 2025-07-01 --to 2025-08-19")
def run(source: Optional[list[str]] = typer.Option(None, help="Sources to sync (default: all configured)."),
        period_from: Optional[str] = typer.Option(None, "--from", help="First day (YYYY-MM-DD) to publish."),
        period_to: Optional[str] = typer.Option(None, "--to", help="Last day (YYYY-MM-DD) to publish."),
        workers: int = typer.Option(1, min=1, help="Worker processes per source sync (see `sync --help`).")):
    """All stages: bring the warehouse to the current schema, sync, check, publish, report."""
    period = parse_period(period_from, period_to)
    settings = _settings()
    reports = _sync_all(settings, source, None, workers)
    if not reports:
        raise NothingConfigured("nothing_configured")
    _print_quality(pipeline.check(settings), settings.report_language)
    _print_rates(pipeline.publish(settings, *period), settings.report_language)
    pipeline.write_report(settings)
    if any(report.failed_partitions for report in reports):
        raise sync_failure(reports)


@app.command(epilog="Example: lienthong demo --scenario demo")
def demo(scenario: str = typer.Option("demo", help="Sandbox scenario to run against.")):
    """Start the sandbox, run every stage on the embedded SQLite warehouse, print and report the results."""
    from sandbox.stack import SandboxStack

    scenario_argument(scenario)
    settings = _settings()
    console.rule("LienThong demo")
    with SandboxStack(scenario) as stack, _systems_from(stack):
        console.print(f"Sandbox scenario [bold]{stack.scenario.name}[/bold]: "
                      + ", ".join(f"{name} {entry['url']}" for name, entry in stack.endpoints.items()))
        _sync_all(settings, None)
        _print_quality(pipeline.check(settings), settings.report_language)
        rates = pipeline.publish(settings, stack.scenario.period_start, stack.scenario.period_end)
    _print_readiness(settings)
    _print_reduction(settings)
    _print_rates(rates, settings.report_language)
    path = pipeline.write_report(settings)
    console.print(f"\nWarehouse: {_display_url(settings.db_url)} (tables metric_*; docs/metrics.md)")
    console.print(f"Report:    {path}")
    console.print(f"Logs:      {settings.var_dir / 'logs' / 'lienthong.log'}")
    host, port = _dashboard_address()
    console.print(f"\nDashboard: run [bold].venv/bin/lienthong serve[/bold] and open http://{host}:{port}/ "
                  f"(Ctrl+C stops it)")


def _sync_all(settings: Settings, names: list[str] | None, partitions: list[str] | None = None,
              workers: int = 1, window=None) -> list:
    """pipeline.sync_all with a progress line per source; the sync reports."""
    progress = _ProgressLines(_language())
    try:
        return pipeline.sync_all(settings, names, partitions, workers, progress, window)
    finally:
        progress.stop()


class _ProgressLines(pipeline.SyncObserver):
    """One spinner line per source: records so far, elapsed time, and each retry while it waits
    ("dvc_portal login: connection refused, retry 2/5 in 4 s", in ``language``); printed as lines when
    not on a terminal."""

    def __init__(self, language: str):
        self.language = language
        self.progress: Progress | None = None
        self.task = None

    def skipped(self, source: str, reason: str) -> None:
        console.print(f"[yellow]{text('source_skipped', self.language, source=source, reason=reason)}[/yellow]",
                      highlight=False)

    def starting(self, source: str) -> None:
        self.progress = Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"),
                                 TextColumn("{task.completed:,} records"), TimeElapsedColumn(), console=console)
        self.progress.start()
        self.task = self.progress.add_task(f"sync {source}", total=None)

    def fetched(self, source: str, partition: str, records: int) -> None:
        self.progress.update(self.task, advance=records, description=f"sync {source} [{partition}]")

    def retrying(self, source: str, notice) -> None:
        line = retry_notice(notice, self.language)
        self.progress.update(self.task, description=f"sync {source}: {line}")
        if not console.is_terminal:  # no live line to update: say it once
            console.print(f"  {line}", highlight=False)

    def finished(self, report) -> None:
        self.progress.update(self.task, description=f"sync {report.source}")
        self.stop()
        _print_sync(report, self.language)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


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
    t = labels(settings.report_language)
    rows = pipeline.readiness_by_day(settings)
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
    t = labels(settings.report_language)
    nation = pipeline.latest_reduction(settings)
    if nation:
        console.print(f"{t['reduction']}: {t['reuse_rate']} {nation['reuse_rate_pct']} %, "
                      f"{t['avoidable']} {nation['attachments_avoidable']:,}/{nation['attachments']:,} "
                      f"({nation['avoidable_pct']} %), {t['avoidable_verified']} "
                      f"{nation['attachments_avoidable_verified']:,}")


@app.command(epilog="Example: lienthong serve --port 8080")
def serve(host: Optional[str] = typer.Option(None, help="Interface to listen on (default 127.0.0.1, or "
                                                        "LIENTHONG_DASHBOARD_HOST). Anything else exposes the screen."),
          port: Optional[int] = typer.Option(None, min=1, max=65535, help="Port (default 8050, or "
                                                                          "LIENTHONG_DASHBOARD_PORT).")):
    """Serve the dashboard, the metrics API (/api/metrics, /openapi.json) and Prometheus metrics (/metrics), read-only."""
    import uvicorn

    from hub.dashboard.app import create_app, read_only_engine

    settings = _settings()
    default_host, default_port = _dashboard_address()
    host, port = host or default_host, port or default_port
    console.print(f"Dashboard: http://{host}:{port}/  (API http://{host}:{port}/api/metrics, "
                  f"Prometheus http://{host}:{port}/metrics); Ctrl+C stops it")
    uvicorn.run(create_app(read_only_engine(settings.db_url)), host=host, port=port, log_level="warning")


@app.command(epilog="Example: lienthong report --lang en")
def report(lang: Optional[str] = typer.Option(None, help="vi (default) or en.")):
    """Write the HTML report (online filing rates, quality, reconciliation) under var/reports/."""
    if lang not in (None, *LANGUAGES):
        raise UsageProblem("language", option="--lang", value=lang)
    console.print(f"Report written: {pipeline.write_report(_settings(), lang)}")


@app.command(epilog="Example: lienthong health --probe")
def health(probe: bool = typer.Option(False, "--probe", help="First send one cheap call to every configured system.")):
    """Connection health: calls per system and outcome, with latency."""
    settings = _settings()
    if probe:
        language = _language()
        for result in pipeline.probe_sources(settings, on_retry=lambda notice: console.print(
                f"probe {notice.system}: {retry_notice(notice, language)}", highlight=False)):
            colour = "green" if result.ok else "red"
            console.print(f"probe {result.system}: [{colour}]{connector_words(result.detail, language)}[/{colour}]")
    t = labels(_language())
    table = Table(t["system"], t["call_outcome"], t["calls"], t["latency"], t["last_seen"])
    for row in pipeline.health_summary(settings):
        latency = row["avg_latency_ms"]
        table.add_row(row["system"], row["outcome"], str(row["calls"]),
                      f"{latency:.1f}" if latency is not None else "–", str(row["last_seen"]))
    console.print(table)


@app.command(epilog="Example: lienthong doctor --json")
def doctor(as_json: bool = typer.Option(False, "--json", help="One JSON object per check, for machines."),
           airflow: bool = typer.Option(True, "--airflow/--no-airflow",
                                        help="Also look up Airflow's connections (when Airflow is installed).")):
    """Check this installation: settings, warehouse and its schema, PII key, every system (reachable,
    authenticated, latency), Airflow's connections. The first thing to run when something fails.

    Exits 0 only when every check is ok; else 3 (configuration), 4 (warehouse) or 5 (a system)."""
    from hub.doctor import diagnose, exit_class

    configure_logging(Path(os.environ.get("LIENTHONG_VAR_DIR", "var")).resolve())
    checks = diagnose(airflow=airflow)
    if as_json:
        typer.echo(json.dumps([{**dataclasses.asdict(c), "ok": c.ok} for c in checks], ensure_ascii=False, indent=1))
    else:
        t = labels(_language())
        table = Table(t["component"], t["check_name"], t["status"], t["detail"], t["config_origin"], t["hint"], "ms",
                      title="lienthong doctor")
        colours = {"ok": "green", "fail": "red", "skip": "yellow"}
        for c in checks:
            table.add_row(c.component, c.check, f"[{colours[c.status]}]{c.status}[/{colours[c.status]}]", c.detail,
                          c.origin, c.hint, f"{c.latency_ms:.0f}" if c.latency_ms is not None else "", )
        console.print(table)
    failed = exit_class(checks)
    if failed:
        raise typer.Exit(int(ExitCode[{"configuration": "CONFIGURATION", "warehouse": "WAREHOUSE",
                                       "system": "SOURCE_UNREACHABLE"}[failed]]))


# --- helpers ----------------------------------------------------------------------------------


def _print_sync(report, language: str) -> None:
    loads = report.load_id.split(",")
    console.print(f"{report.source}: fetched {report.fetched:,} = loaded {report.loaded:,} "
                  f"(unchanged {report.unchanged:,}) + quarantined {report.quarantined:,} in {report.batches} batches "
                  f"({'load ' + loads[0] if len(loads) == 1 else f'{len(loads)} loads'})")
    for partition, error in report.failed_partitions.items():
        console.print(f"[red]  {text('partition_failed', language, partition=partition, first=error)}[/red]",
                      highlight=False)


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


def _dashboard_address() -> tuple[str, int]:
    from hub.settings import lookup

    return lookup("dashboard_host", default=DASHBOARD_HOST), int(lookup("dashboard_port", default=DASHBOARD_PORT))


def _display_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    app()
