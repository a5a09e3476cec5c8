"""Portal data faults: every dossier the sandbox served is in the warehouse exactly once (loaded or
quarantined), and every injected defect is caught: quarantined with its reason, or flagged."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from hub import pipeline
from hub.warehouse.schema import dossier, quarantine
from tests.sandbox_faults import portal_with_faults
from tests.test_faults_end_to_end import _configs

DATA_FAULTS = {"schema_drift": 0.03, "unicode_nfd": 0.05, "invalid_id": 0.05, "future_date": 0.03,
               "missing_mandatory": 0.03, "duplicate_records": 0.2, "out_of_order": 0.2}


@pytest.fixture(scope="module")
def faulty_portal():
    with portal_with_faults(DATA_FAULTS) as stack:
        yield stack


def test_every_served_dossier_is_kept_once_and_every_defect_is_caught(faulty_portal, settings, engine):
    report = pipeline.sync_source("dvc_portal", settings, system=_configs(faulty_portal)["dvc_portal"])
    assert report.status == "succeeded" and report.fetched == report.loaded + report.quarantined
    with engine.connect() as conn:
        loaded = dict(conn.execute(select(dossier.c.dossier_id, dossier.c.owner_id_kind)).all())
        reasons = dict(conn.execute(select(quarantine.c.record_key, quarantine.c.reason)
                                    .where(quarantine.c.source == "dvc_portal")).all())
    ledger = faulty_portal.ledger
    served = ledger.keys_served("dvc_portal", "dossiers")
    assert set(loaded) | set(reasons) == served and not set(loaded) & set(reasons)

    def hit(defect):
        keys = ledger.keys_with_defect("dvc_portal", defect)
        assert keys, f"the switch should have injected {defect}"
        return keys

    assert all("schema drift" in reasons.get(k, "") for k in hit("schema_drift"))
    assert all("in the future" in reasons.get(k, "") for k in hit("future_date"))
    assert all("required value missing" in reasons.get(k, "") for k in hit("missing_mandatory"))
    # a malformed owner ID cannot be refused (the dossier is real) but is flagged for the đúng check
    assert all(k in reasons or loaded[k] != "personal_id" for k in hit("invalid_id"))
    nfd = hit("unicode_nfd") - set(reasons)
    assert nfd and nfd <= set(loaded)
