"""Owners of dossiers are verified against the population register (SOAP, zeep), faults and all."""
from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select

from connectors.base import HealthRecorder
from connectors.config import Secret, SystemConfig
from connectors.population_db import PopulationClient
from hub import pipeline
from hub.warehouse.schema import citizen_verification, health_call
from sandbox import people
from sandbox.stack import SandboxStack
from tests.truth import served_records


@pytest.fixture
def population(sandbox):
    sandbox.faults["population_db"].clear()
    yield sandbox
    sandbox.faults["population_db"].clear()


def _config(stack, **options) -> SystemConfig:
    entry = stack.endpoints["population_db"]
    return SystemConfig("population_db", entry["url"], options=dict(entry["options"], **options))


def _registered(n: int) -> list[str]:
    ids, rng = [], random.Random(7)
    while len(ids) < n:
        candidate = people.new_personal_id(rng, "14", rng.randint(1950, 2000), rng.randint(1, 2))
        if people.in_population_db(candidate):
            ids.append(candidate)
    return ids


def test_batch_verification_gives_one_outcome_per_person(population):
    match, wrong_name = _registered(2)
    client = PopulationClient(_config(population))
    results = client.verify([(match, people.citizen(match).full_name), (wrong_name, "Tên Không Khớp"),
                             ("12345", "Ai Đó")])
    assert [(r.personal_id, r.outcome) for r in results] == [
        (match, "match"), (wrong_name, "mismatch"), ("12345", "malformed_id")]


def test_large_lists_are_sent_in_chunks_of_at_most_the_batch_maximum(population):
    ids = _registered(25)
    recorder = HealthRecorder()
    client = PopulationClient(_config(population, batch_max=10), recorder)
    results = client.verify([(pid, people.citizen(pid).full_name) for pid in ids])
    assert [r.outcome for r in results] == ["match"] * 25
    calls = [o for o in recorder.observations if o.endpoint == "XacThucThongTinCongDanTheoLo"]
    assert len(calls) == 3 and all(o.outcome == "ok" for o in calls)


def test_soap_faults_become_per_person_outcomes_never_a_crash(population):
    population.faults["population_db"].set("soap_fault", 0.6)
    ids = _registered(12)
    recorder = HealthRecorder()
    results = PopulationClient(_config(population), recorder).verify(
        [(pid, people.citizen(pid).full_name) for pid in ids])
    assert len(results) == 12 and {r.outcome for r in results} <= {"match", "fault"}
    faults = [o for o in recorder.observations if o.outcome == "soap_fault"]
    assert faults, "the switch at 60 % must have faulted some calls"
    injected = population.ledger.faults("population_db").get("soap_fault", 0)
    assert len(faults) == injected


def test_the_bundled_wsdl_works_when_the_service_does_not_publish_one(population):
    (pid,) = _registered(1)
    entry = population.endpoints["population_db"]
    options = {k: v for k, v in entry["options"].items() if k != "wsdl"}
    client = PopulationClient(SystemConfig("population_db", entry["url"], options=options))
    assert client.verify([(pid, people.citizen(pid).full_name)])[0].outcome == "match"


def test_the_portal_sync_verifies_each_owner_once_and_keeps_only_hashes(sandbox, portal_config, settings, engine,
                                                                         monkeypatch):
    entry = sandbox.endpoints["population_db"]
    monkeypatch.setenv("LIENTHONG_POPULATION_DB_URL", entry["url"])
    monkeypatch.setenv("LIENTHONG_POPULATION_DB_OPTIONS", __import__("json").dumps(entry["options"]))
    pipeline.sync_source("dvc_portal", settings, system=portal_config)
    owners = {r["SoGiayToChuHoSo"] for r in served_records(sandbox) if len(r["SoGiayToChuHoSo"]) == 12}
    with engine.connect() as conn:
        outcomes = dict(conn.execute(select(citizen_verification.c.outcome, func.count())
                                     .group_by(citizen_verification.c.outcome)).all())
        hashes = set(conn.execute(select(citizen_verification.c.subject_id_hash)).scalars())
        calls = conn.execute(select(func.count()).select_from(health_call)
                             .where(health_call.c.system == "population_db")).scalar()
    assert sum(outcomes.values()) == len(owners) and not hashes & owners
    assert outcomes.get("match", 0) > 0.9 * len(owners)  # names on dossiers come from the register
    assert calls > 0
    again = pipeline.sync_source("dvc_portal", settings, system=portal_config)  # re-reads the overlap
    with engine.connect() as conn:
        asked_again = conn.execute(select(func.count()).select_from(health_call).where(
            health_call.c.system == "population_db", health_call.c.load_id == again.load_id,
            health_call.c.endpoint != "wsdl")).scalar()
    assert again.fetched > 0 and asked_again == 0  # owners already verified are not asked again
