"""Helpers for the fault-switch tests of the simulators."""
from __future__ import annotations

from contextlib import contextmanager

RATE = 0.5  # half the records: the test can tell hit records from clean ones


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


def changed_keys(served: dict, clean: dict) -> set:
    """Keys whose served record differs from the clean one (both dicts key -> record)."""
    return {key for key, record in served.items() if record != clean[key]}
