"""The seeds' figures end to end: the national scenarios through the whole hub, read back from the
metric tables alone.

    .venv/bin/python bench/seeds.py --pg-admin-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/seeds.py --scale 0.002 --monitoring asserted ...   # what CI runs (tests/test_seeds.py)

The sandbox (in this process) serves national-2025-08-10: the portal's clock at 10 Aug 2025, 16:00.
Against a fresh PostgreSQL warehouse the hub syncs dvc_portal (owners verified against population_db),
dvc_portal_catalogue, dvc_portal_reporting and monitoring, checks and publishes; then the portal's clock
moves to 24 Aug, 16:00 (national-2025-08-24, the same dossiers later) and the hub syncs dvc_portal and
monitoring again from their watermarks, checks and publishes 1 Jul – 19 Aug (incrementally: the days
whose dossiers changed). Each stage's time is logged. Every figure is then read from metric_* tables and
compared with the figure expected of the scenario:

- dossier figures follow the generator's rule for the scaled scenario: a province's volume counts
  received dossiers and ``floor(volume × online rate)`` of them are online (sandbox/rand.py);
- heat-map figures follow the monitoring simulator's own commune facts and province colours, which
  do not scale.

At scale 1 the expected figures are also checked against the seeds' published numbers (SEEDS), so a
full run shows the hub reproducing 4,305,533 / 3,259,311 = 75.70 %, Sơn La 33.37 %, 31/3/0 and so on.
``--monitoring asserted`` reads only the two report dates the figures need (10 and 24 Aug) instead of
every day from 1 Jul. Exit status 1 when a figure differs.
"""
from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as a script: the repository must be importable
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, func, select  # noqa: E402

from bench.national import BACKFILL_SOURCES, hub_env  # noqa: E402
from sandbox.monitoring_data import GREEN, RED, YELLOW, commune_status, meets_basic  # noqa: E402
from sandbox.rand import quota_count  # noqa: E402
from sandbox.scenario import Scenario, load_scenario  # noqa: E402

log = logging.getLogger(__name__)
PERIOD = (date(2025, 7, 1), date(2025, 8, 19))
AUG10, AUG24 = date(2025, 8, 10), date(2025, 8, 24)
SON_LA, CAO_BANG, HCMC, DIEN_BIEN = "14", "04", "79", "11"
INCREMENT_SOURCES = ("dvc_portal", "monitoring")  # what the later clock changes (the catalogue stays)

# The seeds' published figures (shared/domain/seeds_figures.md), for the full-volume scenarios.
SEEDS = {
    "received 1/7–19/8": 4_305_533, "online 1/7–19/8": 3_259_311, "online rate % 1/7–19/8": 75.70,
    "lowest online rate: province": SON_LA, "lowest online rate %": 33.37,
    "most dossiers: province": HCMC, "most dossiers": 645_566,
    "fewest dossiers: province": DIEN_BIEN, "fewest dossiers": 14_922,
    "provinces green/yellow/red 10/8": (31, 3, 0), "provinces green/yellow/red 24/8": (34, 0, 0),
    "Cao Bằng green communes / communes 10/8": (3, 56), "Cao Bằng green % 10/8": 5.36,
    "communes meeting the basic conditions / communes 24/8": (2_386, 3_321), "basic conditions % 24/8": 71.85,
    "provinces > 50 % / > 70 % communes green 24/8": (25, 21),
    "one-stop staffing % 24/8": 95.75,
    "provinces with every commune green 10/8": ("01", "14", "15", "20", "25", "33", "46", "79", "96"),
}


def percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


# --- what the scenario should give -----------------------------------------------------------------
def expected_dossier_figures(scenario: Scenario) -> dict:
    received = {p.code: p.dossiers for p in scenario.provinces}
    online = {p.code: quota_count(p.dossiers, p.online_rate) for p in scenario.provinces}
    rates = {code: percent(online[code], received[code]) for code in received}
    lowest = min(rates, key=lambda code: (rates[code], code))
    most, fewest = max(received, key=received.get), min(received, key=received.get)
    return {
        "received 1/7–19/8": sum(received.values()), "online 1/7–19/8": sum(online.values()),
        "online rate % 1/7–19/8": percent(sum(online.values()), sum(received.values())),
        "lowest online rate: province": lowest, "lowest online rate %": rates[lowest],
        "most dossiers: province": most, "most dossiers": received[most],
        "fewest dossiers: province": fewest, "fewest dossiers": received[fewest],
    }


