"""Catalogue, LGSP proxy, reporting and clock of the portal simulator, consistent with its dossiers."""
from __future__ import annotations

import json
from datetime import datetime

import pytest

from connectors.dvc_portal import DvcPortalConnector, PortalClient
from sandbox import catalogue
from sandbox.catalogue import PROCEDURES, level_at
from sandbox.stack import SandboxStack
from tests.sandbox_helpers import call, config_of, control, login
from tests.truth import online_counts_by_province, served_records


@pytest.fixture(scope="module")
def stack():
    with SandboxStack("demo") as running:
        yield running


def test_the_catalogue_lists_procedures_and_serves_full_packages_with_replacing_databases(stack):
    session = login(stack)
    listed = call(stack, session, service="LayDanhSachTTHC", matinh="H52").json()["result"]
    assert [row["MATTHC"] for row in listed] == [p.code.replace("H00", "H52") for p in PROCEDURES]
    for procedure, row in zip(PROCEDURES, listed):
        package = call(stack, session, service="LayThuTuc", maTTHC=row["MATTHC"]).json()["result"][0]
        assert package["MATTHC"] == row["MATTHC"] and package["LINHVUCTHUCHIEN"][0]["MALINHVUC"] == procedure.field_code
        assert {"THANHPHANHOSO", "CACHTHUCTHUCHIEN", "CAPTHUCHIEN", "KETQUATHUCHIEN", "TRINHTUTHUCHIEN"} <= set(package)
        components = {g["MAGIAYTO"]: g for case in package["THANHPHANHOSO"] for g in case["GIAYTO"]}
        assert set(components) == {c.code for c in procedure.components}
        for component in procedure.components:
            replacing = components[component.code]["CSDL_THAYTHE"]
            assert (replacing or {}).get("MACSDL") == component.replaceable_by
            assert {"SOBANCHINH", "SOBANSAO", "MA_KQ_THAYTHE", "TENGIAYTO"} <= set(components[component.code])
        channels = {c["KENH"]: c for c in package["CACHTHUCTHUCHIEN"]}
        assert all(t["THOIGIANGIAIQUYET"] == str(procedure.processing_days) for c in channels.values() for t in c["THOIGIAN"])
        assert bool(package["KETQUATHUCHIEN"]) == bool(procedure.result)
    assert any(len(call(stack, session, service="LayThuTuc", maTTHC=p.code).json()["result"][0]["THANHPHANHOSO"]) > 1
               for p in PROCEDURES), "some procedures have several cases"
    assert call(stack, session, service="LayThuTuc", maTTHC="9.999999.000.00.00.H52").json()["error_code"] == -1


def test_dossier_components_and_online_filing_agree_with_the_catalogue_and_commune_levels(stack):
    for record in served_records(stack):
        procedure = catalogue.find(record["MaTTHC"])
        assert {d["MaThanhPhanHoSo"] for d in record["TaiLieuNop"]} == {c.code for c in procedure.components}
        if record["KenhThucHien"] == "2":
            assert level_at(procedure, record["MaXa"]) >= 3, "no online dossier where the procedure is information-only"


def test_the_level_of_a_procedure_varies_by_commune(stack):
    session = login(stack)
    communes = [c for c in stack.portal_app.state.data.provinces["H26"].communes]
    procedure = next(p for p in PROCEDURES if p.level == 3)
    levels = {call(stack, session, service="LayThuTuc", maTTHC=procedure.code, maxa=c).json()["result"][0]["MUCDO"]
              for c in communes}
    assert {"2", "3", "4"} <= levels


def test_the_lgsp_proxy_double_encodes_the_reply_and_the_hub_client_reads_it(stack, portal_config):
    session = login(stack)
    direct = call(stack, session, service="LayThuTuc", maTTHC=PROCEDURES[0].code).json()
    proxied = call(stack, session, path="/lgsp/integration", service="LayThuTuc", maTTHC=PROCEDURES[0].code).json()
    assert set(proxied) == {"message"} and json.loads(proxied["message"]) == direct
    portal_config.options["integration_endpoint"] = "/lgsp/integration"
    client = PortalClient(portal_config)
    assert client.call("LayThuTuc", maTTHC=PROCEDURES[0].code)["result"][0]["MATTHC"] == PROCEDURES[0].code


def _report(stack, criterion: str, **body) -> dict:
    import requests

    url = stack.endpoints["dvc_portal"]["url"]
    response = requests.post(f"{url}/api/v1/reporting/evaluation/{criterion}", json=body, timeout=30)
    response.raise_for_status()
    return response.json()


