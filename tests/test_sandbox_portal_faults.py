"""One test per fault switch: the client sees the fault, and the ledger records exactly what was injected."""
from __future__ import annotations

import json
import time
import unicodedata

import pytest
import requests

from connectors.base import HealthRecorder, SourceError
from connectors.dvc_portal import DvcPortalConnector
from sandbox.scenario import SCENARIO_DIR, load_scenario
from sandbox.stack import SandboxStack
from tests.sandbox_faults import fault_switch_fixtures
from tests.sandbox_helpers import call, config_of, control, login, page_through

SYSTEM = "dvc_portal"


running, stack = fault_switch_fixtures(SYSTEM, "running", "stack")


def _procedures(stack, session, **kwargs) -> requests.Response:
    return call(stack, session, service="LayDanhSachTTHC", **kwargs)


# --- transport faults (sandbox/http_faults.py) ------------------------------------------------
def test_latency_delays_the_answer(stack):
    session = login(stack)
    control(stack, "/faults", {"latency": 1.0, "latency_seconds": 0.3})
    started = time.perf_counter()
    assert _procedures(stack, session).json()["error_code"] == 0
    assert time.perf_counter() - started >= 0.3
    assert stack.ledger.faults(SYSTEM) == {"latency": 1}


def test_http_5xx_is_retried_by_the_connector_and_every_attempt_is_in_the_ledger(stack):
    stack.faults[SYSTEM].set("http_5xx", 1.0)
    assert requests.post(stack.endpoints[SYSTEM]["url"] + "/integration", json={}, timeout=5).status_code == 503
    recorder = HealthRecorder()
    connector = DvcPortalConnector(config_of(stack, retries=2, backoff_factor=0, backoff_jitter=0), recorder)
    with pytest.raises(SourceError) as caught:
        list(connector.read("dossiers", "H18", None))
    assert caught.value.outcome == "http_5xx"
    assert stack.ledger.faults(SYSTEM) == {"http_5xx": 1 + 3}
    assert [o.outcome for o in recorder.observations] == ["http_5xx"] * 3


def test_http_429_carries_retry_after(stack):
    session = login(stack)
    control(stack, "/faults", {"http_429": 1.0, "retry_after_seconds": 2})
    response = _procedures(stack, session)
    assert response.status_code == 429 and response.headers["Retry-After"] == "2"
    assert stack.ledger.faults(SYSTEM) == {"http_429": 1}


def test_a_reset_breaks_the_connection_mid_answer(stack):
    session = login(stack)
    stack.faults[SYSTEM].set("reset", 1.0)
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        _procedures(stack, session)
    assert stack.ledger.faults(SYSTEM) == {"reset": 1}


def test_a_timeout_hangs_beyond_the_clients_read_timeout(stack):
    session = login(stack)
    control(stack, "/faults", {"timeout": 1.0, "timeout_seconds": 1.5})
    with pytest.raises(requests.exceptions.ReadTimeout):
        _procedures(stack, session, timeout=0.4)
    assert stack.ledger.faults(SYSTEM) == {"timeout": 1}


def test_truncated_json_is_a_complete_http_answer_that_does_not_parse(stack):
    session = login(stack)
    stack.faults[SYSTEM].set("truncated_json", 1.0)
    response = _procedures(stack, session)
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)
    assert stack.ledger.faults(SYSTEM) == {"truncated_json": 1}
    stack.faults[SYSTEM].clear()
    assert _procedures(stack, session).text.startswith(response.text)


def test_the_control_endpoints_switch_faults_and_show_the_ledger(stack):
    assert control(stack, "/faults", {"http_5xx": 0.25})["rates"] == {"http_5xx": 0.25}
    assert stack.faults[SYSTEM].rate("http_5xx") == 0.25
    assert control(stack, "/faults", {"clear": True})["rates"] == {}
    bad = requests.post(stack.endpoints[SYSTEM]["url"] + "/_sandbox/faults", json={"nonsense": 1}, timeout=5)
    assert bad.status_code == 400
    page_through(stack, "H18", size=250)
    assert control(stack, "/ledger")["served"] == {"dossiers": 250}


# --- data and protocol faults (sandbox/portal_faults.py) --------------------------------------
def test_session_expiry_mid_sync_makes_the_connector_log_in_again(stack):
    session = login(stack)
    stack.faults[SYSTEM].set("session_expiry", 1.0, times=1)
    assert call(stack, session, service="LayDanhSachHoSo", matinh="H52").json()["error_code"] == -2
    assert call(stack, session, service="LayDanhSachHoSo", matinh="H52").json()["error_code"] == -2, "the session is gone"
    connector = DvcPortalConnector(config_of(stack, page_size=50))
    pages = connector.read("dossiers", "H52", None)
    first = next(pages)
    stack.faults[SYSTEM].set("session_expiry", 1.0, times=1)  # once, in the middle of the sync
    rest = list(pages)
    assert len(first.records) + sum(len(b.records) for b in rest) == 400
    assert connector.client.logins == 2
    assert stack.ledger.faults(SYSTEM) == {"session_expiry": 2}


