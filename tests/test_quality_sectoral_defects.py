"""Issue #11's "Done when" for the sectoral registers: with every record-defect switch of a register on,
each defect type it injects is found by the hub under its dimension, as often as the sandbox's ledger says.

The land registry, civil-status export and social-insurance database apply the record defects of
sandbox/defects.py; the monitoring system injects none (sandbox/monitoring.py), so it has no case here.
A defect is found either as a refusal (a quarantine reason, counted under the reason's dimension) or as
a failing expectation of the register's suite on the records loaded. SQLite only: the portal's
counterpart (tests/test_quality_scores.py) runs the same checks on both databases.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from connectors.config import Secret, SystemConfig
from hub import pipeline
from hub.settings import Settings
from quality.quarantine import reason_dimensions
from sandbox.civil_status import DRIFT_RENAME as CIVIL_STATUS_DRIFT_RENAME
from sandbox.civil_status import ROW_SHAPE as CIVIL_STATUS_SHAPE
from sandbox.defects import RECORD_DEFECTS, RecordShape
from sandbox.insurance import DRIFT_RENAME as INSURANCE_DRIFT_RENAME
from sandbox.insurance import ROW_SHAPE as INSURANCE_SHAPE
from sandbox.land import PARCEL_SHAPE
from sandbox.stack import SandboxStack
from tests.conftest import TEST_PII_KEY
from tests.test_quality_scores import assert_rejections_count_under_their_reasons_dimensions, rejection_reasons

DEFECT_RATE = 0.04


@dataclass(frozen=True)
class Register:
    source: str
    dataset: str  # its quality suite's dataset
    shape: RecordShape  # where the sandbox puts each defect
    drift_renames: str  # the field its schema drift renames
    schema_drift_rate: float = DEFECT_RATE


REGISTERS = {
    # schema drift renames a field of each record drifted
    "land_registry": Register("land_registry", "land_parcel", PARCEL_SHAPE, PARCEL_SHAPE.drift_rename[0]),
    # ... a column of each daily file drifted
    "civil_status": Register("civil_status", "civil_status_event", CIVIL_STATUS_SHAPE, CIVIL_STATUS_DRIFT_RENAME[0]),
    # ... a column of the one table, which does not drift at the defect rate: a second run where it does
    "social_insurance": Register("social_insurance", "insurance_participant", INSURANCE_SHAPE,
                                 INSURANCE_DRIFT_RENAME[0]),
    "social_insurance_drifted": Register("social_insurance", "insurance_participant", INSURANCE_SHAPE,
                                         INSURANCE_DRIFT_RENAME[0], schema_drift_rate=1.0),
}
CASES = [(name, defect) for name in ("land_registry", "civil_status") for defect in RECORD_DEFECTS] + \
        [("social_insurance", defect) for defect in RECORD_DEFECTS if defect != "schema_drift"] + \
        [("social_insurance_drifted", "schema_drift")]

REFUSED, FLAGGED = "refused", "flagged"


def _fields(names) -> str:
    return "(?:^|; )(?:" + "|".join(map(re.escape, names)) + ")"


def seen_as(register: Register, defect: str) -> tuple[str, str, str]:
    """What a defect looks like once the hub has it: (dimension, refused or flagged, the quarantine reason's
    pattern or the description of the suite's expectation that flags it). The names a defect corrupts are
    dropped as personal data: only whether they came in Unicode NFC is kept, and checked."""
    shape = register.shape
    return {"invalid_id": ("dung", REFUSED, _fields(f"{name}__kind" for name in shape.id_fields) + ": not one of"),
            "unicode_nfd": ("sach", FLAGGED, "Names are Unicode NFC"),
            "future_date": ("dung", REFUSED, _fields([shape.date_field]) + ": in the future"),
            "missing_mandatory": ("du", REFUSED, _fields(shape.mandatory) + ": required value missing"),
            "schema_drift": ("dung", REFUSED, r"schema drift")}[defect]


@dataclass
class Synced:
    register: Register
    reasons: dict[str, str]  # rejected record -> reason
    injected: dict[str, set[str]]  # defect -> records the ledger says it hit
    checks: object
    engine: object

    def visible(self, defect: str) -> set[str]:
        """The records in which a reader can see ``defect``: a later defect may hide an earlier one (an ID
        made ill-formed, then emptied or its column renamed), and a drift that renames a mandatory field
        leaves it missing."""
        shape, injected, drifted = self.register.shape, self.injected[defect], self.injected["schema_drift"]
        if defect == "invalid_id":
            emptied = {key for key in self.injected["missing_mandatory"] if shape.missing_field(key) in shape.id_fields}
            return injected - emptied - (drifted if self.register.drift_renames in shape.id_fields else set())
        if defect == "missing_mandatory" and self.register.drift_renames in shape.mandatory:
            return injected | drifted
        return injected


@pytest.fixture(scope="module")
def defective_registers():
    with SandboxStack("demo") as stack:
        yield stack


@pytest.fixture(scope="module")
def synced(request, defective_registers, tmp_path_factory):
    """One register with every record-defect switch on, synced into a fresh warehouse, then checked."""
    register, stack = REGISTERS[request.param], defective_registers
    for name in {r.source for r in REGISTERS.values()}:
        stack.faults[name].clear()
    for defect in RECORD_DEFECTS:
        stack.faults[register.source].set(defect, register.schema_drift_rate if defect == "schema_drift"
                                          else DEFECT_RATE)
    stack.ledger.reset()
    stack.refresh_files()
    directory = tmp_path_factory.mktemp(request.param)
    settings = Settings(var_dir=directory / "var", db_url=f"sqlite:///{directory / 'warehouse.db'}",
                        pii_key=TEST_PII_KEY)
    pipeline.upgrade_warehouse(settings)
    entry = stack.endpoints[register.source]
    system = SystemConfig(register.source, entry["url"], entry.get("username"), Secret(entry.get("password")),
                          dict(entry.get("options", {})))
    report = pipeline.sync_source(register.source, settings, system=system)
    assert report.status == "succeeded" and report.quarantined > 0
    checks = pipeline.check(settings)
    engine = pipeline.warehouse(settings)
    yield Synced(register, rejection_reasons(engine, register.source),
                 {d: stack.ledger.keys_with_defect(register.source, d) for d in RECORD_DEFECTS}, checks, engine)
    engine.dispose()


@pytest.mark.parametrize("synced, defect", CASES, indirect=["synced"])
def test_every_injected_defect_is_counted_under_its_dimension_as_often_as_the_ledger_says(synced, defect):
    dimension, how, seen = seen_as(synced.register, defect)
    assert synced.injected[defect], f"the sandbox should have injected {defect}"
    if how == REFUSED:  # counted against the source's score as a rejection
        found = {key for key, reason in synced.reasons.items() if re.search(seen, reason)}
        assert found == synced.visible(defect)
        assert all(dimension in reason_dimensions(synced.reasons[key]) for key in found)
    else:  # the loaded ones (a record with another defect too may have been refused) are flagged
        result = next(r for r in synced.checks.of(synced.register.dataset).results if r.description_en == seen)
        assert result.dimension == dimension and not result.success
        assert result.unexpected_count == len(synced.visible(defect) - set(synced.reasons)) > 0


@pytest.mark.parametrize("synced", ["land_registry", "civil_status", "social_insurance"], indirect=True)
def test_a_registers_rejections_count_against_it_under_each_reasons_dimension(synced):
    assert_rejections_count_under_their_reasons_dimensions(synced.engine, synced.register.source)
