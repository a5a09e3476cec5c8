"""The "đúng, đủ, sạch, sống" suite finds what is wrong, tagged by dimension."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from quality.run import validate
from quality.suites.dossiers import SUITE_NAME, dossier_expectations

NOW = datetime(2025, 8, 20, tzinfo=timezone.utc)


def _frame(**changes) -> pd.DataFrame:
    base = {
        "dossier_id": ["H52.1-250710-0001", "H52.1-250710-0002"],
        "status_code": [4, 9], "channel": ["online", "direct"],
        "received_at": [NOW - timedelta(days=3)] * 2, "finished_at": [pd.NaT, NOW - timedelta(days=1)],
        "owner_id_kind": ["personal_id"] * 2, "updated_at": [NOW - timedelta(hours=2)] * 2,
        "commune_code": ["03979", "03979"], "procedure_code": ["P", "P"], "due_at": [NOW] * 2,
        "loaded_at": [NOW - timedelta(hours=1)] * 2,
    }
    base.update(changes)
    frame = pd.DataFrame(base)
    for column in ("received_at", "finished_at", "updated_at", "due_at", "loaded_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def _failed(frame) -> dict[str, str]:
    result = validate(frame, dossier_expectations(NOW), SUITE_NAME)
    return {r.expectation_config.meta["description_en"]: r.expectation_config.meta["dimension"]
            for r in result.results if not r.success}


def test_clean_dossiers_pass_every_expectation():
    assert _failed(_frame()) == {}


@pytest.mark.parametrize("changes,description,dimension", [
    ({"status_code": [4, 12]}, "Dossier status is in the code list 1–10", "dung"),
    ({"finished_at": [pd.NaT, NOW - timedelta(days=5)]}, "Processing does not finish before receipt", "dung"),
    ({"owner_id_kind": ["personal_id", "id_card_9"]}, "The owner's document is a valid 12-digit personal ID", "dung"),
    ({"updated_at": [NOW, NOW + timedelta(days=30)]}, "No update time lies in the future", "dung"),
    ({"commune_code": ["03979", None]}, "The receiving commune is known", "du"),
    ({"dossier_id": ["H52.1-250710-0001"] * 2}, "Dossier numbers are unique", "sach"),
    ({"dossier_id": ["H52.1-250710-0001", "bad number"]}, "Dossier numbers follow {unit}-{yyMMdd}-{sequence}", "sach"),
    ({"loaded_at": [NOW - timedelta(days=3)] * 2}, "Data was synchronised within the last 26 hours", "song"),
])
def test_each_defect_fails_its_expectation_in_its_dimension(changes, description, dimension):
    assert _failed(_frame(**changes)) == {description: dimension}
