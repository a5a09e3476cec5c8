"""The national scenarios reproduce the seeds' published figures, counted from every raw record."""
from __future__ import annotations

from datetime import date

from mappings.admin_units import load_admin_units
from sandbox.generate import PortalData
from sandbox.scenario import load_scenario
from tests.truth import online_counts

PERIOD = (date(2025, 7, 1), date(2025, 8, 19))


def _rate(received: int, online: int) -> float:
    return round(100 * online / received, 2)


def test_the_24_august_scenario_counts_the_national_figures_of_1_july_to_19_august():
    data = PortalData(load_scenario("national-2025-08-24"))
    units = load_admin_units()
    pre_merger = [0]

    def every_record():
        for hxx, record in data.all_records():
            pre_merger[0] += record["MaTinh"] != units.by_dvcqg[hxx].code
            yield hxx, record

    counts = online_counts(every_record(), *PERIOD)
    received, online = map(sum, zip(*counts.values()))
    assert len(counts) == 34
    assert (received, online) == (4_305_533, 3_259_311)
    assert received > 4_300_000 and online > 3_200_000 and round(100 * online / received, 1) == 75.7
    assert counts["79"][0] == 645_566 == max(r for r, _ in counts.values())   # TP.HCM the most
    assert counts["11"][0] == 14_922 == min(r for r, _ in counts.values())    # Dien Bien the fewest
    rates = {code: _rate(r, o) for code, (r, o) in counts.items()}
    assert rates["14"] == 33.37 and min(rates, key=rates.get) == "14"          # Son La the lowest
    assert pre_merger[0] > 0, "some records carry pre-merger province codes"


def test_on_10_august_the_portal_holds_fewer_dossiers_and_son_la_is_at_33_37_percent():
    early = PortalData(load_scenario("national-2025-08-10"))
    son_la = online_counts(early.records_of("H52"), *PERIOD)["14"]
    assert _rate(*son_la) == 33.37
    full = load_scenario("national-2025-08-24").provinces
    assert son_la[0] < next(p.dossiers for p in full if p.code == "14")
    assert max(r["NgayTiepNhan"] for _, r in early.records_of("H52")) <= "20250810160000"
