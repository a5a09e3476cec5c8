"""National-scale benchmark of the hub, with the raw limit and dlt measured on the same pages.

    .venv/bin/python bench/national.py                       # national-2025-08-24, 4.3 M dossiers
    .venv/bin/python bench/national.py --scale 0.232         # the same at about 1 M dossiers
    .venv/bin/python bench/national.py --scale 1 --compare var/bench/national-0.232-….json

Against the sandbox (started here as its own process, ledger without keys) and fresh PostgreSQL
databases, every stage runs as a child process, measured alike (wall time, peak RSS from wait4):

1. baselines on the baseline partitions, over the window the hub's first sync reads: the raw
   fetch (requests + orjson), the same plus COPY + ``INSERT … ON CONFLICT`` merge, dlt's tuned
   merge (bench/baselines.py), and the hub syncing exactly those partitions into a fresh
   warehouse (``sync dvc_portal --partition …``): the like-for-like ratios;
2. the hub's full backfill into another fresh warehouse: ``db upgrade``, ``sync`` of dvc_portal
   (owners verified against population_db), dvc_portal_catalogue, dvc_portal_reporting and
   monitoring, ``check``, ``publish`` over the scenario's period; then pg_database_size;
3. a daily increment: the sandbox clock advanced one day, the four syncs, ``check`` and
   ``publish --from D --to D`` of one changed day D (the scenario's last receipt day): connection
   health, the readiness report dates whose reports changed, and the online filing daily facts and
   period rows and dossier reduction of D alone (hub/metrics/partitions.py: only changed days are
   recomputed).

The hub is driven only through its CLI (``python -m hub.cli``) with LIENTHONG_* environment
variables, as an operator would. Records per sync come from the warehouse's load_run table;
check and publish count the canonical dossiers they read. It prints a table and the targets of
issue #9 as PASS/FAIL lines, and writes everything as JSON (default var/bench/); logs of every
stage go to the directory beside the JSON. Everything it started is stopped and every database it
created is dropped (unless --keep-databases), also on Ctrl-C and errors. docs/performance.md
explains each row.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable, Iterator

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as a script: the repository (bench, sandbox) must be importable
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from bench import pg  # noqa: E402
from bench.measure import ChildRun, StageFailed, peak_rss_mib, run_child  # noqa: E402
from mappings.timeparse import LOCAL_ZONE  # noqa: E402
from sandbox.scenario import load_scenario  # noqa: E402

# Hải Phòng, Đà Nẵng, Sơn La, Điện Biên: a large, a middle and two small provinces, 403,811
# received dossiers at scale 1 (a tenth of the nation): dlt needs about a minute for them.
DEFAULT_BASELINE_PARTITIONS = ("H24", "H17", "H52", "H18")
BACKFILL_SOURCES = ("dvc_portal", "dvc_portal_catalogue", "dvc_portal_reporting", "monitoring")
FIRST_WINDOW_START = "20250101000000"  # the portal connector's initial watermark
PORTAL_DATE = "%Y%m%d%H%M%S"
ONE_DAY = timedelta(days=1)
MIB_PER_GIB = 1024
console = Console(width=None if sys.stdout.isatty() else 160)  # a log file gets the whole table


@dataclass
class Stage:
    group: str  # baseline | like-for-like | backfill | increment
    name: str
    records: int
    wall_s: float
    peak_rss_mib: float
    hub: bool
    detail: dict = field(default_factory=dict)

    @property
    def records_per_s(self) -> float:
        return self.records / self.wall_s if self.wall_s else 0.0


@dataclass(frozen=True)
class Target:
    name: str
    measured: float | None
    limit: str
    passed: bool | None  # None: not measured in this run


# --- the sandbox ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sandbox:
    pid: int
    endpoints: dict
    endpoints_file: Path

    @property
    def portal_url(self) -> str:
        return self.endpoints["dvc_portal"]["url"]

    def clock(self) -> datetime:
        reply = requests.get(f"{self.portal_url}/_sandbox/clock", timeout=30)
        return datetime.fromisoformat(reply.json()["as_of"])

    def advance_clock(self, by: timedelta) -> datetime:
        reply = requests.post(f"{self.portal_url}/_sandbox/clock",
                              json={"advance_seconds": int(by.total_seconds())}, timeout=30)
        return datetime.fromisoformat(reply.json()["as_of"])


@contextmanager
def running_sandbox(scenario: str, scale: float, state_dir: Path, log: Path) -> Iterator[Sandbox]:
    """``python -m sandbox`` as its own process (the baselines must not share its GIL), ledger
    without keys (flat memory at national scale); terminated and reaped on the way out."""
    state_dir.mkdir(parents=True, exist_ok=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "sandbox", "--scenario", scenario, "--scale", str(scale),
                                    "--state-dir", str(state_dir), "--no-ledger-keys"],
                                   cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while not (state_dir / "ready").exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the sandbox did not start; see {log}")
            time.sleep(0.2)
        endpoints_file = state_dir / "endpoints.json"
        yield Sandbox(process.pid, json.loads(endpoints_file.read_text()), endpoints_file)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- running stages -------------------------------------------------------------------------------
class Runner:
    """Runs the stages of one benchmark run and keeps their measurements."""

    def __init__(self, run_dir: Path):
        self.run_dir = run_dir
        self.stages: list[Stage] = []
        self.setup: dict[str, float] = {}  # wall seconds of steps that are not measured stages
        self.base_env = {k: v for k, v in os.environ.items() if not k.startswith("LIENTHONG_")}

    def child(self, slug: str, argv: list[str], env: dict[str, str] | None = None) -> ChildRun:
        return run_child([sys.executable, *argv], env={**self.base_env, **(env or {})}, cwd=ROOT,
                         log=self.run_dir / "logs" / f"{len(self.stages) + len(self.setup):02d}-{slug}.log")

    def record(self, group: str, name: str, run: ChildRun, records: int, hub: bool, **detail) -> Stage:
        stage = Stage(group, name, records, run.wall_s, run.peak_rss_mib, hub, detail)
        self.stages.append(stage)
        console.print(f"  {group:<13} {name:<44} {records:>10,} records {run.wall_s:>8.1f} s "
                      f"{stage.records_per_s:>9,.0f}/s {run.peak_rss_mib:>7.0f} MiB")
        return stage


@dataclass(frozen=True)
class Hub:
    """The hub's CLI against one warehouse: ``python -m hub.cli …`` with LIENTHONG_* variables."""
    runner: Runner
    db_url: str
    env: dict[str, str]

    def cli(self, slug: str, *args: str) -> ChildRun:
        return self.runner.child(slug, ["-m", "hub.cli", *args], self.env)

    def upgrade(self, slug: str) -> None:
        self.runner.setup[slug] = self.cli(slug, "db", "upgrade").wall_s

    def sync(self, group: str, source: str, partitions: tuple[str, ...] = (), workers: int = 1) -> Stage:
        options = [arg for p in partitions for arg in ("--partition", p)] + ["--workers", str(workers)]
        since = pg.server_now(self.db_url)
        run = self.cli(f"{group}-sync-{source}", "sync", source, *options)
        load = pg.loads_since(self.db_url, source, since)
        name = f"sync {source}" + (f" {' '.join(partitions)}" if partitions else "")
        return self.runner.record(group, name, run, load["fetched"], hub=True, **load)

    def check(self, group: str) -> Stage:
        run = self.cli(f"{group}-check", "check")
        return self.runner.record(group, "check", run, pg.canonical_dossiers(self.db_url), hub=True)

    def publish(self, group: str, first: date, last: date) -> Stage:
        run = self.cli(f"{group}-publish", "publish", "--from", first.isoformat(), "--to", last.isoformat())
        days = (last - first).days + 1
        what = "changed days recomputed" if group == "increment" else "every day computed"
        return self.runner.record(group, f"publish {first}…{last} ({days} d): {what}", run,
                                  pg.canonical_dossiers(self.db_url, first, last), hub=True)


