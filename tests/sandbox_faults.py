"""Helpers for the fault-switch tests of the simulators."""
from __future__ import annotations

import unicodedata
from contextlib import contextmanager
from datetime import date
from typing import Mapping

import pytest

from sandbox import people
from sandbox.defects import RecordShape, get_path
from sandbox.stack import SandboxStack

RATE = 0.5  # half the records: the test can tell hit records from clean ones
TODAY = date(2025, 8, 20)  # the demo scenario's clock


@contextmanager
def switched_on(stack, system: str, fault: str, rate: float = RATE):
    """Turn one fault on for one system with a fresh ledger; everything off again afterwards."""
    stack.ledger.reset()
    stack.faults[system].set(fault, rate)
    try:
        yield stack.ledger
    finally:
        stack.faults[system].clear()
        stack.ledger.reset()


@contextmanager
def portal_with_faults(rates: Mapping[str, float]):
    """The demo sandbox with the portal's fault switches on at these rates for as long as it runs."""
    with SandboxStack("demo") as stack:
        for fault, rate in rates.items():
            stack.faults["dvc_portal"].set(fault, rate)
        yield stack


def fault_switch_fixtures(system: str, running_name: str, name: str):
    """Fixture ``running_name``: a demo sandbox of the module's own, started once; fixture ``name``: that
    sandbox with every fault switch of ``system`` off and an empty ledger before and after each test.
    The test module assigns both fixtures returned, so pytest finds them there."""

    @pytest.fixture(scope="module", name=running_name)
    def running():
        with SandboxStack("demo") as stack:
            yield stack

    @pytest.fixture(name=name)
    def switched_off(request):
        stack = request.getfixturevalue(running_name)
        stack.faults[system].clear()
        stack.ledger.reset()
        yield stack
        stack.faults[system].clear()
        stack.ledger.reset()

    return running, switched_off


def changed_keys(served: dict, clean: dict) -> set:
    """Keys whose served record differs from the clean one (both dicts key -> record)."""
    return {key for key, record in served.items() if record != clean[key]}


def assert_exactly_these_changed(hit: set, served: dict, clean: dict) -> None:
    """The records that differ from the clean ones are exactly ``hit`` (the ledger's), and only some."""
    assert changed_keys(served, clean) == hit
    assert 0 < len(hit) < len(served)


def defect_visible(defect: str, record: dict, shape: RecordShape, parse_date) -> bool:
    """Whether ``record`` shows ``defect`` in the fields ``shape`` names for it."""
    if defect == "invalid_id":
        return any(not people.valid_personal_id(get_path(record, p) or "", TODAY) for p in shape.id_fields)
    if defect == "unicode_nfd":
        names = [get_path(record, p) for p in shape.name_fields]
        return any(n and (not unicodedata.is_normalized("NFC", n) or n.isupper()) for n in names)
    if defect == "future_date":
        value = get_path(record, shape.date_field)
        return bool(value) and parse_date(value) > TODAY
    if defect == "missing_mandatory":
        return any(get_path(record, p) in (None, "") for p in shape.mandatory)
    raise ValueError(defect)
