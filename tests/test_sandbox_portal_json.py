"""The portal's fault-free listing serves pre-encoded JSON: it must be exactly the records it stands for."""
from __future__ import annotations

import json

import numpy as np
import pytest

from sandbox.generate import PortalData
from sandbox.scenario import load_scenario


@pytest.mark.parametrize("scenario", ["demo", "national-2025-08-24"])
def test_pre_encoded_records_equal_the_records(scenario):
    data = PortalData(load_scenario(scenario))
    rng = np.random.default_rng(7)
    for dossiers in list(data.provinces.values())[:6]:
        index = np.unique(rng.integers(0, len(dossiers), size=min(400, len(dossiers))))
        assert [json.loads(text) for text in dossiers.records_json(index)] == dossiers.records(index)