def hub_env(endpoints: dict, db_url: str, var_dir: Path, pii_key: str, portal_options: dict) -> dict[str, str]:
    """Every system from the sandbox's endpoints as LIENTHONG_<SYSTEM>_* (the environment outranks any
    lienthong.toml, so the bench never reaches a configured real system), the portal's options
    extended with ``portal_options``."""
    env = {"LIENTHONG_DB_URL": db_url, "LIENTHONG_VAR_DIR": str(var_dir), "LIENTHONG_PII_KEY": pii_key}
    for system, entry in endpoints.items():
        prefix = f"LIENTHONG_{system.upper()}_"
        options = {**entry.get("options", {}), **(portal_options if system == "dvc_portal" else {})}
        env[prefix + "URL"] = entry["url"]
        env[prefix + "OPTIONS"] = json.dumps(options)
        for credential in ("username", "password"):
            if entry.get(credential):
                env[prefix + credential.upper()] = entry[credential]
    return env


# --- the three parts of a run ---------------------------------------------------------------------
def run_baselines(runner: Runner, databases: pg.Databases, sandbox: Sandbox, args, window_end: str) -> None:
    common = ["--endpoints", str(sandbox.endpoints_file), "--start", FIRST_WINDOW_START, "--end", window_end,
              "--page-size", str(args.page_size), *[a for p in args.baseline_partitions for a in ("--partition", p)]]
    plan: list[tuple[str, str, Callable[[], list[str]]]] = [
        ("fetch", "raw fetch (requests + orjson)", lambda: []),
        ("copy-merge", "raw fetch + COPY + merge", lambda: ["--db-url", databases.create("raw")]),
    ]
    if not args.skip_dlt:
        plan.append(("dlt-merge", "dlt merge (tuned, csv/COPY)",
                     lambda: ["--db-url", databases.create("dlt"), "--work-dir", str(runner.run_dir / "dlt")]))
    for baseline, name, extra in plan:
        result = runner.run_dir / f"{baseline}.json"
        run = runner.child(f"baseline-{baseline}", ["-m", "bench.baselines", baseline, *common, *extra(),
                                                    "--result", str(result)])
        runner.record("baseline", name, run, json.loads(result.read_text())["records"], hub=False)
    shutil.rmtree(runner.run_dir / "dlt", ignore_errors=True)  # dlt's load packages: a copy of the data


