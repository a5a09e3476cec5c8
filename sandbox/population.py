"""National Population Database simulator (CSDLQG về dân cư): SOAP 1.1, document/literal.

GET  {base}/population?wsdl   the WSDL (sandbox/wsdl/population.wsdl, address rewritten to this server)
POST {base}/population        XacThucThongTinCongDan (verify ID + name -> TonTai)
                              XacMinhThongTinNhanThan (full record -> CongdanCollection/CongDan)
                              XacThucThongTinCongDanTheoLo (batch of <= 100 verifications; invented)
Citizens are a pure function of their personal ID (sandbox.people); a fixed share of well-formed
IDs is not registered. Client faults: malformed ID (single calls), duplicate MaYeuCau, unknown
service code, missing metadata, oversized batch, DTD/entities in the request.
"""
from __future__ import annotations

import re
import threading
import unicodedata
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response

from mappings.timeparse import LOCAL_ZONE

from . import people
from .defects import DefectInjector, RecordShape, keyed_unit
from .faults import FaultSwitches
from .http import iso
from .ledger import Ledger
from .old_units import old_communes
from .scenario import Scenario
from .soap import XML_CONTENT_TYPE, SoapFault, append, child, child_text, fault_response, local_name, parse_body, soap_response

SYSTEM = "population_db"
WSDL_PATH = Path(__file__).parent / "wsdl" / "population.wsdl"
NS_DC = "http://dancuquocgia.bca"
NS_QLDC = "http://gtel.vn/qldc"
NS_DANCU = "http://www.mic.gov.vn/dancu/1.0"
NS_EXT = "http://dancuquocgia.bca/mo-rong"  # where fields added after the WSDL arrive (schema drift)
for _prefix, _ns in (("dc", NS_DC), ("qldc", NS_QLDC), ("dancu", NS_DANCU), ("mr", NS_EXT)):
    ET.register_namespace(_prefix, _ns)

# Service codes seen in the sources (population_db.md 3.1): 033 on verification, 037 on lookup.
VERIFY_SERVICE_CODES = frozenset({"033"})
LOOKUP_INTEGRATION_CODES = frozenset({"037"})
MAX_BATCH = 100
RESULT_FOUND, RESULT_NOT_FOUND, RESULT_MALFORMED_ID = "00", "01", "02"
ETHNIC_MINORITIES = ("02", "03", "04", "05", "06", "07", "08", "09", "10")  # GSO list; 01 = Kinh

CONGDAN_SHAPE = RecordShape(
    id_fields=("SoDinhDanh",),
    name_fields=("HoVaTen.Ho", "HoVaTen.ChuDem", "HoVaTen.Ten"),
    date_field="NgayThangNamSinh.NgayThangNam",
    format_date=lambda d: d.strftime("%Y%m%d"),
    mandatory=("HoVaTen", "GioiTinh", "NgayThangNamSinh"),
    drift_add={f"{{{NS_EXT}}}MucDoDinhDanhDienTu": "2"},
)


def same_name(a: str | None, b: str | None) -> bool:
    """Names compare after NFC, whitespace folding and case folding (diacritics still matter)."""
    def norm(text):
        return " ".join(unicodedata.normalize("NFC", text or "").split()).casefold()

    return bool(a) and norm(a) == norm(b)


def birth_matches(given: str, birth: date) -> bool:
    """``given`` is yyyyMMdd or a year alone (population_db.md 3.1)."""
    if re.fullmatch(r"\d{8}", given):
        return given == birth.strftime("%Y%m%d")
    return re.fullmatch(r"\d{4}", given) is not None and int(given) == birth.year


