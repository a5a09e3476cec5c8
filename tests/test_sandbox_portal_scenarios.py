"""The national scenarios reproduce the seeds' published figures, counted from every raw record."""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from functools import cache

from mappings.admin_units import load_admin_units
from sandbox.generate import PortalData
from sandbox.scenario import load_scenario
from tests.truth import online_counts

PERIOD = (date(2025, 7, 1), date(2025, 8, 19))


def _rate(received: int, online: int) -> float:
    return round(100 * online / received, 2)


@cache
def _national_portal() -> PortalData:
    return PortalData(load_scenario("national-2025-08-24"))


def _count_province(hxx: str) -> tuple[dict[str, tuple[int, int]], int]:
    """One province of the 24 August scenario, counted from every record it serves, and how many of
    those records carry a pre-merger province code."""
    units = load_admin_units()
    pre_merger = 0

    def every_record():
        nonlocal pre_merger
        for code, record in _national_portal().records_of(hxx):
            pre_merger += record["MaTinh"] != units.by_dvcqg[code].code
            yield code, record

    return online_counts(every_record(), *PERIOD), pre_merger


def test_the_24_august_scenario_counts_the_national_figures_of_1_july_to_19_august():
    # Every one of the 4.4 M records is generated and counted; the frozen clock makes each province's
    # records a pure function of the scenario, so two processes share the provinces (largest first).
    # Spawned, not forked: the session's sandbox servers run threads in this process.
    data = _national_portal()
    provinces = sorted(data.provinces, key=lambda hxx: len(data.provinces[hxx]), reverse=True)
    counts, pre_merger = {}, 0
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        for province_counts, province_pre_merger in pool.map(_count_province, provinces):
            for code, (received, online) in province_counts.items():
                earlier_received, earlier_online = counts.get(code, (0, 0))
                counts[code] = (earlier_received + received, earlier_online + online)
            pre_merger += province_pre_merger
    received, online = map(sum, zip(*counts.values()))
    assert len(counts) == 34
    assert (received, online) == (4_305_533, 3_259_311)
    assert received > 4_300_000 and online > 3_200_000 and round(100 * online / received, 1) == 75.7
    assert counts["79"][0] == 645_566 == max(r for r, _ in counts.values())   # TP.HCM the most
    assert counts["11"][0] == 14_922 == min(r for r, _ in counts.values())    # Dien Bien the fewest
    rates = {code: _rate(r, o) for code, (r, o) in counts.items()}
    assert rates["14"] == 33.37 and min(rates, key=rates.get) == "14"          # Son La the lowest
    assert pre_merger > 0, "some records carry pre-merger province codes"


def test_on_10_august_the_portal_holds_fewer_dossiers_and_son_la_is_at_33_37_percent():
    early = list(PortalData(load_scenario("national-2025-08-10")).records_of("H52"))
    son_la = online_counts(early, *PERIOD)["14"]
    assert _rate(*son_la) == 33.37
    full = load_scenario("national-2025-08-24").provinces
    assert son_la[0] < next(p.dossiers for p in full if p.code == "14")
    assert max(r["NgayTiepNhan"] for _, r in early) <= "20250810160000"