def expected_heat_map_figures(data) -> dict:
    """From the monitoring simulator's facts (sandbox/monitoring_data.py), by the hub's definitions
    (docs/metrics.md): a commune counts on a day when its report was in by the cut-off."""
    def day_figures(day: date) -> dict:
        colours = Counter(data.province_status(code, day) for code in data.provinces)
        green, basic, staffed = Counter(), Counter(), Counter()
        for code, facts in data.facts.items():
            if facts.reports_from is None or facts.reports_from > day:
                continue
            state, province = data.commune_state(code, day), facts.commune.province_code
            green[province] += commune_status(state) == GREEN
            basic[province] += meets_basic(state)
            staffed[province] += state["du_can_bo_mot_cua"]
        shares = {code: percent(green[code], size) for code, size in data.sizes.items()}
        return {"colours": (colours[GREEN], colours[YELLOW], colours[RED]), "green": green, "shares": shares,
                "basic": sum(basic.values()), "staffed": sum(staffed.values()), "communes": sum(data.sizes.values())}

    aug10, aug24 = day_figures(AUG10), day_figures(AUG24)
    return {
        "provinces green/yellow/red 10/8": aug10["colours"], "provinces green/yellow/red 24/8": aug24["colours"],
        "Cao Bằng green communes / communes 10/8": (aug10["green"][CAO_BANG], data.sizes[CAO_BANG]),
        "Cao Bằng green % 10/8": aug10["shares"][CAO_BANG],
        "communes meeting the basic conditions / communes 24/8": (aug24["basic"], aug24["communes"]),
        "basic conditions % 24/8": percent(aug24["basic"], aug24["communes"]),
        "provinces > 50 % / > 70 % communes green 24/8": (sum(s > 50 for s in aug24["shares"].values()),
                                                          sum(s > 70 for s in aug24["shares"].values())),
        "one-stop staffing % 24/8": percent(aug24["staffed"], aug24["communes"]),
        "provinces with every commune green 10/8": tuple(sorted(c for c, s in aug10["shares"].items() if s == 100.0)),
    }


# --- what the hub published -------------------------------------------------------------------------
def published_dossier_figures(engine: Engine, first: date, last: date) -> dict:
    """Sums over the daily facts of the period (metric_online_filing_daily) and nothing else."""
    from hub.warehouse.schema import metric_online_filing_daily as daily

    m = daily.c
    sums = (select(m.unit_level, m.unit_code, func.sum(m.dossiers_received).label("received"),
                   func.sum(m.dossiers_online).label("online"))
            .where(m.breakdown == "all", m.unit_level.in_(("nation", "province")), m.day.between(first, last))
            .group_by(m.unit_level, m.unit_code))
    with engine.connect() as conn:
        rows = {(r.unit_level, r.unit_code): (int(r.received), int(r.online)) for r in conn.execute(sums)}
    received, online = rows[("nation", "VN")]
    provinces = {code: counts for (level, code), counts in rows.items() if level == "province" and counts[0]}
    rates = {code: percent(o, r) for code, (r, o) in provinces.items()}
    lowest = min(rates, key=lambda code: (rates[code], code))
    most = max(provinces, key=lambda code: provinces[code][0])
    fewest = min(provinces, key=lambda code: provinces[code][0])
    return {
        "received 1/7–19/8": received, "online 1/7–19/8": online, "online rate % 1/7–19/8": percent(online, received),
        "lowest online rate: province": lowest, "lowest online rate %": rates[lowest],
        "most dossiers: province": most, "most dossiers": provinces[most][0],
        "fewest dossiers: province": fewest, "fewest dossiers": provinces[fewest][0],
    }


def published_heat_map_figures(engine: Engine) -> dict:
    from hub.warehouse.schema import metric_readiness_criterion, metric_readiness_nation, metric_readiness_province

    n, p, k = metric_readiness_nation.c, metric_readiness_province.c, metric_readiness_criterion.c
    with engine.connect() as conn:
        nation = {r.report_date: r for r in conn.execute(select(metric_readiness_nation)
                                                         .where(n.report_date.in_((AUG10, AUG24))))}
        cao_bang = conn.execute(select(p.communes_green, p.communes, p.green_pct)
                                .where(p.report_date == AUG10, p.province_code == CAO_BANG)).one()
        all_green = conn.execute(select(p.province_code).where(p.report_date == AUG10, p.green_pct == 100.0)
                                 .order_by(p.province_code)).scalars().all()
        staffing = conn.execute(select(k.meeting_pct).where(k.report_date == AUG24, k.unit_level == "nation",
                                                            k.criterion == "one_stop_staff")).scalar_one()
    aug10, aug24 = nation[AUG10], nation[AUG24]
    return {
        "provinces green/yellow/red 10/8": (aug10.provinces_green, aug10.provinces_yellow, aug10.provinces_red),
        "provinces green/yellow/red 24/8": (aug24.provinces_green, aug24.provinces_yellow, aug24.provinces_red),
        "Cao Bằng green communes / communes 10/8": (cao_bang.communes_green, cao_bang.communes),
        "Cao Bằng green % 10/8": cao_bang.green_pct,
        "communes meeting the basic conditions / communes 24/8": (aug24.communes_basic, aug24.communes),
        "basic conditions % 24/8": aug24.basic_pct,
        "provinces > 50 % / > 70 % communes green 24/8": (aug24.provinces_over_50pct_green,
                                                          aug24.provinces_over_70pct_green),
        "one-stop staffing % 24/8": staffing,
        "provinces with every commune green 10/8": tuple(all_green),
    }