def test_provide_online_tree_matches_a_count_of_the_records_and_keeps_null_apart_from_zero(stack):
    scenario = stack.scenario
    truth = online_counts_by_province(stack, scenario.period_start, scenario.period_end)
    tree = _report(stack, "provide-online-tree", fromDate="2025-07-01", toDate="2025-08-19")["data"]
    children = {child["code"]: child for child in tree["children"]}
    assert len(children) == 34
    codes = {p.dvcqg_code: p.code for p in stack.portal_app.state.portal.units.provinces.values()}
    for hxx, child in children.items():
        if codes[hxx] in truth:
            received, online = truth[codes[hxx]]
            assert (child["channelTotalSum"], child["channelOnlineSum"]) == (received, online)
            assert child["channelOnlineSum"] + child["channelDirectSum"] + child["channelPostalSum"] == received
            assert child["ratio"] == round(100 * online / received, 2)
        else:
            assert child["channelTotalSum"] is None and child["ratio"] is None
    assert tree["parent"]["channelTotalSum"] == sum(r for r, _ in truth.values())
    july = _report(stack, "provide-online-tree", timeType="month", year=2025, month=7)["data"]["parent"]
    assert 0 < july["channelTotalSum"] < tree["parent"]["channelTotalSum"]
    empty = _report(stack, "provide-online-tree", timeType="month", year=2024, month=1)["data"]["parent"]
    assert empty["channelTotalSum"] == 0 and empty["ratio"] is None


def test_digitisation_and_transparency_metrics_count_the_same_dossiers(stack):
    records = [r for _, r in stack.portal_app.state.data.records_of("H52") if r["NgayTiepNhan"]]  # received
    digitised = sum(r["HoSoCoThanhPhanSoHoa"] == "1" for r in records)
    reused = sum(any(d["DuocTaiSuDung"] == "1" for d in r["TaiLieuNop"]) for r in records)
    report = _report(stack, "dossier-digitized", rootDepartmentId="H52")["data"]["overview"]
    metrics = {m["code"]: m for m in report["metrics"]}
    assert metrics["SO_HOA_GIAY_TO_GIAI_QUYET"]["numerator"] == digitised
    assert metrics["REUSED_DIGITIZED_DATA"]["numerator"] == reused
    assert metrics["SO_HOA_GIAY_TO_GIAI_QUYET"]["denominator"] == len(records)
    undated = sum(1 for _, r in stack.portal_app.state.data.records_of("H52") if not r["NgayNopHoSo"])
    sync = {m["code"]: m for m in _report(stack, "transparency", rootDepartmentId="H52")["data"]["overview"]["metrics"]}
    assert sync["DOSSIER_SYNC"]["denominator"] - sync["DOSSIER_SYNC"]["numerator"] == undated
    assert sync["DOSSIER_SYNC"]["dataQualityStatus"] == ("WARNING" if undated else "OK")


def test_an_advancing_clock_makes_the_next_incremental_sync_see_updates_not_only_inserts():
    with SandboxStack("demo") as moving:
        portal_config = config_of(moving, page_size=1000)
        control(moving, "/clock", {"as_of": "2025-07-20T12:00:00"})
        first = DvcPortalConnector(portal_config, clock=lambda: datetime(2025, 7, 20, 12))
        before = {r["MaHoSo"]: r for b in first.read("dossiers", "H26", None) for r in b.records}
        assert max(r["NgayCapNhat"] for r in before.values()) <= "20250720120000"
        control(moving, "/clock", {"advance_seconds": 2 * 86_400})
        second = DvcPortalConnector(portal_config, clock=lambda: datetime(2025, 7, 22, 12))
        after = [r for b in second.read("dossiers", "H26", "20250720120000") for r in b.records]
        updated = [r for r in after if r["MaHoSo"] in before and r["TrangThaiHoSo"] != before[r["MaHoSo"]]["TrangThaiHoSo"]]
        inserted = [r for r in after if r["MaHoSo"] not in before]
        assert updated and inserted
        assert all("20250720060000" <= r["NgayCapNhat"] <= "20250722120000" for r in after)


def test_the_watermark_is_the_portals_latest_update_so_a_hub_clock_ahead_of_the_portal_skips_nothing():
    with SandboxStack("demo") as moving:
        portal_config = config_of(moving, page_size=1000)
        control(moving, "/clock", {"as_of": "2025-07-20T12:00:00"})
        hub_a_year_ahead = DvcPortalConnector(portal_config, clock=lambda: datetime(2026, 7, 20, 12))
        first = list(hub_a_year_ahead.read("dossiers", "H26", None))
        latest = max(r["NgayCapNhat"] for b in first for r in b.records)
        assert first[-1].checkpoint.position.watermark == latest <= "20250720120000"
        control(moving, "/clock", {"advance_seconds": 86_400})
        second = list(hub_a_year_ahead.read("dossiers", "H26", first[-1].checkpoint.value))
        assert any(r["NgayCapNhat"] > "20250720120000" for b in second for r in b.records)
        assert second[-1].checkpoint.position.watermark > latest
        control(moving, "/clock", {"as_of": "2025-07-19T12:00:00"})  # nothing new: the watermark stays
        third = list(hub_a_year_ahead.read("dossiers", "H26", second[-1].checkpoint.value))
        assert third[-1].checkpoint.value == second[-1].checkpoint.value


def test_the_committed_openapi_document_is_current():
    from pathlib import Path

    import sandbox

    committed = json.loads((Path(sandbox.__file__).parent / "openapi" / "dvc_portal.json").read_text(encoding="utf-8"))
    current = json.loads(json.dumps(SandboxStack("demo").portal_app.openapi()))
    assert committed == current, "regenerate sandbox/openapi/dvc_portal.json from create_portal_app(...).openapi()"