def run_backfill(hub: Hub, period: tuple[date, date], workers: int) -> None:
    hub.upgrade("backfill-db-upgrade")
    for source in BACKFILL_SOURCES:
        hub.sync("backfill", source, workers=workers)
    hub.check("backfill")
    hub.publish("backfill", *period)


def run_increment(hub: Hub, sandbox: Sandbox, changed_day: date, workers: int) -> dict:
    """One simulated day later (the sandbox clock advanced), the same stages again: each sync reads
    from its stored watermark (minus the connector's overlap), check re-checks the day partitions
    whose dossiers changed, and publish recomputes one day."""
    before = sandbox.clock()
    after = sandbox.advance_clock(ONE_DAY)
    for source in BACKFILL_SOURCES:
        hub.sync("increment", source, workers=workers)
    hub.check("increment")
    hub.publish("increment", changed_day, changed_day)
    return {"sandbox_clock_before": before.isoformat(), "sandbox_clock_after": after.isoformat()}


# --- results --------------------------------------------------------------------------------------
def group_seconds(stages: list[Stage], group: str) -> float:
    return sum(s.wall_s for s in stages if s.group == group)


def find(stages: list[Stage], group: str, prefix: str) -> Stage | None:
    return next((s for s in stages if s.group == group and s.name.startswith(prefix)), None)


def _at_most(name: str, value: float | None, limit: float, unit: str) -> Target:
    return Target(name, value, f"<= {limit:g} {unit}", None if value is None else value <= limit)


def _at_least(name: str, value: float | None, limit: float, unit: str) -> Target:
    return Target(name, value, f">= {limit:g} {unit}", None if value is None else value >= limit)


def targets(stages: list[Stage], warehouse_bytes: int, compared: dict | None) -> list[Target]:
    """Issue #9's targets, each computed from this run's stages."""
    hub_sync = find(stages, "like-for-like", "sync dvc_portal")
    dlt = find(stages, "baseline", "dlt")
    raw_merge = find(stages, "baseline", "raw fetch + COPY")
    publish_day = find(stages, "increment", "publish")
    check = find(stages, "backfill", "check")
    hub_peak = max(s.peak_rss_mib for s in stages if s.hub)
    flat = None
    if compared:
        other_peak = max(s["peak_rss_mib"] for s in compared["stages"] if s["hub"])
        flat = max(hub_peak, other_peak) / min(hub_peak, other_peak)
    return [
        _at_most("whole backfill incl. check and publish", group_seconds(stages, "backfill"), 360, "s"),
        _at_most("one-day increment end to end", group_seconds(stages, "increment"), 30, "s"),
        _at_most("publishing one changed day", publish_day.wall_s, 5, "s"),
        _at_least("hub sync / dlt tuned merge (same pages)",
                  hub_sync.records_per_s / dlt.records_per_s if dlt else None, 3, "x"),
        _at_least("hub sync / raw fetch + COPY + merge (same pages)",
                  hub_sync.records_per_s / raw_merge.records_per_s, 0.5, "x"),
        _at_most("check over all dossiers", check.wall_s, 90, "s"),
        _at_most("hub peak RSS", hub_peak / MIB_PER_GIB, 1, "GiB"),
        _at_most("hub peak RSS vs the --compare run (larger / smaller)", flat, 1.25, "x"),
        _at_most("warehouse size after the backfill (pg_database_size)", warehouse_bytes / 2**30, 4, "GiB"),
    ]