# --- the run -----------------------------------------------------------------------------------------
@dataclass
class Reproduction:
    scale: float
    expected: dict
    published: dict
    lowest_on_aug10: tuple[str, float]  # the lowest online rate 1/7–10/8, as published on 10 Aug

    @property
    def differences(self) -> dict:
        checks = {name: (self.expected[name], self.published.get(name)) for name in self.expected}
        if self.scale == 1:
            checks.update({f"{name} (seeds)": (SEEDS[name], self.expected[name]) for name in SEEDS})
        return {name: pair for name, pair in checks.items() if pair[0] != pair[1]}


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _through_the_hub(endpoints: dict, db_url: str, var_dir: Path, pii_key: str, monitoring: tuple[date, date],
                     publish: tuple[date, date], workers: int, sources: tuple[str, ...] = BACKFILL_SOURCES) -> None:
    from hub import pipeline
    from hub.settings import Settings

    endpoints = {**endpoints, "monitoring": {**endpoints["monitoring"], "options": {
        **endpoints["monitoring"]["options"], "period": {"start": str(monitoring[0]), "end": str(monitoring[1])}}}}
    with _environment(hub_env(endpoints, db_url, var_dir, pii_key, {})):
        settings = Settings.load()
        steps = [(f"sync {source}", lambda source=source: pipeline.sync_source(
                     source, settings, workers=workers if source == "dvc_portal" else 1).raise_if_failed())
                 for source in sources]
        steps += [("check", lambda: pipeline.check(settings)), ("publish", lambda: pipeline.publish(settings, *publish))]
        for name, step in steps:
            started = time.perf_counter()
            step()
            log.warning("%s: %.1f s", name, time.perf_counter() - started)


def reproduce(db_url: str, scale: float = 1.0, monitoring: str = "all", workers: int = 1) -> Reproduction:
    """Both scenarios through the hub into the (empty) warehouse at ``db_url``."""
    from hub.pipeline import warehouse
    from hub.settings import Settings
    from sandbox.stack import SandboxStack

    early, late = load_scenario("national-2025-08-10", scale), load_scenario("national-2025-08-24", scale)
    every_day = monitoring == "all"
    pii_key = secrets.token_hex(32)
    with SandboxStack(early) as stack, tempfile.TemporaryDirectory(prefix="lienthong-seeds-") as var_dir:
        run = dict(endpoints=stack.endpoints, db_url=db_url, var_dir=Path(var_dir), pii_key=pii_key, workers=workers)
        _through_the_hub(**run, monitoring=(PERIOD[0] if every_day else AUG10, AUG10), publish=(PERIOD[0], AUG10))
        engine = warehouse(Settings(var_dir=Path(var_dir), db_url=db_url, pii_key=pii_key.encode()))
        on_aug10 = published_dossier_figures(engine, PERIOD[0], AUG10)
        stack.portal_app.state.data.clock.set(late.as_of)
        _through_the_hub(**run, monitoring=(PERIOD[0] if every_day else AUG24, AUG24), publish=PERIOD,
                         sources=INCREMENT_SOURCES)
        published = {**published_dossier_figures(engine, *PERIOD), **published_heat_map_figures(engine)}
        expected = {**expected_dossier_figures(late),
                    **expected_heat_map_figures(stack.monitoring_app.state.reports.data)}
    return Reproduction(scale, expected, published, (on_aug10["lowest online rate: province"],
                                                     on_aug10["lowest online rate %"]))


def print_reproduction(result: Reproduction) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("figure", "expected", "published (metric tables)", "seeds",
                  title=f"The seeds' figures through the hub, scale {result.scale:g}")
    for name, expected in result.expected.items():
        published = result.published.get(name)
        mark = "" if published == expected else " ✗"
        table.add_row(name, str(expected), f"{published}{mark}", str(SEEDS.get(name, "")))
    console = Console()
    console.print(table)
    console.print(f"Lowest online rate 1/7–10/8 as published on 10 Aug: {result.lowest_on_aug10}")
    for name, (want, got) in result.differences.items():
        console.print(f"[red]DIFFERS[/red] {name}: expected {want}, got {got}")


def main(argv: list[str] | None = None) -> int:
    from bench import pg

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                        help="a server where a fresh database is created (and dropped afterwards)")
    parser.add_argument("--scale", type=float, default=1.0, help="volume factor of the scenarios (1 = national)")
    parser.add_argument("--monitoring", choices=("all", "asserted"), default="all",
                        help="monitoring report dates to sync: every day from 1 Jul, or only 10 and 24 Aug")
    parser.add_argument("--workers", type=int, default=1, help="worker processes of the dvc_portal sync")
    args = parser.parse_args(argv)
    databases = pg.Databases(args.pg_admin_url, "lienthong_seeds")
    try:
        result = reproduce(databases.create("hub"), args.scale, args.monitoring, args.workers)
    finally:
        databases.drop_all()
    print_reproduction(result)
    return 1 if result.differences else 0


if __name__ == "__main__":
    sys.exit(main())
