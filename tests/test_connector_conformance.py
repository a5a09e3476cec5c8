"""The connector conformance suite (as singer-sdk's ``get_tap_test_class``): every built-in and every
declared source runs the same tests against its simulator, on a small slice of the demo scenario.

- paging to the end: small pages and the usual pages read the same records, and the read ends
  with a checkpoint;
- resume from a checkpoint: from any stored checkpoint the rest is read, nothing lost; from the
  last one nothing unseen comes back and the watermark never goes back;
- fault handling: transport faults (503s, connections reset mid-body) are retried to the same
  records, and every failed attempt is observed;
- reconciliation: through the pipeline, every fetched record is loaded or quarantined.

A new source kind or a new declared source gets all of these by being listed in ``hub.sources``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from connectors.base import Batch, HealthRecorder
from connectors.config import Secret, SystemConfig
from connectors.incremental import Position
from hub import pipeline
from hub.sources import all_sources
from hub.warehouse.schema import batch_reconciliation

DIEN_BIEN = "H18"  # the demo's smallest province (250 dossiers)
FAST_RETRIES = {"backoff_factor": 0.01, "backoff_max": 0.05, "backoff_jitter": 0.0}


@dataclass(frozen=True)
class Case:
    """How a source is read in the suite: a small slice, and what makes its pages small."""

    options: dict = field(default_factory=dict)  # the slice (partitions, period)
    small_pages: dict = field(default_factory=dict)  # options with pages of a few records
    http: bool = True  # transport faults apply


ONE_PROVINCE = {"partitions": [DIEN_BIEN]}
CASES = {
    "dvc_portal": Case(ONE_PROVINCE, {"page_size": 40}),
    "dvc_portal_catalogue": Case(ONE_PROVINCE),  # read whole: no pages
    "dvc_portal_reporting": Case(ONE_PROVINCE),
    "monitoring": Case({"period": {"start": "2025-08-10", "end": "2025-08-10"}}),  # a day a batch
    "land_registry": Case(small_pages={"paging": {"type": "cursor", "limit": 45}}),
    "civil_status": Case(small_pages={"batch_size": 10}, http=False),
    "social_insurance": Case(small_pages={"batch_size": 45}, http=False),
}


def test_every_known_source_is_in_the_suite():
    assert set(all_sources()) == set(CASES), "add the new source to CASES: it must pass the suite"


def _config(stack, name: str, **options) -> SystemConfig:
    spec = all_sources()[name]
    system = spec.system or spec.name
    entry = stack.endpoints[system]
    return SystemConfig(system, entry["url"], entry.get("username"), Secret(entry.get("password")),
                        {**entry.get("options", {}), **FAST_RETRIES, **CASES[name].options, **options})


def _key_of(name: str, stream: str):
    record_key = all_sources()[name].mapping(stream).record_key
    fields = (record_key,) if isinstance(record_key, str) else record_key
    return lambda record: tuple(str(record.get(part)) for part in fields)


def _read(stack, name: str, checkpoints: dict | None = None, recorder: HealthRecorder | None = None,
          **options) -> dict[tuple[str, str], list[Batch]]:
    """Every stream and partition of a source read whole: (stream, partition) -> batches."""
    spec = all_sources()[name]
    connector = spec.connect(None, recorder or HealthRecorder(), _config(stack, name, **options))
    try:
        return {(stream, partition): list(connector.read(stream, partition, (checkpoints or {}).get((stream, partition))))
                for stream in spec.streams for partition in connector.partitions()}
    finally:
        connector.close()


def _keys(name: str, stream: str, batches: list[Batch]) -> set:
    key = _key_of(name, stream)
    return {key(record) for batch in batches for record in batch.records}


@pytest.fixture
def db_url(sqlite_url):
    """Reconciliation is the connector's contract here; both databases' loading is tested elsewhere."""
    return sqlite_url


@pytest.fixture(scope="module")
def first_reads(sandbox):
    return {name: _read(sandbox, name) for name in CASES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_pages_are_read_to_the_end(sandbox, first_reads, name):
    whole = first_reads[name]
    small = _read(sandbox, name, **CASES[name].small_pages)
    for (stream, partition), batches in whole.items():
        assert batches and batches[-1].checkpoint is not None, (stream, partition)
        assert _keys(name, stream, batches), f"{stream}/{partition} read nothing"
        assert _keys(name, stream, small[(stream, partition)]) == _keys(name, stream, batches)
        if CASES[name].small_pages:
            assert len(small[(stream, partition)]) > len(batches)  # the small pages really were small


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_read_resumes_from_any_stored_checkpoint(sandbox, first_reads, name):
    for (stream, partition), batches in first_reads[name].items():
        everything = _keys(name, stream, batches)
        last = batches[-1].checkpoint
        again = _read(sandbox, name, {(stream, partition): last.value})[(stream, partition)]
        assert _keys(name, stream, again) <= everything  # the clock stands still: nothing unseen
        before, after = last.position, again[-1].checkpoint.position if again else last.position
        assert (after.watermark or "") >= (before.watermark or "")
        stored = [i for i, batch in enumerate(batches[:-1]) if batch.checkpoint is not None]
        if stored:  # a sync killed after batch i: what was stored plus what is read from there is all
            middle = stored[len(stored) // 2]
            resumed = _read(sandbox, name, {(stream, partition): batches[middle].checkpoint.value})
            kept = _keys(name, stream, batches[:middle + 1])
            assert kept | _keys(name, stream, resumed[(stream, partition)]) == everything


def test_checkpoints_are_typed_positions_and_old_text_forms_still_read():
    assert Position.decode("20250801>20250731>20250730", "portal_window") == Position(
        "portal_window", watermark="20250730", window_end="20250801", resume_from="20250731")
    assert Position.decode("2025-08-10", "lookback_days").watermark == "2025-08-10"
    assert Position.decode('{"mark": "2025-08-01 09:30:00", "key": "K1"}', "keyset") == Position(
        "keyset", watermark="2025-08-01 09:30:00", key="K1")
    position = Position("iso_watermark", watermark="2025-08-01T09:00:00+07:00")
    assert Position.decode(position.encode(), "other") == position


def test_each_style_starts_the_next_read_an_overlap_before_its_watermark():
    assert Position("portal_window", "20250801120000").next_start(timedelta(hours=6)) == "20250801060000"
    assert Position("iso_watermark", "2025-08-01T10:00:00+07:00").next_start(timedelta(hours=1)) == \
        "2025-08-01T09:00:00+07:00"
    assert Position("lookback_days", "2025-08-10").next_start(2) == date(2025, 8, 9)
    assert Position("last_file", "hotich_20250802.csv").next_start(None) == "hotich_20250802.csv"
    assert Position("keyset").next_start(timedelta(hours=1)) is None  # never read: from the start


@pytest.mark.parametrize("name", sorted(name for name, case in CASES.items() if case.http))
def test_transport_faults_are_retried_to_the_same_records(sandbox, first_reads, name):
    system = all_sources()[name].system or name
    switches = sandbox.faults[system]
    recorder = HealthRecorder()
    switches.set("http_5xx", 1.0, times=2)
    switches.set("reset", 1.0, times=1)
    try:
        faulty = _read(sandbox, name, recorder=recorder)
    finally:
        switches.clear()
    for (stream, partition), batches in first_reads[name].items():
        assert _keys(name, stream, faulty[(stream, partition)]) == _keys(name, stream, batches)
    outcomes = [observation.outcome for observation in recorder.drain()]
    assert outcomes.count("http_5xx") == 2 and "reset" in outcomes


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_fetched_record_is_loaded_or_quarantined(sandbox, first_reads, name, settings, engine):
    report = pipeline.sync_source(name, settings, system=_config(sandbox, name))
    read = sum(len(batch.records) for batches in first_reads[name].values() for batch in batches)
    assert report.fetched == read and not report.failed_partitions
    with engine.connect() as conn:
        fetched, loaded, quarantined = conn.execute(select(
            func.sum(batch_reconciliation.c.fetched), func.sum(batch_reconciliation.c.loaded),
            func.sum(batch_reconciliation.c.quarantined))).one()
    assert fetched == loaded + quarantined == read