class PopulationService:
    def __init__(self, scenario: Scenario, switches: FaultSwitches, ledger: Ledger):
        options = scenario.system(SYSTEM)
        self.missing_share = float(options.get("missing_share", 0.03))
        self.unsplit_name_share = float(options.get("unsplit_name_share", 0.1))
        self.today = scenario.as_of.date()
        self.data_time = iso(scenario.as_of.replace(tzinfo=LOCAL_ZONE))
        self.switches = switches
        self.ledger = ledger
        self.injector = DefectInjector(SYSTEM, switches, ledger, CONGDAN_SHAPE, self.today)
        self._request_ids: set[str] = set()
        self._lock = threading.Lock()
        self.operations = {
            "XacThucThongTinCongDanRequest": self.verify,
            "XacMinhThongTinNhanThanRequest": self.lookup,
            "XacThucThongTinCongDanTheoLoRequest": self.verify_batch,
        }

    # --- dispatch and shared checks -------------------------------------------------------------
    def handle(self, request_element):
        operation = self.operations.get(local_name(request_element))
        if operation is None:
            raise SoapFault("Client", f"Không hỗ trợ thao tác {local_name(request_element)}", "THAO_TAC_KHONG_HO_TRO")
        if self.switches.roll("soap_fault"):
            # Before MaYeuCau is consumed: the client may retry with the same request ID.
            self.ledger.fault(SYSTEM, "soap_fault")
            raise SoapFault("Server", "Hệ thống CSDLQG về dân cư đang bận, vui lòng thử lại sau", "HE_THONG_BAN")
        return operation(request_element)

    def _require(self, element, *names: str) -> dict[str, str]:
        values = {name: child_text(element, name) for name in names}
        missing = [name for name, value in values.items() if not value]
        if missing:
            raise SoapFault("Client", f"Thiếu tham số bắt buộc: {', '.join(missing)}", "THIEU_THAM_SO")
        return values

    def _claim_request_id(self, request_id: str) -> None:
        with self._lock:
            if request_id in self._request_ids:
                raise SoapFault("Client", f"Mã yêu cầu {request_id} đã được sử dụng", "TRUNG_MA_YEU_CAU")
            self._request_ids.add(request_id)

    def _check_code(self, value: str, known: frozenset, name: str) -> None:
        if value not in known:
            raise SoapFault("Client", f"{name} không hợp lệ: {value}", "MA_DICH_VU_KHONG_HOP_LE")

    def _check_id(self, personal_id: str) -> None:
        if not people.valid_personal_id(personal_id, self.today):
            raise SoapFault("Client", f"Số định danh không hợp lệ: {personal_id}", "SO_DINH_DANH_KHONG_HOP_LE")

    def registered(self, personal_id: str) -> people.Citizen | None:
        if not people.valid_personal_id(personal_id, self.today):
            return None
        if not people.in_population_db(personal_id, self.missing_share):
            return None
        return people.citizen(personal_id)

    # --- operations -----------------------------------------------------------------------------
    def verify(self, element):
        meta = self._require(element, "MaYeuCau", "MaDichVu", "MaCanBo", "SoDinhDanh", "HoVaTen")
        self._check_code(meta["MaDichVu"], VERIFY_SERVICE_CODES, "MaDichVu")
        self._check_id(meta["SoDinhDanh"])
        self._claim_request_id(meta["MaYeuCau"])
        person = self.registered(meta["SoDinhDanh"])
        self.ledger.served(SYSTEM, "xac_thuc", [meta["SoDinhDanh"]])
        found = person is not None and same_name(meta["HoVaTen"], person.full_name)
        reply = {"MaYeuCau": meta["MaYeuCau"], "TonTai": found}
        return lambda body: append(body, NS_DC, "KetQuaXacThucResponse", reply)

    def verify_batch(self, element):
        meta = self._require(element, "MaYeuCau", "MaDichVu", "MaCanBo")
        self._check_code(meta["MaDichVu"], VERIFY_SERVICE_CODES, "MaDichVu")
        listing = child(element, "DanhSach")
        items = [node for node in (listing if listing is not None else []) if local_name(node) == "CongDan"]
        if not items:
            raise SoapFault("Client", "Danh sách công dân cần xác thực trống", "THIEU_THAM_SO")
        if len(items) > MAX_BATCH:
            raise SoapFault("Client", f"Tối đa {MAX_BATCH} công dân mỗi lần gọi (nhận {len(items)})", "VUOT_QUA_SO_LUONG")
        self._claim_request_id(meta["MaYeuCau"])
        results = [self._verify_item(n, item) for n, item in enumerate(items, start=1)]
        self.ledger.served(SYSTEM, "xac_thuc", [r["SoDinhDanh"] for r in results])
        reply = {"MaYeuCau": meta["MaYeuCau"], "SoLuong": len(results), "KetQua": results}
        return lambda body: append(body, NS_DC, "KetQuaXacThucTheoLoResponse", reply)

    def _verify_item(self, number: int, item) -> dict:
        personal_id = child_text(item, "SoDinhDanh") or ""
        name = child_text(item, "HoVaTen")
        birth = child_text(item, "NgayThangNamSinh")
        result = {"STT": number, "SoDinhDanh": personal_id}
        if not people.valid_personal_id(personal_id, self.today):
            return result | {"MaKetQua": RESULT_MALFORMED_ID, "MoTa": "Số định danh không hợp lệ",
                             "TonTai": False, "KhopHoTen": False}
        person = self.registered(personal_id)
        if person is None:
            return result | {"MaKetQua": RESULT_NOT_FOUND, "MoTa": "Không tìm thấy công dân",
                             "TonTai": False, "KhopHoTen": False}
        return result | {
            "MaKetQua": RESULT_FOUND,
            "MoTa": "Tìm thấy công dân",
            "TonTai": True,
            "KhopHoTen": same_name(name, person.full_name),
            "KhopNgaySinh": birth_matches(birth, person.birth_date) if birth else None,
        }

    def lookup(self, element):
        meta = self._require(element, "MaYeuCau", "MaDVC", "MaTichHop", "MaDonVi", "MaCanBo", "SoDinhDanh")
        self._check_code(meta["MaTichHop"], LOOKUP_INTEGRATION_CODES, "MaTichHop")
        self._check_id(meta["SoDinhDanh"])
        self._claim_request_id(meta["MaYeuCau"])
        person = self.registered(meta["SoDinhDanh"])
        name, birth = child_text(element, "HoVaTen"), child_text(element, "NgayThangNamSinh")
        note = "Tìm thấy công dân"
        if person is None:
            note = "Không tìm thấy công dân"
        elif (name and not same_name(name, person.full_name)) or (birth and not birth_matches(birth, person.birth_date)):
            person, note = None, "Thông tin tra cứu không khớp với dữ liệu dân cư"
        records = []
        if person is not None:
            records.append(self.injector.apply(self.congdan(person), person.personal_id))
            self.ledger.served(SYSTEM, "cong_dan", [person.personal_id])
        collection = {"CongDan": records}

        def build(body):
            response = ET.SubElement(body, f"{{{NS_QLDC}}}XacMinhThongTinNhanThanResponse")
            node = ET.SubElement(response, f"{{{NS_DANCU}}}CongdanCollection", {
                "SoCongDan": str(len(records)), "GhiChu": note, "ThoiDiemDuLieu": self.data_time,
                "id": meta["MaYeuCau"]})
            for key, value in collection.items():
                append(node, NS_DANCU, key, value)

        return build

    # --- the record -----------------------------------------------------------------------------
    def congdan(self, person: people.Citizen) -> dict:
        pid = person.personal_id
        if keyed_unit("unsplit", pid) < self.unsplit_name_share:
            name = {"Ho": "", "ChuDem": "", "Ten": person.full_name}  # some replies carry the whole name in Ten
        else:
            name = {"Ho": person.family_name, "ChuDem": person.middle_name, "Ten": person.given_name}
        year_only = person.birth_date.year < 1960 and keyed_unit("year-only", pid) < 0.3
        birth_place = old_province(person.birth_province_old)
        home = people.permanent_residence(pid)
        father, mother = people.parent_names(pid)
        age = self.today.year - person.birth_date.year
        return {
            "SoDinhDanh": pid,
            "SoCMND": people.old_id_card(pid),
            "HoVaTen": name,
            "GioiTinh": str(person.sex),
            "DanToc": "01" if keyed_unit("ethnic", pid) < 0.85 else ETHNIC_MINORITIES[int(keyed_unit("e", pid) * 9)],
            "TonGiao": "00",
            "TinhTrangHonNhan": "2" if age >= 25 and keyed_unit("married", pid) < 0.7 else "1",
            "NhomMau": "00",
            "NgayThangNamSinh": {"Nam": str(person.birth_date.year),
                                 "NgayThangNam": None if year_only else person.birth_date.strftime("%Y%m%d")},
            "NoiDangKyKhaiSinh": birth_place,
            "QueQuan": birth_place,
            "ThuongTru": address(home, people.street_detail(pid)),
            "NoiOHienTai": address(home, people.street_detail(pid)),
            "QuocTich": "VN",
            "Cha": {"HoVaTen": father, "QuocTich": "VN"},
            "Me": {"HoVaTen": mother, "QuocTich": "VN"},
            "ChuHo": {"QuanHe": "01", "SoDinhDanh": pid, "HoVaTen": person.full_name},
        }