def print_table(stages: list[Stage], scale: float) -> None:
    dlt = find(stages, "baseline", "dlt")
    raw_merge = find(stages, "baseline", "raw fetch + COPY")
    table = Table("group", "stage", "records", "wall s", "records/s", "peak RSS MiB", "x dlt", "x raw merge",
                  title=f"LienThong national benchmark, scale {scale:g}")
    for s in stages:
        comparable = s.group in ("baseline", "like-for-like")
        ratio = lambda base: f"{s.records_per_s / base.records_per_s:.2f}" if comparable and base else ""  # noqa: E731
        table.add_row(s.group, s.name, f"{s.records:,}", f"{s.wall_s:.1f}", f"{s.records_per_s:,.0f}",
                      f"{s.peak_rss_mib:.0f}", ratio(dlt), ratio(raw_merge))
    for group in ("backfill", "increment"):
        table.add_row(group, "[bold]total[/bold]", "", f"[bold]{group_seconds(stages, group):.1f}[/bold]", "", "",
                      "", "")
    console.print(table)


def print_targets(results: list[Target], scale: float) -> None:
    for t in results:
        verdict = {True: "[green]PASS[/green]", False: "[red]FAIL[/red]", None: "[yellow]n/a [/yellow]"}[t.passed]
        measured = "not measured" if t.measured is None else f"{t.measured:,.2f}"
        console.print(f"{verdict}  {t.name}: {measured} (target {t.limit})")
    if scale != 1.0:
        console.print(f"[yellow]The time and size targets are set for the full volume (scale 1); "
                      f"this run is at scale {scale:g}.[/yellow]")


