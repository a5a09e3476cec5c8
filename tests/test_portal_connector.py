"""The portal connector logs in, pages, re-logs in silently and records every call's health."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from connectors.base import HealthRecorder
from connectors.dvc_portal import DvcPortalConnector, PortalClient, PortalError
from connectors.config import Secret, SystemConfig


def test_reads_every_dossier_of_a_province_in_pages_each_with_where_to_resume(portal_config):
    portal_config.options.update(page_size=150, overlap_seconds=3600)
    connector = DvcPortalConnector(portal_config)
    batches = list(connector.read("dossiers", "H18", None))
    assert [len(b.records) for b in batches] == [150, 100]
    first, last = (b.checkpoint.position for b in batches)
    latest_on_first_page = max(r["NgayCapNhat"] for r in batches[0].records)
    assert first.watermark == latest_on_first_page
    assert last.resume_from is None  # the window was read whole: only the watermark remains
    assert last.watermark == max(r["NgayCapNhat"] for b in batches for r in b.records)
    assert first.resume_from == (datetime.strptime(latest_on_first_page, "%Y%m%d%H%M%S")
                                 - timedelta(hours=1)).strftime("%Y%m%d%H%M%S")


def test_an_interrupted_window_resumes_where_its_last_stored_page_left_it(portal_config):
    portal_config.options.update(page_size=150, overlap_seconds=3600)
    connector = DvcPortalConnector(portal_config)
    whole = list(connector.read("dossiers", "H18", None))
    resumed = list(connector.read("dossiers", "H18", whole[0].checkpoint.value))
    keys = lambda batches: {r["MaHoSo"] for b in batches for r in b.records}  # noqa: E731
    assert keys(whole[1:]) <= keys(resumed) < keys(whole)  # the rest, and the overlap: not the province over
    assert resumed[-1].checkpoint.value == whole[-1].checkpoint.value  # the same window, now complete


def test_silently_logs_in_again_when_the_session_expires_mid_sync(sandbox, portal_config):
    portal_config.options["page_size"] = 100
    connector = DvcPortalConnector(portal_config)
    pages = connector.read("dossiers", "H52", None)
    first = next(pages)
    sandbox.portal_app.state.sessions.expire_all()
    rest = list(pages)
    assert len(first.records) + sum(len(b.records) for b in rest) == 400
    assert connector.client.logins == 2


def test_records_one_health_observation_per_call(portal_config):
    recorder = HealthRecorder()
    portal_config.options["page_size"] = 1000
    connector = DvcPortalConnector(portal_config, recorder)
    list(connector.read("dossiers", "H18", None))
    outcomes = [(o.endpoint, o.outcome) for o in recorder.observations]
    assert outcomes == [("login", "ok"), ("LayDanhSachHoSo", "ok")]
    assert all(o.latency_ms is not None and o.bytes > 0 for o in recorder.observations)


def test_the_next_window_starts_an_overlap_before_the_watermark(portal_config):
    portal_config.options.update(page_size=1000, overlap_seconds=3600)
    connector = DvcPortalConnector(portal_config)
    batches = list(connector.read("dossiers", "H18", "20250810120000"))
    assert batches and all(r["NgayCapNhat"] >= "20250810110000" for b in batches for r in b.records)


def test_wrong_credentials_raise_a_portal_error_without_the_password(portal_config):
    bad = SystemConfig("dvc_portal", portal_config.base_url, portal_config.username, Secret("hunter2-wrong"),
                       portal_config.options)
    with pytest.raises(PortalError) as caught:
        PortalClient(bad).login()
    assert "hunter2" not in str(caught.value) and "hunter2" not in repr(bad)