def old_province(code: str) -> dict:
    return {"MaTinhThanh": code, "TenTinhThanh": old_communes(code)[0].province_name, "QuocGia": "VN"}


def address(commune, detail: str) -> dict:
    """A pre-merger 2/3/5-digit address (population_db.md section 4)."""
    return {
        "MaTinhThanh": commune.province_code,
        "MaQuanHuyen": commune.district_code,
        "MaPhuongXa": commune.code,
        "TenTinhThanh": commune.province_name,
        "TenQuanHuyen": commune.district_name,
        "TenPhuongXa": commune.name,
        "ChiTiet": f"{detail}, {commune.name}, {commune.district_name}, {commune.province_name}",
        "QuocGia": "VN",
    }


def wsdl_text(location: str) -> str:
    text = WSDL_PATH.read_text(encoding="utf-8")
    return re.sub(r'(<soap:address location=")[^"]*(")', rf"\g<1>{location}\g<2>", text)


def create_population_app(scenario: Scenario, switches: FaultSwitches, ledger: Ledger) -> FastAPI:
    service = PopulationService(scenario, switches, ledger)
    app = FastAPI(title="CSDLQG về dân cư simulator", description=__doc__, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.service = service

    @app.get("/population")
    async def wsdl(request: Request):
        if "wsdl" not in {k.lower() for k in request.query_params}:
            return PlainTextResponse("Dịch vụ SOAP: GET ?wsdl để lấy mô tả dịch vụ", status_code=400)
        location = f"{str(request.base_url).rstrip('/')}/population"
        return Response(wsdl_text(location), media_type=XML_CONTENT_TYPE)

    @app.post("/population")
    async def call(request: Request):
        try:
            build = service.handle(parse_body(await request.body()))
        except SoapFault as fault:
            return fault_response(fault, NS_DC)
        return soap_response(build)

    return app