def git_commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    return git("rev-parse", "HEAD") + ("-dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


# --- the command ----------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="Rows and targets are explained in docs/performance.md.")
    parser.add_argument("--scenario", default="national-2025-08-24", help="sandbox scenario name or YAML path")
    parser.add_argument("--scale", type=float, default=1.0, help="volume factor (0.232: about 1 M dossiers)")
    parser.add_argument("--baseline-partitions", nargs="+", default=list(DEFAULT_BASELINE_PARTITIONS),
                        metavar="HXX", help="provinces (portal codes) read by the baselines and the like-for-like "
                                            "hub sync (default: %(default)s)")
    parser.add_argument("--page-size", type=int, default=1000, help="portal page size, hub and baselines alike")
    parser.add_argument("--hub-workers", type=int, default=2,
                        help="worker processes per hub sync (lienthong sync --workers; 2 on this 2-core machine)")
    parser.add_argument("--skip-dlt", action="store_true", help="no dlt baseline (when the bench extra is absent)")
    parser.add_argument("--pg-admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                        help="a role that may create databases; the bench creates and drops its own")
    parser.add_argument("--keep-databases", action="store_true", help="leave the run's databases for inspection")
    parser.add_argument("--compare", type=Path, help="JSON of a run at another scale: memory flat, cost linear")
    parser.add_argument("--out", type=Path, help="JSON result file, or a directory for it (default var/bench/national-<scale>-<timestamp>.json)")
    args = parser.parse_args(argv)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    default_name = f"national-{args.scale:g}-{stamp}.json"
    if args.out is not None and (args.out.is_dir() or args.out.suffix != ".json"):
        args.out = args.out / default_name  # a directory: the result goes in it, named as by default
    args.out = (args.out or ROOT / "var" / "bench" / default_name).resolve()
    return args


def stop_on_signals() -> None:
    """SIGTERM, and SIGINT even where a shell started the bench in the background with SIGINT
    ignored, unwind like Ctrl-C: the running stage and the sandbox are stopped, databases dropped."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    scenario = load_scenario(args.scenario, scale=args.scale)
    period = (scenario.period_start, scenario.period_end)
    run_dir = args.out.with_suffix("")
    runner = Runner(run_dir)
    databases = pg.Databases(args.pg_admin_url, "lienthong_bench")
    compared = json.loads(args.compare.read_text()) if args.compare else None
    result = {"scenario": scenario.name, "scale": args.scale, "dossiers_in_scenario": scenario.total_dossiers,
              "commit": git_commit(), "started_at": datetime.now().isoformat(timespec="seconds"),
              "cpus": os.cpu_count(), "page_size": args.page_size,
              "baseline_partitions": args.baseline_partitions}
    console.print(f"Benchmark run in {run_dir} (scenario {scenario.name}, scale {args.scale:g}, "
                  f"{scenario.total_dossiers:,} dossiers received in the period)")
    try:
        with running_sandbox(args.scenario, args.scale, run_dir / "sandbox", run_dir / "logs" / "sandbox.log") as sandbox:
            # The hub's connector ends its window at the host's clock; the baselines do the same, so
            # all of them read exactly the dossiers the sandbox serves (those updated by its clock).
            window_end = datetime.now(LOCAL_ZONE).strftime(PORTAL_DATE)
            run_baselines(runner, databases, sandbox, args, window_end)
            pii_key = secrets.token_hex(32)
            portal_options = {"page_size": args.page_size}

            def hub(role: str) -> Hub:
                db_url = databases.create(role)
                env = hub_env(sandbox.endpoints, db_url, run_dir / f"var-{role}", pii_key, portal_options)
                return Hub(runner, db_url, env)

            like_for_like = hub("hub_partitions")
            like_for_like.upgrade("like-for-like-db-upgrade")
            same = like_for_like.sync("like-for-like", "dvc_portal", tuple(args.baseline_partitions),
                                      workers=args.hub_workers)
            result["same_pages"] = all(s.records == same.records for s in runner.stages if s.group == "baseline")
            national = hub("hub")
            run_backfill(national, period, args.hub_workers)
            result["warehouse_bytes_after_backfill"] = pg.database_bytes(national.db_url)
            result["increment"] = run_increment(national, sandbox, period[1], args.hub_workers)
            result["sandbox_peak_rss_mib"] = peak_rss_mib(sandbox.pid)
    except KeyboardInterrupt:
        console.print("[red]Interrupted: the sandbox and every stage were stopped.[/red]")
        return 130
    except StageFailed as exc:
        console.print(f"[red]A stage failed; the sandbox was stopped.[/red]\n{exc}", highlight=False)
        return 1
    finally:
        result["databases"] = list(databases.created)
        result["databases_kept"] = args.keep_databases
        if not args.keep_databases:
            databases.drop_all()
        elif databases.created:
            console.print(f"Databases kept: {', '.join(databases.created)}")
    return report(runner, result, compared, args)


def report(runner: Runner, result: dict, compared: dict | None, args) -> int:
    stages = runner.stages
    results = targets(stages, result["warehouse_bytes_after_backfill"], compared)
    print_table(stages, args.scale)
    print_targets(results, args.scale)
    result.update(stages=[{**asdict(s), "records_per_s": s.records_per_s} for s in stages],
                  setup_seconds=runner.setup, targets=[asdict(t) for t in results],
                  backfill_seconds=group_seconds(stages, "backfill"),
                  increment_seconds=group_seconds(stages, "increment"))
    if compared:
        result["compared_with"] = {"file": str(args.compare), "scale": compared["scale"]}
        mine, theirs = find(stages, "backfill", "sync dvc_portal"), compared["stages"]
        other = next(s for s in theirs if s["group"] == "backfill" and s["name"].startswith("sync dvc_portal"))
        result["compared_with"]["backfill_sync_seconds_per_record_ratio"] = (
            (mine.wall_s / mine.records) / (other["wall_s"] / other["records"]))
        console.print(f"Cost per dossier of the backfill sync vs scale {compared['scale']:g}: "
                      f"{result['compared_with']['backfill_sync_seconds_per_record_ratio']:.2f}x (1.00 = linear)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str))
    console.print(f"Results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
