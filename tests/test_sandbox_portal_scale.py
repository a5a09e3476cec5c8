"""National scale with flat memory: a 5-million-dossier scenario pages without materialising anything."""
from __future__ import annotations

import resource
from pathlib import Path

from sandbox.generate import PortalData
from sandbox.listing import UpdateIndex
from sandbox.scenario import load_scenario
from sandbox.timeline import parse

WINDOW = (parse("20250101000000"), parse("20991231000000"))


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_pages_far_apart_in_a_5_million_dossier_scenario_leave_memory_flat():
    data = PortalData(load_scenario("bench-5m"))
    assert sum(len(d) for d in data.provinces.values()) > 5_000_000
    as_of = data.clock.now()
    chosen = ("H29", "H26", "H18")
    indexes = {hxx: UpdateIndex(data.provinces[hxx]) for hxx in chosen}
    for hxx in chosen:  # warm up: imports, group tables, first records
        data.provinces[hxx].records(indexes[hxx].page(*WINDOW, as_of, 0, 1000), as_of)
    before = _rss_mib()
    served = 0
    for hxx in chosen:
        index, total = indexes[hxx], indexes[hxx].count(*WINDOW, as_of)
        for offset in range(0, total, max(1000, total // 12)):
            page = index.page(*WINDOW, as_of, offset, 1000)
            records = data.provinces[hxx].records(page, as_of)
            assert len(records) == min(1000, total - offset)
            served += len(records)
    assert served > 30_000
    assert _rss_mib() - before < 64, "paging must not grow memory with the scenario's size"
