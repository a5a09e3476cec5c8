"""The population-DB simulator answers zeep, the hub's SOAP client, the way the real service would."""
from __future__ import annotations

import itertools
import random
import re
import unicodedata
from datetime import date

import pytest
import requests
import zeep
from zeep.exceptions import Fault
from zeep.helpers import serialize_object

from sandbox import people
from sandbox.population import CONGDAN_SHAPE, MAX_BATCH, NS_EXT, WSDL_PATH
from tests.sandbox_faults import assert_exactly_these_changed, defect_visible, switched_on
_request_ids = itertools.count(1)


def request_id() -> str:
    return f"TEST-{next(_request_ids):06d}"


def generated_ids(count: int, registered: bool, seed: int = 7) -> list[str]:
    rng, found = random.Random(seed), []
    while len(found) < count:
        pid = people.random_adult_id(rng, ["01", "14", "34", "79"])
        if people.in_population_db(pid) == registered:
            found.append(pid)
    return found


@pytest.fixture(scope="module")
def client(sandbox) -> zeep.Client:
    return zeep.Client(sandbox.endpoints["population_db"]["options"]["wsdl"])


def verify(client, personal_id: str, name: str, **overrides):
    args = dict(MaYeuCau=request_id(), MaDichVu="033", MaCanBo="VDXP_TEST", SoDinhDanh=personal_id, HoVaTen=name)
    return client.service.XacThucThongTinCongDan(**(args | overrides))


def lookup(client, personal_id: str, **overrides):
    args = dict(MaYeuCau=request_id(), MaDVC="VPCP", MaTichHop="037", MaDonVi="T01", MaCanBo="HUB",
                SoDinhDanh=personal_id)
    return client.service.XacMinhThongTinNhanThan(**(args | overrides))


def verify_batch(client, items: list[dict], **overrides):
    args = dict(MaYeuCau=request_id(), MaDichVu="033", MaCanBo="HUB", DanhSach={"CongDan": items})
    return client.service.XacThucThongTinCongDanTheoLo(**(args | overrides))


def test_the_wsdl_is_served_by_the_app_and_is_the_committed_file(sandbox):
    served = requests.get(sandbox.endpoints["population_db"]["options"]["wsdl"], timeout=10).text
    committed = WSDL_PATH.read_text(encoding="utf-8")
    address = re.compile(r'<soap:address location="[^"]*"/>')
    assert address.sub("", served) == address.sub("", committed)
    assert f'location="{sandbox.endpoints["population_db"]["url"]}"' in served


def test_verification_says_a_citizen_exists_only_when_id_and_name_match(client):
    pid = generated_ids(1, registered=True)[0]
    person = people.citizen(pid)
    assert verify(client, pid, person.full_name).TonTai is True
    assert verify(client, pid, unicodedata.normalize("NFD", person.full_name.upper())).TonTai is True
    assert verify(client, pid, "Tên Khác Hẳn").TonTai is False
    unregistered = generated_ids(1, registered=False)[0]
    assert verify(client, unregistered, people.citizen(unregistered).full_name).TonTai is False


def test_lookup_returns_the_full_record_with_pre_merger_address_codes(client):
    pid = generated_ids(1, registered=True, seed=11)[0]
    person = people.citizen(pid)
    collection = lookup(client, pid)
    assert collection.SoCongDan == 1 and collection.ThoiDiemDuLieu.year == 2025
    record = collection.CongDan[0]
    assert record.SoDinhDanh == pid
    name = record.HoVaTen
    assert " ".join(p for p in (name.Ho, name.ChuDem, name.Ten) if p) == person.full_name
    assert record.GioiTinh == str(person.sex)
    assert record.NgayThangNamSinh.Nam == str(person.birth_date.year)
    home = record.ThuongTru
    assert re.fullmatch(r"\d{2}", home.MaTinhThanh) and re.fullmatch(r"\d{3}", home.MaQuanHuyen)
    assert re.fullmatch(r"\d{5}", home.MaPhuongXa) and home.TenPhuongXa and home.ChiTiet
    assert record.Cha.HoVaTen.split()[0] == person.family_name
    assert unicodedata.is_normalized("NFC", name.Ten)


def test_lookup_of_an_unregistered_or_mismatching_citizen_returns_an_empty_collection(client):
    unregistered = generated_ids(1, registered=False)[0]
    assert lookup(client, unregistered).SoCongDan == 0
    pid = generated_ids(1, registered=True)[0]
    mismatch = lookup(client, pid, HoVaTen="Không Phải Người Này")
    assert mismatch.SoCongDan == 0 and not mismatch.CongDan


def test_batch_verification_answers_each_item_with_flags_and_a_result_code(client):
    found, other = generated_ids(2, registered=True, seed=3)
    missing = generated_ids(1, registered=False, seed=3)[0]
    a, b = people.citizen(found), people.citizen(other)
    reply = verify_batch(client, [
        {"SoDinhDanh": found, "HoVaTen": a.full_name, "NgayThangNamSinh": a.birth_date.strftime("%Y%m%d")},
        {"SoDinhDanh": other, "HoVaTen": "Sai Tên", "NgayThangNamSinh": str(b.birth_date.year + 1)},
        {"SoDinhDanh": missing, "HoVaTen": "Ai Đó"},
        {"SoDinhDanh": "12345", "HoVaTen": "Ai Đó"},
    ])
    assert reply.SoLuong == 4
    first, second, third, fourth = reply.KetQua
    assert (first.MaKetQua, first.TonTai, first.KhopHoTen, first.KhopNgaySinh) == ("00", True, True, True)
    assert (second.MaKetQua, second.TonTai, second.KhopHoTen, second.KhopNgaySinh) == ("00", True, False, False)
    assert (third.MaKetQua, third.TonTai) == ("01", False)
    assert (fourth.MaKetQua, fourth.TonTai) == ("02", False)


