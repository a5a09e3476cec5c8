"""The stage functions. The CLI and the Airflow DAGs call these and nothing else.

extract+land+map (sync) -> check (quality) -> publish (metrics). Each stage reads what the
previous one stored in the warehouse, so stages can run in separate processes or tasks.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from typing import Callable

from sqlalchemy import Engine, insert, update

from connectors.base import HealthRecorder
from connectors.config import SystemConfig
from hub.settings import Settings
from hub.sources import get_source
from hub.verification import OwnerVerifier
from hub.warehouse.db import create_warehouse_engine
from hub.warehouse.load import read_checkpoint, store_batch, write_observations
from hub.warehouse.migrate import upgrade
from hub.warehouse.schema import load_run

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int], None]  # (partition, records fetched in the batch)


@dataclass
class SyncReport:
    source: str
    load_id: str
    partitions: list[str] = field(default_factory=list)
    fetched: int = 0
    loaded: int = 0
    quarantined: int = 0
    batches: int = 0
    failed_partitions: dict[str, str] = field(default_factory=dict)

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


def source_partitions(source_name: str, settings: Settings | None = None) -> list[str]:
    """The partitions a source syncs in (provinces for the portal): one mapped task each."""
    settings = settings or Settings.load()
    connector = get_source(source_name).connect(settings, HealthRecorder())
    try:
        return list(connector.partitions())
    finally:
        connector.close()


def warehouse(settings: Settings) -> Engine:
    return create_warehouse_engine(settings.db_url)


def upgrade_warehouse(settings: Settings | None = None) -> None:
    upgrade(warehouse(settings or Settings.load()))


def sync_source(source_name: str, settings: Settings | None = None, partitions: list[str] | None = None,
                progress: ProgressCallback | None = None, system: SystemConfig | None = None) -> SyncReport:
    """Extract every stream of a source, partition by partition, into the warehouse.

    A failing partition is recorded and the others go on; the checkpoint of a failed partition
    stays where its last stored batch left it.
    """
    settings = settings or Settings.load()
    engine = warehouse(settings)
    source = get_source(source_name)
    recorder = HealthRecorder()
    report = SyncReport(source=source_name, load_id=str(uuid.uuid4()))
    connector = source.connect(settings, recorder, system)  # fails before any bookkeeping if unconfigured
    with engine.begin() as conn:
        conn.execute(insert(load_run).values(load_id=report.load_id, source=source_name,
                                             started_at=datetime.now(timezone.utc), status="running"))
    try:
        report.partitions = list(partitions or connector.partitions())
        for stream in source.streams:
            mapping = source.mapping(stream)
            verifier = OwnerVerifier.for_mapping(mapping, settings, recorder)
            try:
                for partition in report.partitions:
                    _sync_partition(engine, settings, connector, source_name, stream, partition, mapping,
                                    recorder, report, progress, verifier)
            finally:
                if verifier is not None:
                    verifier.close()
    finally:
        connector.close()
        with engine.begin() as conn:
            write_observations(conn, recorder.drain(), report.load_id)
            conn.execute(update(load_run).where(load_run.c.load_id == report.load_id).values(
                finished_at=datetime.now(timezone.utc), status=report.status, fetched=report.fetched,
                loaded=report.loaded, quarantined=report.quarantined,
                error="; ".join(f"{p}: {e}" for p, e in report.failed_partitions.items()) or None))
    log.info("sync finished", extra={"source": source_name, **report.as_dict()})
    return report


def _sync_partition(engine, settings, connector, source_name, stream, partition, mapping, recorder, report,
                    progress, verifier) -> None:
    checkpoint = read_checkpoint(engine, source_name, stream, partition)
    try:
        for batch in connector.read(stream, partition, checkpoint):
            report.batches += 1
            verified = verifier.verify(engine, batch.records) if verifier else []
            outcome = store_batch(engine, load_id=report.load_id, batch_no=report.batches, source=source_name,
                                  mapping=mapping, batch=batch, pii_key=settings.pii_key,
                                  observations=recorder.drain(),
                                  extra_rows={"citizen_verification": verified} if verified else None)
            report.fetched += outcome.fetched
            report.loaded += outcome.loaded
            report.quarantined += outcome.quarantined
            if progress:
                progress(partition, outcome.fetched)
    except Exception as exc:  # one partition's failure must not stop the others
        report.failed_partitions[partition] = f"{type(exc).__name__}: {exc}"
        log.warning("partition failed", extra={"source": source_name, "partition": partition,
                                               "error": type(exc).__name__})


@dataclass(frozen=True)
class ProbeResult:
    system: str
    ok: bool
    detail: str


def probe_sources(settings: Settings | None = None, names: list[str] | None = None) -> list[ProbeResult]:
    """One cheap call per configured system, recorded in health_call: the heartbeat of connection health."""
    from connectors.base import SourceError
    from connectors.config import SystemNotConfigured
    from hub.sources import all_sources

    settings = settings or Settings.load()
    engine = warehouse(settings)
    results = []
    for name in names or list(all_sources()):
        recorder = HealthRecorder()
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
            results.append(ProbeResult(name, False, exc.outcome))
        except Exception as exc:  # a probe reports, it never raises
            results.append(ProbeResult(name, False, type(exc).__name__))
        finally:
            connector.close()
            with engine.begin() as conn:
                write_observations(conn, recorder.drain(), None)
    return results


def check(settings: Settings | None = None):
    """The "đúng, đủ, sạch, sống" checks of the dossiers, in the warehouse, re-checking only changed days."""
    from hub.quality_store import check_dossiers

    settings = settings or Settings.load()
    return check_dossiers(warehouse(settings))


def publish_health(settings: Settings | None = None) -> list[dict]:
    from hub.metrics.health import publish_connection_health

    return publish_connection_health(warehouse(settings or Settings.load()))


def publish(settings: Settings | None = None, period_start: date | None = None, period_end: date | None = None):
    """Every metrics table; returns the online filing rates (the headline figures)."""
    from hub.metrics.health import publish_connection_health
    from hub.metrics.online_rate import publish_online_filing_rate

    from hub.metrics.dossier_reduction import publish_dossier_reduction
    from hub.metrics.readiness import publish_readiness

    settings = settings or Settings.load()
    engine = warehouse(settings)
    publish_connection_health(engine)
    publish_readiness(engine)
    rates = publish_online_filing_rate(engine, period_start, period_end)
    if rates.period_start is not None:  # the same period as the headline rate
        publish_dossier_reduction(engine, rates.period_start, rates.period_end)
    return rates
