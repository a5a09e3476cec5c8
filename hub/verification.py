"""Verify the people a batch names against the population register, beside the load, never in its way.

Clear IDs and names exist only here, in memory, and go only to the population service. The map
stage hands over each batch's changed records before scrubbing them; a worker thread looks up who
is verified already, sends the rest in chunks of the register's maximum, and the outcomes (kept
per keyed hash in citizen_verification) are stored with whichever batch the loader stores next.

A slow register delays verification, never the load: at most ``max_pending`` batches wait for
it; beyond that a batch's owners are left for a later sync that reads them again. A register that
fails postpones the same way.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timezone

from sqlalchemy import Engine, bindparam, select

from connectors.base import HealthRecorder, SourceError
from connectors.config import SystemNotConfigured, resolve_system
from hub.settings import Settings
from hub.warehouse.schema import citizen_verification
from mappings.pii import hash_id, id_kind

log = logging.getLogger(__name__)
MAX_PENDING_BATCHES = 32


class OwnerVerifier:
    def __init__(self, spec: dict, settings: Settings, recorder: HealthRecorder, engine: Engine,
                 max_pending: int | None = None):
        from connectors.population_db import PopulationClient

        self.spec = spec
        self.key = settings.pii_key
        self.engine = engine
        self.system = spec.get("system", "population_db")
        self.client = PopulationClient(resolve_system(self.system, settings), recorder)
        self.max_pending = max_pending or MAX_PENDING_BATCHES
        self.postponed = 0  # people whose batch found the queue full or the register failing
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lienthong-verify")
        self._pending: list[Future] = []
        self._lock = threading.Lock()

    @classmethod
    def for_mapping(cls, mapping, settings: Settings, recorder: HealthRecorder,
                    engine: Engine) -> "OwnerVerifier | None":
        if not mapping.verify:
            return None
        try:
            return cls(mapping.verify, settings, recorder, engine)
        except SystemNotConfigured:
            log.info("verification skipped: register not configured", extra={"system": mapping.verify.get("system")})
        except SourceError as exc:
            log.warning("verification skipped: register unreachable", extra={"outcome": exc.outcome})
        return None

    def submit(self, records: list[dict]) -> None:
        """Queue the owners of these records (clear IDs, in memory only) for verification."""
        people = self._people(records)
        if not people:
            return
        with self._lock:
            if sum(not f.done() for f in self._pending) >= self.max_pending:
                self.postponed += len(people)
                log.warning("verification postponed: register slower than the load",
                            extra={"system": self.system, "people": len(people)})
                return
            self._pending.append(self._executor.submit(self._verify, people))

    def ready(self) -> list[dict]:
        """Outcomes that have arrived so far (each handed out once)."""
        with self._lock:
            done = [f for f in self._pending if f.done()]
            self._pending = [f for f in self._pending if not f.done()]
        return [row for future in done for row in future.result()]

    def finish(self) -> list[dict]:
        """Wait for every queued verification; the outcomes not handed out yet."""
        with self._lock:
            pending, self._pending = self._pending, []
        return [row for future in pending for row in future.result()]

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        self.client.close()

    def _people(self, records: list[dict]) -> dict[str, tuple[str, str]]:
        people: dict[str, tuple[str, str]] = {}
        for record in records:
            if not isinstance(record, dict):
                continue
            personal_id = str(record.get(self.spec["id"]) or "").strip()
            if id_kind(personal_id) == "personal_id":
                people[hash_id(personal_id, self.key)] = (personal_id, str(record.get(self.spec["name"]) or ""))
        return people

    def _verify(self, people: dict[str, tuple[str, str]]) -> list[dict]:
        known_query = select(citizen_verification.c.subject_id_hash).where(
            citizen_verification.c.source == self.system, citizen_verification.c.outcome != "fault",
            citizen_verification.c.subject_id_hash.in_(bindparam("hashes", expanding=True)))
        with self.engine.connect() as conn:
            known = set(conn.execute(known_query, {"hashes": list(people)}).scalars())
        pending = [(digest, pair) for digest, pair in people.items() if digest not in known]
        if not pending:
            return []
        try:
            outcomes = self.client.verify([pair for _, pair in pending])
        except SourceError as exc:  # the register is down: the batch loads, these people wait for a later run
            self.postponed += len(pending)
            log.warning("verification postponed", extra={"system": self.system, "outcome": exc.outcome})
            return []
        now = datetime.now(timezone.utc)
        return [
            {"subject_id_hash": digest, "source": self.system, "outcome": result.outcome,
             "exists_in_source": result.exists, "name_matches": result.name_matches,
             "birth_date_matches": result.birth_date_matches, "updated_at": now}
            for (digest, _), result in zip(pending, outcomes)
        ]
