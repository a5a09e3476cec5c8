"""Verify the people a batch names against the population register, before their data is dropped.

Runs inside the sync, between extraction and landing: clear IDs and names exist only here, in
memory, and go only to the population service. The outcomes are kept per keyed hash in
citizen_verification, in the same transaction as the batch.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import Engine, select

from connectors.base import HealthRecorder, SourceError
from connectors.config import SystemNotConfigured, resolve_system
from hub.settings import Settings
from hub.warehouse.schema import citizen_verification
from mappings.pii import hash_id, id_kind

log = logging.getLogger(__name__)


class OwnerVerifier:
    def __init__(self, spec: dict, settings: Settings, recorder: HealthRecorder):
        from connectors.population_db import PopulationClient

        self.spec = spec
        self.key = settings.pii_key
        self.system = spec.get("system", "population_db")
        self.client = PopulationClient(resolve_system(self.system, settings), recorder)

    @classmethod
    def for_mapping(cls, mapping, settings: Settings, recorder: HealthRecorder) -> "OwnerVerifier | None":
        if not mapping.verify:
            return None
        try:
            return cls(mapping.verify, settings, recorder)
        except SystemNotConfigured:
            log.info("verification skipped: register not configured", extra={"system": mapping.verify.get("system")})
        except SourceError as exc:
            log.warning("verification skipped: register unreachable", extra={"outcome": exc.outcome})
        return None

    def verify(self, engine: Engine, records: list[dict]) -> list[dict]:
        people: dict[str, tuple[str, str]] = {}
        for record in records:
            if not isinstance(record, dict):
                continue
            personal_id = str(record.get(self.spec["id"]) or "").strip()
            if id_kind(personal_id) == "personal_id":
                people[hash_id(personal_id, self.key)] = (personal_id, str(record.get(self.spec["name"]) or ""))
        if not people:
            return []
        with engine.connect() as conn:
            known = set(conn.execute(select(citizen_verification.c.subject_id_hash).where(
                citizen_verification.c.source == self.system,
                citizen_verification.c.outcome != "fault",
                citizen_verification.c.subject_id_hash.in_(list(people)))).scalars())
        pending = [(digest, pair) for digest, pair in people.items() if digest not in known]
        if not pending:
            return []
        try:
            outcomes = self.client.verify([pair for _, pair in pending])
        except SourceError as exc:  # the register is down: the batch loads, these people wait for the next run
            log.warning("verification postponed", extra={"system": self.system, "outcome": exc.outcome})
            return []
        now = datetime.now(timezone.utc)
        return [
            {"subject_id_hash": digest, "source": self.system, "outcome": result.outcome,
             "exists_in_source": result.exists, "name_matches": result.name_matches,
             "birth_date_matches": result.birth_date_matches, "updated_at": now}
            for (digest, _), result in zip(pending, outcomes)
        ]

    def close(self) -> None:
        self.client.close()
