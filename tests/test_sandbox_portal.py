"""The portal simulator answers a plain requests client the way the portal's clients expect."""
from __future__ import annotations

import re

import requests

from sandbox.generate import PortalData
from sandbox.scenario import load_scenario


def _login(url: str, username: str, password: str, dstcode: str | None = "DVCQG") -> dict:
    headers = {"dstcode": dstcode} if dstcode else {}
    return requests.post(f"{url}/auth/login", json={"username": username, "password": password},
                         headers=headers, timeout=10).json()


def _call(url: str, session: str, **body) -> dict:
    return requests.post(f"{url}/integration", json={"session": session, "madonvi": "T", **body},
                         headers={"dstcode": "DVCQG"}, timeout=10).json()


def test_login_returns_a_session_and_requires_dstcode_and_credentials(portal_config):
    url, user, password = portal_config.base_url, portal_config.username, portal_config.password.reveal()
    ok = _login(url, user, password)
    assert ok["error_code"] == 0 and ok["session"]
    assert _login(url, user, "wrong")["error_code"] != 0
    assert _login(url, user, password, dstcode=None)["error_code"] != 0


def test_calls_without_a_valid_session_are_refused_with_the_expiry_code(portal_config):
    reply = _call(portal_config.base_url, "not-a-session", service="LayDanhSachTTHC")
    assert reply["error_code"] == -2


def test_dossier_pages_follow_the_portal_conventions_and_cover_every_dossier_once(sandbox, portal_config):
    session = _login(portal_config.base_url, portal_config.username, portal_config.password.reveal())["session"]
    seen, page = [], 1
    while True:
        reply = _call(portal_config.base_url, session, service="LayDanhSachHoSo", matinh="H52",
                      tungay="20250101000000", denngay="20991231000000", trang=str(page), sobanghi="100")
        assert reply["error_code"] == 0
        seen += reply["result"]
        if page * 100 >= int(reply["tongsobanghi"]):
            break
        page += 1
    assert len(seen) == 400 == len({d["MaHoSo"] for d in seen})
    sample = seen[0]
    assert all(isinstance(v, str) for k, v in sample.items() if k not in ("DinhDanhCHS", "TaiLieuNop"))
    assert re.fullmatch(r"\d{14}", sample["NgayCapNhat"])
    assert [d["NgayCapNhat"] for d in seen] == sorted(d["NgayCapNhat"] for d in seen)
    assert sample["MaHoSo"].startswith("H52.")


def test_the_update_window_selects_only_dossiers_updated_inside_it(portal_config):
    session = _login(portal_config.base_url, portal_config.username, portal_config.password.reveal())["session"]
    reply = _call(portal_config.base_url, session, service="LayDanhSachHoSo", matinh="H26",
                  tungay="20250801000000", denngay="20250805000000", trang="1", sobanghi="1000")
    assert reply["result"], "the demo scenario has updates in early August"
    assert all("20250801000000" <= d["NgayCapNhat"] < "20250805000000" for d in reply["result"])


def test_generated_data_is_deterministic_and_meets_the_online_quota_exactly():
    scenario = load_scenario("demo")
    first, second = PortalData(scenario), PortalData(scenario)
    assert first.provinces["H52"].record(123) == second.provinces["H52"].record(123)
    son_la = first.provinces["H52"]
    online = sum(son_la.record(i)["KenhThucHien"] == "2" for i in range(len(son_la)))
    assert online == int(len(son_la) * 0.3337)


def test_unknown_services_and_bad_paging_get_clear_errors(portal_config):
    session = _login(portal_config.base_url, portal_config.username, portal_config.password.reveal())["session"]
    assert _call(portal_config.base_url, session, service="KhongCo")["error_code"] == -1
    bad = _call(portal_config.base_url, session, service="LayDanhSachHoSo", matinh="H52", trang="x")
    assert bad["error_code"] == -1 and "phân trang" in bad["message"]