def test_duplicate_records_repeat_the_previous_pages_last_record(stack):
    clean = page_through(stack, "H18", size=100)
    stack.ledger.reset()
    stack.faults[SYSTEM].set("duplicate_records", 1.0)
    served = page_through(stack, "H18", size=100)
    keys = [r["MaHoSo"] for r in served]
    repeated = {k for k in keys if keys.count(k) > 1}
    assert len(served) == len(clean) + 2 and set(keys) == {r["MaHoSo"] for r in clean}
    assert repeated == stack.ledger.keys_with_defect(SYSTEM, "duplicate_records") == {clean[99]["MaHoSo"], clean[199]["MaHoSo"]}


def test_out_of_order_swaps_records_across_page_boundaries_without_losing_any(stack):
    clean = [r["MaHoSo"] for r in page_through(stack, "H18", size=100)]
    stack.ledger.reset()
    stack.faults[SYSTEM].set("out_of_order", 1.0)
    served = [r["MaHoSo"] for r in page_through(stack, "H18", size=100)]
    assert sorted(served) == sorted(clean) and served != clean
    moved = {clean[i] for i, (a, b) in enumerate(zip(clean, served)) if a != b}
    assert moved == stack.ledger.keys_with_defect(SYSTEM, "out_of_order") == {clean[99], clean[100], clean[199], clean[200]}


def _corrupted(stack, fault: str, changed) -> None:
    clean = {r["MaHoSo"]: r for r in page_through(stack, "H52", size=400)}
    stack.ledger.reset()
    stack.faults[SYSTEM].set(fault, 0.1)
    served = page_through(stack, "H52", size=400)
    affected = {r["MaHoSo"] for r in served if changed(r, clean[r["MaHoSo"]])}
    assert 10 < len(affected) < 80
    assert affected == stack.ledger.keys_with_defect(SYSTEM, fault)
    assert stack.ledger.defects(SYSTEM) == {fault: len(affected)}


def test_schema_drift_renames_a_field_and_adds_one(stack):
    _corrupted(stack, "schema_drift",
               lambda r, c: "KenhThucHien" not in r and r["KenhNopHoSo"] == c["KenhThucHien"] and "PhienBanDuLieu" in r)


def test_unicode_nfd_decomposes_the_texts(stack):
    _corrupted(stack, "unicode_nfd", lambda r, c: r["TenTTHC"] != c["TenTTHC"]
               and unicodedata.normalize("NFC", r["TenTTHC"]) == c["TenTTHC"])


def test_invalid_ids_are_not_well_formed(stack):
    _corrupted(stack, "invalid_id", lambda r, c: not r["SoGiayToChuHoSo"].isdigit()
               and r["DinhDanhCHS"][0]["SoDinhDanh"] == r["SoGiayToChuHoSo"])


def test_future_dates_lie_after_the_portal_clock(stack):
    _corrupted(stack, "future_date", lambda r, c: r["NgayTiepNhan"] > "20260101000000")


def test_missing_mandatory_fields_are_absent(stack):
    _corrupted(stack, "missing_mandatory", lambda r, c: not {"MaTTHC", "TrangThaiHoSo", "MaTinh"} <= set(r))


def test_report_drift_makes_the_reporting_api_disagree_with_the_dossiers(stack):
    url = stack.endpoints[SYSTEM]["url"] + "/api/v1/reporting/evaluation/provide-online-tree"
    true_total = requests.post(url, json={}, timeout=30).json()["data"]["parent"]["channelTotalSum"]
    stack.faults[SYSTEM].set("report_drift", 0.1)
    drifted = requests.post(url, json={}, timeout=30).json()["data"]["parent"]["channelTotalSum"]
    assert drifted < true_total
    assert stack.ledger.faults(SYSTEM) == {"report_drift": 1}


def test_a_scenario_can_switch_faults_on_and_the_demo_is_fault_free(tmp_path):
    assert SandboxStack("demo").faults[SYSTEM].rates == {}
    (tmp_path / "demo.yaml").write_text((SCENARIO_DIR / "demo.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "faulty.yaml").write_text("extends: demo\nname: faulty\nfaults: {http_5xx: 0.2, unicode_nfd: 0.05}\n",
                                          encoding="utf-8")
    faulty = load_scenario(tmp_path / "faulty.yaml")
    assert faulty.faults == {SYSTEM: {"http_5xx": 0.2, "unicode_nfd": 0.05}}
    assert SandboxStack(faulty).faults[SYSTEM].rates == {"http_5xx": 0.2, "unicode_nfd": 0.05}
