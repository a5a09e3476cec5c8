"""The stage functions. The CLI and the Airflow DAGs call these and nothing else.

extract+land+map (sync) -> check (quality) -> publish (metrics) -> report. Each stage reads what the
previous one stored in the warehouse, so stages can run in separate processes or tasks. The reads
the CLI shows (health summary, readiness, reduction) are here too: one way in.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, dataclass, field
from functools import partial
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable

from sqlalchemy import Engine, insert, update

from connectors.base import Batch, HealthRecorder, RetryNotice
from connectors.config import SystemConfig, SystemNotConfigured
from connectors.incremental import UpdateWindow
from hub.settings import Settings
from hub.sources import UnknownPartition, all_sources, get_source
from hub.flow import prefetch
from hub.parallel import sync_partitions_in_processes
from hub.translate import mapping_fingerprint, record_identity, translate_batch
from hub.verification import OwnerVerifier
from hub.warehouse.db import shared_engine
from hub.warehouse.load import (BatchOutcome, LoadBatch, read_checkpoint, store_batch, store_extra_rows,
                                stored_digests, stored_quarantine, write_observations)
from hub.warehouse.ready import ensure_current, upgrade_locked
from hub.warehouse.schema import load_run, metadata

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int], None]  # (partition, records fetched in the batch)
RetryCallback = Callable[[RetryNotice], None]  # a call failed and is retried after a back-off


@dataclass
class SyncReport:
    source: str
    load_id: str
    partitions: list[str] = field(default_factory=list)
    fetched: int = 0
    loaded: int = 0
    quarantined: int = 0
    unchanged: int = 0  # of loaded: already stored with the same content, not written again
    batches: int = 0
    verification_postponed: int = 0
    failed_partitions: dict[str, str] = field(default_factory=dict)
    window: list[str] | None = None  # [start, end] ISO-8601 when the sync read an update window

    @classmethod
    def combined(cls, source: str, reports: list["SyncReport"]) -> "SyncReport":
        """One report for a sync whose partitions ran as separate loads (worker processes)."""
        total = cls(source=source, load_id=",".join(r.load_id for r in reports),
                    window=reports[0].window if reports else None)
        for r in reports:
            total.partitions += r.partitions
            total.add(r)
            total.batches += r.batches
            total.verification_postponed += r.verification_postponed
            total.failed_partitions.update(r.failed_partitions)
        return total

    def add(self, outcome: "BatchOutcome | SyncReport") -> None:
        self.fetched += outcome.fetched
        self.loaded += outcome.loaded
        self.quarantined += outcome.quarantined
        self.unchanged += outcome.unchanged

    @property
    def status(self) -> str:
        return "failed" if self.failed_partitions else "succeeded"

    def as_dict(self) -> dict:
        return {**asdict(self), "status": self.status}

    def raise_if_failed(self) -> "SyncReport":
        """For schedulers: a failed partition fails the task, so it is retried."""
        if self.failed_partitions:
            raise SyncFailed(f"{self.source}: partitions failed: {self.failed_partitions}")
        return self


class SyncFailed(RuntimeError):
    pass


def source_names() -> list[str]:
    """Every source the hub knows: built in, and declared in YAML (one DAG each)."""
    return list(all_sources())


def source_partitions(source_name: str, settings: Settings | None = None,
                      wanted: list[str] | None = None) -> list[str]:
    """The partitions a source syncs in (provinces for the portal): one mapped task each. With
    ``wanted``, those, once each is known to exist (else UnknownPartition naming the nearest)."""
    settings = settings or Settings.load()
    connector = get_source(source_name).connect(settings, HealthRecorder())
    try:
        return _checked_partitions(source_name, list(connector.partitions()), wanted)
    finally:
        connector.close()


def _checked_partitions(source_name: str, available: list[str], wanted: list[str] | None) -> list[str]:
    for name in wanted or []:
        if name not in available:
            raise UnknownPartition(source_name, name, available)
    return list(wanted) if wanted else available


def warehouse(settings: Settings) -> Engine:
    """The warehouse engine, one per URL and process; see ready_warehouse before using it."""
    return shared_engine(settings.db_url)


def ready_warehouse(settings: Settings | None = None) -> Engine:
    """The warehouse engine once its schema matches the code: migrated first (under a lock,
    once per process) unless LIENTHONG_AUTO_MIGRATE is off, then a WarehouseNotReady error."""
    settings = settings or Settings.load()
    engine = warehouse(settings)
    ensure_current(engine, settings.auto_migrate)
    return engine


def upgrade_warehouse(settings: Settings | None = None) -> None:
    """Migrate to head and reload the reference data, whatever auto_migrate says (``db upgrade``)."""
    upgrade_locked(warehouse(settings or Settings.load()))


def grant_dashboard(settings: Settings | None, role: str, apply: bool = True) -> list[str]:
    """PostgreSQL: a read-only role with SELECT on the metric_* tables only; the statements (run
    unless ``apply`` is false)."""
    from hub.warehouse.roles import dashboard_grants, grant_dashboard_role

    engine = ready_warehouse(settings)
    return grant_dashboard_role(engine, role) if apply else dashboard_grants(engine, role)


def sync_source(source_name: str, settings: Settings | None = None, partitions: list[str] | None = None,
                progress: ProgressCallback | None = None, system: SystemConfig | None = None,
                workers: int = 1, on_retry: RetryCallback | None = None,
                window: UpdateWindow | None = None) -> SyncReport:
    """Extract every stream of a source, partition by partition, into the warehouse.

    Per partition three stages overlap (hub/flow.py): the connector fetches pages in one thread,
    the map stage scrubs, digests and maps them in another, and this thread stores each batch with
    its checkpoint. With ``workers`` > 1 the partitions are shared among that many processes
    (hub/parallel.py), one load run each. A failing partition is recorded and the others go on; its
    checkpoint stays where its last stored batch left it. ``on_retry`` hears every retried call,
    from worker processes too.

    With ``window`` (a scheduled run's data interval) the streams that can read by update time read
    that window, or from their checkpoint when it is behind the window's start; a checkpoint past
    it stays where it is (connectors/incremental.py ``window_read_start``): re-running a window
    changes nothing, and the next plain sync neither skips nor loses an update.
    """
    settings = settings or Settings.load()
    source = get_source(source_name)
    recorder = HealthRecorder(on_retry=on_retry)
    # An unconfigured system or an unknown partition fails before the warehouse is touched.
    connector = source.connect(settings, recorder, system)
    try:
        partitions = _checked_partitions(source_name, list(connector.partitions()), partitions)
        engine = ready_warehouse(settings)
    except Exception:
        connector.close()
        raise
    if workers > 1 and len(partitions) > 1:
        connector.close()
        return SyncReport.combined(source_name, sync_partitions_in_processes(
            source_name, settings, partitions, min(workers, len(partitions)), progress, system, on_retry, window))
    report = SyncReport(source=source_name, load_id=str(uuid.uuid4()),
                        window=[window.start.isoformat(), window.end.isoformat()] if window else None)
    with engine.begin() as conn:
        conn.execute(insert(load_run).values(load_id=report.load_id, source=source_name,
                                             started_at=datetime.now(timezone.utc), status="running"))
    try:
        report.partitions = partitions
        for stream in source.streams:
            mapping = source.mapping(stream)
            stream_sync = _StreamSync(engine, settings, source_name, stream, mapping,
                                      mapping_fingerprint(*source.mapping_texts(stream)), recorder, report, progress,
                                      window)
            verifier = OwnerVerifier.for_mapping(mapping, settings, recorder, engine)
            try:
                for partition in report.partitions:
                    stream_sync.run(connector, partition, verifier)
                if verifier is not None:
                    _store_outcomes(engine, report.load_id, verifier.finish())
                    report.verification_postponed += verifier.postponed
            finally:
                if verifier is not None:
                    verifier.close()
    finally:
        connector.close()
        with engine.begin() as conn:
            write_observations(conn, recorder.drain(), report.load_id)
            conn.execute(update(load_run).where(load_run.c.load_id == report.load_id).values(
                finished_at=datetime.now(timezone.utc), status=report.status, fetched=report.fetched,
                loaded=report.loaded, quarantined=report.quarantined, unchanged=report.unchanged,
                error="; ".join(f"{p}: {e}" for p, e in report.failed_partitions.items()) or None))
    log.info("sync finished", extra={"source": source_name, **report.as_dict()})
    return report


class SyncObserver:
    """What the caller of ``sync_all`` sees while it runs (the CLI's progress lines). Every hook
    is optional: override the ones you need."""

    def skipped(self, source: str, reason: str) -> None:
        """A source left out because its system is not configured (only when none was named)."""

    def starting(self, source: str) -> None:
        pass

    def fetched(self, source: str, partition: str, records: int) -> None:
        pass

    def retrying(self, source: str, notice: RetryNotice) -> None:
        pass

    def finished(self, report: SyncReport) -> None:
        pass


def sync_all(settings: Settings | None = None, names: list[str] | None = None, partitions: list[str] | None = None,
             workers: int = 1, observer: SyncObserver | None = None,
             window: UpdateWindow | None = None) -> list[SyncReport]:
    """Sync the named sources, or every configured one, one after the other; their reports.

    Everything is checked before the first sync starts: the names, each named source's
    configuration and URL, the partitions (for one source). A source that was not named and has no
    configuration is skipped (``observer.skipped``); one that was named is an error."""
    settings = settings or Settings.load()
    observer = observer or SyncObserver()
    if partitions and len(names or []) != 1:
        raise ValueError("partitions can only be chosen when syncing one source")
    plan = {}
    for name in names or source_names():
        try:
            plan[name] = source_partitions(name, settings, partitions)
        except SystemNotConfigured as exc:
            if names:  # asked for by name: not being able to reach it is an error
                raise
            observer.skipped(name, str(exc))
    reports = []
    for name, chosen in plan.items():
        observer.starting(name)
        report = sync_source(name, settings, chosen, partial(observer.fetched, name), workers=workers,
                             on_retry=partial(observer.retrying, name), window=window)
        observer.finished(report)
        reports.append(report)
    return reports


@dataclass
class _StreamSync:
    """One stream of one source: fetch -> map -> store, per partition, the stages overlapping."""

    engine: Engine
    settings: Settings
    source: str
    stream: str
    mapping: object
    fingerprint: bytes
    recorder: HealthRecorder
    report: SyncReport
    progress: ProgressCallback | None
    window: UpdateWindow | None = None

    def __post_init__(self):
        self.lookup = _digest_lookup(self.engine, self.mapping)
        self.quarantined_before = partial(stored_quarantine, self.engine, self.source, self.stream)

    def run(self, connector, partition: str, verifier: OwnerVerifier | None) -> None:
        checkpoint = read_checkpoint(self.engine, self.source, self.stream, partition)
        on_changed = verifier.submit if verifier is not None else None
        try:
            fetched = prefetch(connector.read(self.stream, partition, checkpoint, self.window), depth=2, name="fetch")
            translated = prefetch((translate_batch(batch, self.mapping, self.settings.pii_key, self.fingerprint,
                                                   self.lookup, on_changed, self.quarantined_before)
                                   for batch in fetched),
                                  depth=2, name="map")
            for batch in translated:
                self._store(batch, verifier)
        except Exception as exc:  # one partition's failure must not stop the others
            self.report.failed_partitions[partition] = f"{type(exc).__name__}: {exc}"
            log.warning("partition failed", extra={"source": self.source, "partition": partition,
                                                   "error": type(exc).__name__})

    def _store(self, batch: LoadBatch, verifier: OwnerVerifier | None) -> None:
        report = self.report
        report.batches += 1
        if verifier is not None:
            outcomes = verifier.ready()
            if outcomes:
                batch.extra_rows["citizen_verification"] = outcomes
        outcome = store_batch(self.engine, load_id=report.load_id, batch_no=report.batches, source=self.source,
                              batch=batch, observations=self.recorder.drain())
        report.add(outcome)
        if self.progress:
            self.progress(batch.partition, outcome.fetched)


def _digest_lookup(engine: Engine, mapping):
    """Reads the stored digests of a batch's records, where the target has a key the record names."""
    table = metadata.tables[mapping.target]
    identity = record_identity(mapping, [c.name for c in table.primary_key.columns])
    if identity is None or "source_digest" not in table.c:
        return None
    return partial(stored_digests, engine, mapping.target, identity.key_column, identity.constants)


def _store_outcomes(engine: Engine, load_id: str, outcomes: list[dict]) -> None:
    if outcomes:
        store_extra_rows(engine, load_id, {"citizen_verification": outcomes})


def ingest_batch(engine: Engine, *, load_id: str, batch_no: int, source: str, mapping, batch: Batch,
                 pii_key: bytes, observations: list | None = None, fingerprint: bytes = b"") -> BatchOutcome:
    """Map and store one fetched batch in the calling thread (tests, replays): the same stages as a sync."""
    translated = translate_batch(batch, mapping, pii_key, mapping_fingerprint(fingerprint),
                                 _digest_lookup(engine, mapping),
                                 quarantined_before=partial(stored_quarantine, engine, source, batch.stream))
    return store_batch(engine, load_id=load_id, batch_no=batch_no, source=source, batch=translated,
                       observations=observations or [])


@dataclass(frozen=True)
class ProbeResult:
    system: str
    ok: bool
    detail: str


def probe_sources(settings: Settings | None = None, names: list[str] | None = None,
                  on_retry: RetryCallback | None = None) -> list[ProbeResult]:
    """One cheap call per configured system, recorded in health_call: the heartbeat of connection health.
    The call has the system's own retry policy, as a sync's calls do; ``on_retry`` hears each retry."""
    from connectors.base import SourceError

    settings = settings or Settings.load()
    engine = ready_warehouse(settings)
    results = []
    for name in names or source_names():
        recorder = HealthRecorder(on_retry=on_retry)
        try:
            connector = get_source(name).connect(settings, recorder)
        except SystemNotConfigured:
            if names:
                raise
            continue
        try:
            connector.probe()
            results.append(ProbeResult(name, True, "ok"))
        except SourceError as exc:
            gave_up = f", gave up after {exc.attempts} tries in {exc.seconds:.0f} s" if exc.attempts > 1 else ""
            results.append(ProbeResult(name, False, exc.outcome + gave_up))
        except Exception as exc:  # a probe reports, it never raises
            results.append(ProbeResult(name, False, type(exc).__name__))
        finally:
            connector.close()
            with engine.begin() as conn:
                write_observations(conn, recorder.drain(), None)
    return results


def check(settings: Settings | None = None):
    """The "đúng, đủ, sạch, sống" checks of every dataset, in the warehouse, re-checking only changed days;
    their scores go to metric_data_quality."""
    from hub.quality_store import check_all

    settings = settings or Settings.load()
    return check_all(ready_warehouse(settings))


def quality_gate(engine: Engine) -> None:
    """Stops publishing when the latest check of a dataset failed a critical expectation."""
    from hub.cli_errors import QualityGateFailed
    from hub.quality_gate import critical_failures

    failed = critical_failures(engine)
    if failed:
        raise QualityGateFailed(
            "publish stopped by the quality gate: critical expectations failed: "
            + "; ".join(f"{f.dataset}: {f.description_en} ({f.unexpected_count if f.unexpected_count is not None else '–'}"
                        f" rows, run {f.run_id})" for f in failed)
            + ". Fix the data at its source and sync again, or mark the expectation non-critical in its suite.")


def health_summary(settings: Settings | None = None) -> list[dict]:
    """Calls per system and outcome with their mean latency and last time: ``lienthong health``."""
    from hub.metrics.overview import call_summary

    return call_summary(ready_warehouse(settings))


def readiness_by_day(settings: Settings | None = None) -> list[dict]:
    """The published national readiness, day by day (after ``publish``)."""
    from hub.metrics.overview import national_readiness

    return national_readiness(ready_warehouse(settings))


def latest_reduction(settings: Settings | None = None) -> dict | None:
    """The latest published national dossier-reduction figures, if any."""
    from hub.metrics.overview import national_reduction

    return national_reduction(ready_warehouse(settings))


def write_report(settings: Settings | None = None, language: str | None = None) -> Path:
    """The HTML report of the published metrics under var/reports/; its path."""
    from hub.reports.html import write_report as write_html

    settings = settings or Settings.load()
    return write_html(ready_warehouse(settings), settings.reports_dir, language or settings.report_language)


def publish_health(settings: Settings | None = None) -> list[dict]:
    """Connection health (per system and day, per endpoint and hour/day), data freshness, and the
    portal's reported aggregates against its dossiers; returns the per-system-and-day rows."""
    settings = settings or Settings.load()
    return _publish_health(ready_warehouse(settings), settings)


def _publish_health(engine: Engine, settings: Settings) -> list[dict]:
    from hub.metrics.freshness import publish_source_freshness
    from hub.metrics.health import publish_connection_health
    from hub.metrics.health_endpoint import publish_endpoint_health
    from hub.metrics.portal_consistency import publish_portal_consistency

    rows = publish_connection_health(engine, thresholds=settings.health)
    publish_endpoint_health(engine, thresholds=settings.health)
    publish_source_freshness(engine, settings.health)
    publish_portal_consistency(engine, settings.health)
    return rows


def publish(settings: Settings | None = None, period_start: date | None = None, period_end: date | None = None):
    """Every metrics table; returns the online filing rates (the headline figures)."""
    from hub.metrics.decision766 import publish_decision766
    from hub.metrics.dossier_reduction import publish_dossier_reduction
    from hub.metrics.dossier_reduction_day import publish_dossier_reduction_days
    from hub.metrics.online_rate import publish_online_filing_rate
    from hub.metrics.online_service_level import publish_online_service_level
    from hub.metrics.procedure_reduction import publish_procedure_reduction
    from hub.metrics.readiness import publish_readiness

    settings = settings or Settings.load()
    engine = ready_warehouse(settings)
    quality_gate(engine)
    _publish_health(engine, settings)
    publish_readiness(engine)
    publish_online_service_level(engine)  # the portal's counts as of each report date: no period
    rates = publish_online_filing_rate(engine, period_start, period_end)
    if rates.period_start is not None:  # the same period as the headline rate
        publish_dossier_reduction(engine, rates.period_start, rates.period_end)
        publish_dossier_reduction_days(engine, rates.period_start, rates.period_end)
        publish_decision766(engine, rates.period_start, rates.period_end)
    publish_procedure_reduction(engine)
    return rates

