"""The whole pipeline against a sandbox with every transport and protocol fault switched on at
realistic rates: it completes, counts reconcile, connection health accounts for every injected
fault, and the published metrics equal those of a fault-free run."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from connectors.config import Secret, SystemConfig
from hub import pipeline
from hub.settings import Settings
from hub.warehouse.schema import (batch_reconciliation, commune_report, dossier, health_call,
                                  metric_online_filing_rate, metric_readiness_nation, metric_readiness_province,
                                  province_report, quarantine, sectoral_record)
from sandbox.stack import SandboxStack
from tests.conftest import TEST_PII_KEY

TRANSPORT = {"latency": 0.05, "http_5xx": 0.06, "http_429": 0.03, "reset": 0.04, "timeout": 0.02,
             "truncated_json": 0.04}
PORTAL_PROTOCOL = {"duplicate_records": 0.2, "out_of_order": 0.2, "session_expiry": 0.05}
HTTP_SYSTEMS = ("dvc_portal", "population_db", "land_registry", "monitoring")
# What each injected transport fault looks like to the hub's health observations.
SEEN_AS = {"http_5xx": "http_5xx", "http_429": "http_4xx", "reset": "reset", "timeout": "timeout",
           "truncated_json": "parse_error"}
CLIENT = {"read_timeout": 2.0, "backoff_factor": 0.05, "backoff_max": 0.5}
# The monitoring system's commune report is one 1.3 MB answer (0.4-0.8 s on a quiet machine): its
# client waits longer, so that only injected timeouts are seen as timeouts, never a busy CI machine.
READ_TIMEOUT = {"monitoring": 5.0}


def _configs(stack) -> dict[str, SystemConfig]:
    configs = {}
    for name in ("dvc_portal", "land_registry", "monitoring", "population_db"):
        entry = stack.endpoints[name]
        # small pages: many calls, so the rates inject a fair number of faults
        options = dict(entry.get("options", {}), **CLIENT, page_size=60, limit=40, batch_max=10)
        options["read_timeout"] = READ_TIMEOUT.get(name, CLIENT["read_timeout"])
        if name == "monitoring":
            options["period"] = {"start": "2025-08-23", "end": "2025-08-24"}
        configs[name] = SystemConfig(name, entry["url"], entry.get("username"), Secret(entry.get("password")), options)
    return configs


def _run(stack, settings: Settings, monkeypatch) -> None:
    configs = _configs(stack)
    population = configs["population_db"]
    monkeypatch.setenv("LIENTHONG_POPULATION_DB_URL", population.base_url)
    monkeypatch.setenv("LIENTHONG_POPULATION_DB_OPTIONS", __import__("json").dumps(population.options))
    pipeline.upgrade_warehouse(settings)
    for name in ("dvc_portal", "land_registry", "monitoring"):
        report = pipeline.sync_source(name, settings, system=configs[name])
        assert report.status == "succeeded", report.failed_partitions
    pipeline.check(settings)
    pipeline.publish(settings, stack.scenario.period_start, stack.scenario.period_end)


def _published(engine) -> dict:
    tables = (metric_online_filing_rate, metric_readiness_province, metric_readiness_nation)
    with engine.connect() as conn:
        return {t.name: sorted(tuple(map(str, row)) for row in conn.execute(
            select(*[c for c in t.c if c.name != "computed_at"]))) for t in tables}


@pytest.fixture(scope="module")
def faulty_stack():
    with SandboxStack("demo") as stack:
        yield stack


@pytest.fixture(scope="module")
def clean_publication(faulty_stack, tmp_path_factory) -> dict:
    """What a fault-free run publishes: the sandbox's clock is frozen, so one run serves every database."""
    clean_dir = tmp_path_factory.mktemp("clean")
    clean = Settings(var_dir=clean_dir / "var", db_url=f"sqlite:///{clean_dir / 'clean.db'}", pii_key=TEST_PII_KEY)
    with pytest.MonkeyPatch.context() as monkeypatch:
        _run(faulty_stack, clean, monkeypatch)
    return _published(pipeline.warehouse(clean))


def test_with_every_fault_on_the_pipeline_completes_and_publishes_what_a_clean_run_does(
        faulty_stack, clean_publication, tmp_path, db_url, monkeypatch):
    expected = clean_publication
    for system in HTTP_SYSTEMS:
        switches = faulty_stack.faults[system]
        # an injected timeout holds the answer a second longer than the client waits
        switches.timeout_seconds = READ_TIMEOUT.get(system, CLIENT["read_timeout"]) + 1.0
        switches.latency_seconds = 0.05
        switches.retry_after_seconds = 0.2
        for fault, rate in TRANSPORT.items():
            switches.set(fault, rate)
    for fault, rate in PORTAL_PROTOCOL.items():
        faulty_stack.faults["dvc_portal"].set(fault, rate)
    before = {system: dict(faulty_stack.ledger.faults(system)) for system in HTTP_SYSTEMS}
    try:
        faulty = Settings(var_dir=tmp_path / "faulty", db_url=db_url, pii_key=TEST_PII_KEY)
        _run(faulty_stack, faulty, monkeypatch)
    finally:
        for system in HTTP_SYSTEMS:
            faulty_stack.faults[system].clear()
    engine = pipeline.warehouse(faulty)

    assert _published(engine) == expected
    with engine.connect() as conn:
        batches = conn.execute(select(batch_reconciliation)).mappings().all()
        assert all(b["fetched"] == b["loaded"] + b["quarantined"] for b in batches)
        observed = {(s, o): n for s, o, n in conn.execute(
            select(health_call.c.system, health_call.c.outcome, func.count())
            .group_by(health_call.c.system, health_call.c.outcome))}
        assert conn.execute(select(func.count()).select_from(dossier)).scalar() > 0
    injected_total = 0
    for system in HTTP_SYSTEMS:
        injected = {name: n - before[system].get(name, 0) for name, n in faulty_stack.ledger.faults(system).items()}
        for fault, outcome in SEEN_AS.items():
            injected_total += injected.get(fault, 0)
            assert observed.get((system, outcome), 0) == injected.get(fault, 0), (system, fault, injected, observed)
    assert injected_total > 10, "the rates must really have injected faults"
    # after deduplication the hub holds exactly what the sandbox's ledger says it served
    with engine.connect() as conn:
        dossiers = set(conn.execute(select(dossier.c.dossier_id)).scalars())
        quarantined = set(conn.execute(select(quarantine.c.record_key).where(quarantine.c.source == "dvc_portal")).scalars())
        provinces = {f"{d}:{p}" for d, p in conn.execute(select(province_report.c.report_date, province_report.c.province_code))}
        communes = {f"{d}:{c}" for d, c in conn.execute(select(commune_report.c.report_date, commune_report.c.commune_code))}
        parcels = set(conn.execute(select(sectoral_record.c.record_key)
                                   .where(sectoral_record.c.source == "land_registry")).scalars())
        parcels |= set(conn.execute(select(quarantine.c.record_key)
                                    .where(quarantine.c.source == "land_registry")).scalars())
    assert dossiers | quarantined == faulty_stack.ledger.keys_served("dvc_portal", "dossiers")
    assert parcels == faulty_stack.ledger.keys_served("land_registry", "thua_dat")
    assert provinces == faulty_stack.ledger.keys_served("monitoring", "bao_cao_tinh")
    assert communes == faulty_stack.ledger.keys_served("monitoring", "bao_cao_xa")
