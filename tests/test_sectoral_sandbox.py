"""The declared sectoral sources against the sandbox with its data faults on: every record the
sandbox's ledger says it served is in the warehouse, loaded or quarantined, exactly once, and
every injected defect the hub can see is caught."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from connectors.config import Secret, SystemConfig
from hub import pipeline
from hub.warehouse.schema import quarantine, sectoral_record
from sandbox.stack import SandboxStack

DEFECTS = {"invalid_id": 0.05, "unicode_nfd": 0.05, "future_date": 0.05, "missing_mandatory": 0.05,
           "schema_drift": 0.05}
SYSTEMS = {
    # source: (ledger stream, defects the hub must quarantine)
    "land_registry": ("thua_dat", {"invalid_id", "missing_mandatory", "future_date", "schema_drift"}),
    "civil_status": ("hotich", {"invalid_id", "missing_mandatory", "future_date", "schema_drift"}),
    # its future_date hits ngay_sinh, a birth date checked before it is dropped as personal data
    "social_insurance": ("tham_gia_bhxh", {"invalid_id", "missing_mandatory", "future_date"}),
}


@pytest.fixture(scope="module")
def faulty_sandbox():
    with SandboxStack("demo") as stack:
        for name in SYSTEMS:
            for fault, rate in DEFECTS.items():
                stack.faults[name].set(fault, rate)
        stack.faults["land_registry"].set("duplicate_records", 0.3)
        stack.faults["land_registry"].set("out_of_order", 0.3)
        stack.refresh_files()
        yield stack


def _config(stack, name) -> SystemConfig:
    entry = stack.endpoints[name]
    return SystemConfig(name, entry["url"], entry.get("username"), Secret(entry.get("password")),
                        dict(entry.get("options", {})))


@pytest.mark.parametrize("source", list(SYSTEMS))
def test_every_served_record_is_loaded_or_quarantined_and_every_visible_defect_is_caught(
        faulty_sandbox, settings, engine, source):
    stream, caught = SYSTEMS[source]
    report = pipeline.sync_source(source, settings, system=_config(faulty_sandbox, source))
    assert report.status == "succeeded" and report.fetched == report.loaded + report.quarantined
    with engine.connect() as conn:
        loaded = set(conn.execute(select(sectoral_record.c.record_key)
                                  .where(sectoral_record.c.source == source)).scalars())
        quarantined = set(conn.execute(select(quarantine.c.record_key).where(quarantine.c.source == source)).scalars())
    served = faulty_sandbox.ledger.keys_served(source, stream)
    assert loaded | quarantined == served and not loaded & quarantined
    for defect in caught:
        hit = faulty_sandbox.ledger.keys_with_defect(source, defect)
        assert hit, f"the scenario should inject {defect} into {source}"
        assert hit <= quarantined, f"{source}: {defect} not caught for {sorted(hit - quarantined)[:5]}"
    nfd = faulty_sandbox.ledger.keys_with_defect(source, "unicode_nfd") - quarantined
    assert nfd <= loaded  # names are dropped (their encoding flagged) and the rest normalised to NFC: loaded