def test_a_batch_over_the_limit_is_refused_with_a_fault(client):
    pid = generated_ids(1, registered=True)[0]
    with pytest.raises(Fault, match="Tối đa"):
        verify_batch(client, [{"SoDinhDanh": pid, "HoVaTen": "X"}] * (MAX_BATCH + 1))


@pytest.mark.parametrize("bad_id", ["12345", "0010850123456", "00108501234A", "099085012345", "001985012345"])
def test_malformed_ids_in_single_calls_raise_a_soap_fault(client, bad_id):
    with pytest.raises(Fault, match="Số định danh không hợp lệ"):
        verify(client, bad_id, "Ai Đó")
    with pytest.raises(Fault, match="Số định danh không hợp lệ"):
        lookup(client, bad_id)


def test_a_reused_request_id_raises_a_soap_fault(client):
    pid = generated_ids(1, registered=True)[0]
    verify(client, pid, "X", MaYeuCau="DUP-1")
    with pytest.raises(Fault, match="đã được sử dụng") as raised:
        lookup(client, pid, MaYeuCau="DUP-1")
    assert raised.value.code.endswith("Client")


def test_unknown_service_codes_raise_a_soap_fault(client):
    pid = generated_ids(1, registered=True)[0]
    with pytest.raises(Fault, match="MaDichVu"):
        verify(client, pid, "X", MaDichVu="999")
    with pytest.raises(Fault, match="MaTichHop"):
        lookup(client, pid, MaTichHop="999")


ENTITY_PAYLOADS = {
    "billion_laughs": """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:dc="http://dancuquocgia.bca">
<soap:Body><dc:XacThucThongTinCongDanRequest><dc:MaYeuCau>E1</dc:MaYeuCau><dc:MaDichVu>033</dc:MaDichVu>
<dc:MaCanBo>x</dc:MaCanBo><dc:SoDinhDanh>001085012345</dc:SoDinhDanh><dc:HoVaTen>&lol3;</dc:HoVaTen>
</dc:XacThucThongTinCongDanRequest></soap:Body></soap:Envelope>""",
    "external_entity": """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:dc="http://dancuquocgia.bca">
<soap:Body><dc:XacThucThongTinCongDanRequest><dc:MaYeuCau>&xxe;</dc:MaYeuCau><dc:MaDichVu>033</dc:MaDichVu>
<dc:MaCanBo>x</dc:MaCanBo><dc:SoDinhDanh>001085012345</dc:SoDinhDanh><dc:HoVaTen>A</dc:HoVaTen>
</dc:XacThucThongTinCongDanRequest></soap:Body></soap:Envelope>""",
}


@pytest.mark.parametrize("payload", ENTITY_PAYLOADS.values(), ids=ENTITY_PAYLOADS.keys())
def test_entity_expansion_and_external_entities_get_a_soap_fault_not_expansion(sandbox, payload):
    reply = requests.post(sandbox.endpoints["population_db"]["url"], data=payload.encode(),
                          headers={"Content-Type": "text/xml; charset=utf-8"}, timeout=10)
    assert reply.status_code == 500
    assert "Fault" in reply.text and "XML_KHONG_AN_TOAN" in reply.text
    assert "lollollol" not in reply.text and "root:" not in reply.text


def test_the_soap_fault_switch_answers_whole_calls_with_a_server_fault_and_counts_them(sandbox, client):
    pid = generated_ids(1, registered=True)[0]
    with switched_on(sandbox, "population_db", "soap_fault", rate=1.0) as ledger:
        for _ in range(3):
            with pytest.raises(Fault, match="đang bận") as raised:
                verify(client, pid, "X", MaYeuCau="RETRY-1")
            assert raised.value.code.endswith("Server")
        assert ledger.faults("population_db") == {"soap_fault": 3}
        assert ledger.keys_served("population_db", "xac_thuc") == set()
    assert verify(client, pid, "X", MaYeuCau="RETRY-1").TonTai is False  # the failed calls did not use up the ID


def _birth_date(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


@pytest.mark.parametrize("defect", ["invalid_id", "unicode_nfd", "future_date", "missing_mandatory", "schema_drift"])
def test_each_data_fault_corrupts_exactly_the_records_the_ledger_names(sandbox, client, defect):
    ids = generated_ids(24, registered=True, seed=5)
    clean = {pid: serialize_object(lookup(client, pid).CongDan[0], dict) for pid in ids}
    with switched_on(sandbox, "population_db", defect) as ledger:
        served = {pid: serialize_object(lookup(client, pid).CongDan[0], dict) for pid in ids}
        hit = ledger.keys_with_defect("population_db", defect)
        assert ledger.keys_served("population_db", "cong_dan") == set(ids)
    assert_exactly_these_changed(hit, served, clean)
    for pid in hit:
        if defect == "schema_drift":
            assert served[pid]["_value_1"][0].tag == f"{{{NS_EXT}}}MucDoDinhDanhDienTu"
        else:
            assert defect_visible(defect, served[pid], CONGDAN_SHAPE, _birth_date)
