"""Every declaration kind (sectoral sources, mappings, scenarios) is a typed model checked on load:
the shipped files load, a misspelt key names the file, the key and what was meant, and the schema
documents in docs/schemas/ are the models' own. A REST source paged by page number is YAML only."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from connectors.sectoral import DeclarationError, load_declarations
from connectors.sectoral.declaration import DECLARATIONS, read_declarations
from hub import pipeline
from hub.warehouse.schema import batch_reconciliation
from mappings.engine import MAPPINGS_DIR, Mapping, MappingError
from sandbox.scenario import SCENARIO_DIR, ScenarioError, load_scenario
from tests.declaration_helpers import misspelt_copy

REPO = Path(__file__).resolve().parents[1]


def test_every_shipped_source_declaration_loads():
    sources = load_declarations()
    assert {"land_registry", "civil_status", "social_insurance"} <= set(sources)
    for source in sources.values():
        assert Mapping.load(source.mapping).stream  # and names a mapping that loads


@pytest.mark.parametrize("scenario", sorted(path.stem for path in SCENARIO_DIR.glob("*.yaml")))
def test_every_shipped_scenario_loads(scenario):
    assert load_scenario(scenario).total_dossiers > 0


@pytest.mark.parametrize("right, wrong, place, meant", [
    ("    records_field:", "    recrods_field:", "sources.land_registry.rest", "records_field"),
    ("cursor_param: cursor", "cursor_parm: cursor", "paging.cursor", "cursor_param"),
    ("    key_column:", "    key_colum:", "sources.social_insurance.sql", "key_column"),
])
def test_a_misspelt_source_key_fails_naming_file_key_and_nearest(tmp_path, right, wrong, place, meant):
    path = misspelt_copy(tmp_path, DECLARATIONS, right, wrong)
    with pytest.raises(DeclarationError) as caught:
        read_declarations(path)
    message = str(caught.value)
    assert str(path) in message and place in message
    assert f"{wrong.split(':')[0].strip()!r}" in message and f"did you mean {meant!r}?" in message


def test_an_unknown_source_kind_or_paginator_is_refused(tmp_path):
    path = misspelt_copy(tmp_path, DECLARATIONS, "kind: rest\n", "kind: rest_pages\n")
    with pytest.raises(DeclarationError, match="rest_pages"):
        read_declarations(path)
    path = misspelt_copy(tmp_path, DECLARATIONS, "type: cursor", "type: cursors")
    with pytest.raises(DeclarationError, match="cursors"):
        read_declarations(path)


def test_a_misspelt_mapping_key_fails_naming_file_key_and_nearest(tmp_path):
    path = misspelt_copy(tmp_path, MAPPINGS_DIR / "land_registry_parcels.yaml", "record_key:", "recordkey:")
    with pytest.raises(MappingError) as caught:
        Mapping.load(path)
    assert str(path) in str(caught.value) and "did you mean 'record_key'?" in str(caught.value)


@pytest.mark.parametrize("right, wrong, meant", [
    ("shares:", "sharse:", "shares"),
    ("land_registry: {parcels:", "land_registry: {parcel:", "parcels"),
])
def test_a_misspelt_scenario_key_fails_naming_file_key_and_nearest(tmp_path, right, wrong, meant):
    path = misspelt_copy(tmp_path, SCENARIO_DIR / "demo.yaml", right, wrong)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert str(path) in str(caught.value) and f"did you mean {meant!r}?" in str(caught.value)


def test_the_schema_documents_are_generated_from_the_models():
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import schema_docs
    finally:
        sys.path.remove(str(REPO / "scripts"))
    stale = [path.name for path, text in schema_docs.documents().items()
             if not path.is_file() or path.read_text(encoding="utf-8") != text]
    assert stale == [], "run python scripts/schema_docs.py"


PAGE_NUMBER_SOURCE = """\
sources:
  land_registry:   # the registry now pages by number: the deployment redeclares it, no code
    kind: rest
    stream: thua_dat
    mapping: {mapping}
    path: /api/v1/thua-dat/trang
    paging: {{type: page_number, page_param: page, size_param: page_size, size: 250,
             total_pages_field: total_pages}}
    incremental: {{since_param: updated_since, watermark_field: capNhatLuc}}
    api_key_header: X-API-Key
"""


@pytest.fixture
def page_numbered_land_registry(sandbox, tmp_path, monkeypatch):
    declared = tmp_path / "sources.yaml"
    declared.write_text(PAGE_NUMBER_SOURCE.format(mapping=MAPPINGS_DIR / "land_registry_parcels.yaml"),
                        encoding="utf-8")
    entry = sandbox.endpoints["land_registry"]
    monkeypatch.setenv("LIENTHONG_SOURCES_FILE", str(declared))
    monkeypatch.setenv("LIENTHONG_LAND_REGISTRY_URL", entry["url"])
    monkeypatch.setenv("LIENTHONG_LAND_REGISTRY_PASSWORD", entry["password"])
    return sandbox


def test_a_page_number_rest_source_is_yaml_only(page_numbered_land_registry, settings, engine):
    ledger = page_numbered_land_registry.ledger
    parcels = len(page_numbered_land_registry.land_app.state.parcels)
    served_before = ledger.served_count("land_registry", "thua_dat")
    report = pipeline.sync_source("land_registry", settings)
    assert (report.fetched, report.batches) == (parcels, -(-parcels // 250))
    assert ledger.served_count("land_registry", "thua_dat") - served_before == parcels
    with engine.connect() as conn:
        fetched, loaded, quarantined = conn.execute(select(
            func.sum(batch_reconciliation.c.fetched), func.sum(batch_reconciliation.c.loaded),
            func.sum(batch_reconciliation.c.quarantined))).one()
    assert fetched == loaded + quarantined == parcels
    again = pipeline.sync_source("land_registry", settings)  # from the watermark less the overlap
    assert again.fetched < parcels
