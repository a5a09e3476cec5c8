"""The national load path: overlapping stages, worker processes, unchanged records, a slow register."""
from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select, text

from hub import pipeline, verification
from hub.flow import prefetch
from hub.warehouse.schema import citizen_verification, dossier, raw_batch


def _forget_checkpoints(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM sync_checkpoint"))


def _landing(engine) -> tuple:
    with engine.connect() as conn:
        return (conn.execute(select(func.count(), func.coalesce(func.sum(raw_batch.c.records), 0))).one(),
                conn.execute(select(func.max(dossier.c.loaded_at), func.count()).select_from(dossier)).one())


def test_a_resync_of_unchanged_data_costs_fetching_and_hashing_not_writes(portal_config, settings, engine):
    first = pipeline.sync_source("dvc_portal", settings, system=portal_config)
    before = _landing(engine)
    _forget_checkpoints(engine)  # a backfill: everything read again
    second = pipeline.sync_source("dvc_portal", settings, system=portal_config)
    assert second.fetched == first.fetched and second.loaded == first.loaded
    assert second.unchanged == second.loaded  # every loaded record was recognised by its digest
    assert _landing(engine) == before  # no raw batch, no canonical row written again


def test_worker_processes_load_what_one_process_loads(sandbox, portal_config, settings, engine):
    parallel = pipeline.sync_source("dvc_portal", settings, system=portal_config, workers=2)
    assert parallel.status == "succeeded" and len(parallel.load_id.split(",")) == len(parallel.partitions)
    assert parallel.fetched == parallel.loaded + parallel.quarantined
    _forget_checkpoints(engine)
    single = pipeline.sync_source("dvc_portal", settings, system=portal_config)
    # the same records, mapped the same way: a single process finds every one already stored
    assert (single.fetched, single.loaded, single.quarantined) == (parallel.fetched, parallel.loaded,
                                                                   parallel.quarantined)
    assert single.unchanged == single.loaded


def test_a_slow_register_delays_verification_never_the_load(sandbox, portal_config, settings, engine, monkeypatch):
    entry = sandbox.endpoints["population_db"]
    monkeypatch.setenv("LIENTHONG_POPULATION_DB_URL", entry["url"])
    monkeypatch.setenv("LIENTHONG_POPULATION_DB_OPTIONS", json.dumps(entry["options"]))
    monkeypatch.setattr(verification, "MAX_PENDING_BATCHES", 1)
    portal_config.options["page_size"] = 100
    switches = sandbox.faults["population_db"]
    switches.latency_seconds = 1.5
    switches.set("latency", 1.0)  # every call answers late
    try:
        report = pipeline.sync_source("dvc_portal", settings, system=portal_config)
    finally:
        switches.clear()
        switches.latency_seconds = 0.2
    assert report.status == "succeeded" and report.fetched == report.loaded + report.quarantined
    assert report.verification_postponed > 0  # the loader did not wait for the register...
    with engine.connect() as conn:  # ...which still verified what it could
        assert conn.execute(select(func.count()).select_from(citizen_verification)).scalar() > 0


def test_stages_overlap_in_order_and_a_failure_surfaces_where_it_happened():
    produced = []

    def numbers():
        for n in range(5):
            produced.append(n)
            if n == 3:
                raise ValueError("page 3 is broken")
            yield n

    seen = []
    with pytest.raises(ValueError, match="page 3"):
        for n in prefetch(numbers(), depth=2):
            seen.append(n)
    assert seen == [0, 1, 2]


def test_a_consumer_that_stops_early_stops_its_producer():
    started = threading.Event()
    closed = threading.Event()

    def endless():
        try:
            n = 0
            while True:
                started.set()
                yield n
                n += 1
        finally:
            closed.set()

    for n in prefetch(endless(), depth=1):
        if n == 2:
            break
    assert started.is_set() and closed.wait(5)
