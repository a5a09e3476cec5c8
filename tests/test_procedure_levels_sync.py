"""The catalogue's procedure_levels stream against the sandbox portal: every listed procedure in every
commune of the province, one batch a procedure with where to resume, into dated procedure_level rows
(a re-read the same day replaces them; a read on another day adds its own)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from connectors.config import Secret, SystemConfig
from connectors.dvc_portal import DvcPortalConnector
from hub import pipeline
from hub.sources import get_source
from hub.translate import mapping_fingerprint, translate_batch
from mappings.admin_units import load_admin_units
from sandbox import catalogue
from sandbox.catalogue import level_at
from hub.warehouse.schema import procedure_level
from tests.conftest import TEST_PII_KEY

DIEN_BIEN = "H18"
COMMUNES = sorted(c.code for c in load_admin_units().communes_of("11"))  # Điện Biên's 45 communes
PROCEDURES = len(catalogue.PROCEDURES)


def _levels(batches) -> dict[tuple[str, str], str]:
    return {(r["MATTHC"], r["maxa"]): r["MUCDO"] for b in batches for r in b.records}


def _expected() -> dict[tuple[str, str], str]:
    return {(p.code.replace("H00", DIEN_BIEN), c): str(level_at(p, c)) for p in catalogue.PROCEDURES for c in COMMUNES}


def test_reads_each_procedures_level_in_every_commune_one_batch_a_procedure(portal_config):
    clock = lambda: datetime(2025, 8, 20, 9, 30)  # noqa: E731
    batches = list(DvcPortalConnector(portal_config, clock=clock).read("procedure_levels", DIEN_BIEN, None))
    assert [len(b.records) for b in batches] == [len(COMMUNES)] * PROCEDURES
    assert _levels(batches) == _expected()
    assert {r["readAt"] for b in batches for r in b.records} == {"20250820093000"}
    positions = [b.checkpoint.position for b in batches]
    assert [p.key for p in positions[:-1]] == [b.records[0]["MATTHC"] for b in batches[:-1]]
    assert positions[-1].key is None and positions[-1].watermark == "20250820093000"  # read whole


def test_an_interrupted_read_resumes_with_the_next_procedure(portal_config):
    connector = DvcPortalConnector(portal_config)
    whole = list(connector.read("procedure_levels", DIEN_BIEN, None))
    resumed = list(connector.read("procedure_levels", DIEN_BIEN, whole[2].checkpoint.value))
    assert len(resumed) == PROCEDURES - 3
    assert _levels(whole[:3]) | _levels(resumed) == _levels(whole)
    assert resumed[-1].checkpoint.position.key is None


def test_reads_on_two_days_map_to_two_dated_rows_of_a_pair(portal_config):
    spec = get_source("dvc_portal_catalogue")
    mapping = spec.mapping("procedure_levels")
    rows = []
    for day in (datetime(2025, 8, 20, 9), datetime(2025, 8, 27, 9)):
        batch = next(DvcPortalConnector(portal_config, clock=lambda day=day: day).read("procedure_levels", DIEN_BIEN, None))
        rows += translate_batch(batch, mapping, TEST_PII_KEY,
                                mapping_fingerprint(*spec.mapping_texts("procedure_levels"))).rows
    pair = (rows[0]["procedure_code"], rows[0]["commune_code"])
    dated = sorted((r["read_date"], r["level"]) for r in rows if (r["procedure_code"], r["commune_code"]) == pair)
    level = int(_expected()[pair])
    assert dated == [(date(2025, 8, 20), level), (date(2025, 8, 27), level)]


def test_a_catalogue_sync_stores_every_pair_and_a_second_sync_the_same_day_replaces_them(sandbox, settings, engine):
    entry = sandbox.endpoints["dvc_portal"]
    system = SystemConfig("dvc_portal", entry["url"], entry["username"], Secret(entry["password"]),
                          {**entry["options"], "partitions": [DIEN_BIEN]})
    for _ in range(2):
        report = pipeline.sync_source("dvc_portal_catalogue", settings, system=system)
        assert not report.failed_partitions and report.quarantined == 0
        with engine.connect() as conn:
            stored = {(r.procedure_code, r.commune_code): str(r.level)
                      for r in conn.execute(select(procedure_level))}
            days = conn.scalar(select(func.count(func.distinct(procedure_level.c.read_date))))
        assert stored == _expected() and days == 1
