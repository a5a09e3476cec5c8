"""``LayThuTuc`` packages: the catalogue (catalogue.py) in the portal's section-6 shape.

Keys and nesting follow dvc_portal.md section 6. Simulator extensions, absent from the real
packages: ``CSDL_THAYTHE`` on each component (the national or sectoral database that can
replace it, or null) and ``MUCDO`` (the level of online service in one commune, only when
the caller names the commune with ``maxa``).
"""
from __future__ import annotations

from .catalogue import DATABASES, GENERAL_CASE, LEVELS, PERFORMING_LEVELS, Procedure, level_at

CHANNELS = {"1": "Trực tiếp", "2": "Trực tuyến", "3": "Dịch vụ bưu chính"}
ONLINE_FEE_SHARE = 0.5  # online filing pays half the fee (the incentive many provinces adopted)


def procedure_code(procedure: Procedure, agency: str) -> str:
    return procedure.code.replace("H00", agency)


def summary(procedure: Procedure, agency: str) -> dict:
    """One ``LayDanhSachTTHC`` row."""
    return {"MATTHC": procedure_code(procedure, agency), "TENTTHC": procedure.name,
            "MALINHVUC": procedure.field_code, "TENLINHVUC": procedure.field_name}


def package(procedure: Procedure, agency: str, commune: str | None = None) -> dict:
    code = procedure_code(procedure, agency)
    cases = procedure.cases or ((GENERAL_CASE, tuple(c.code for c in procedure.components)),)
    components = {c.code: c for c in procedure.components}
    body = {
        "ID": code.split(".")[1],
        "MATTHC": code,
        "TENTTHC": procedure.name,
        "MACOQUANCONGBO": agency,
        "QUYETDINH": f"Quyết định công bố TTHC {code.split('.')[1]}",
        "IDQUYETDINHCONGBO": code.split(".")[1],
        "LOAITTHC": "1",
        "TRANGTHAI": "1",
        "CAPTHUCHIEN": [{"CAPTHUCHIEN": str(level), "TENCAP": PERFORMING_LEVELS[level]} for level in procedure.performed_by],
        "LINHVUCTHUCHIEN": [{"MALINHVUC": procedure.field_code, "TENLINHVUC": procedure.field_name}],
        "TRINHTUTHUCHIEN": [{"TRUONGHOP": case, "TRINHTU": _steps(procedure)} for case, _ in cases],
        "CACHTHUCTHUCHIEN": [_channel(procedure, channel) for channel in _channels(procedure)],
        "THANHPHANHOSO": [{"TRUONGHOP": case, "GIAYTO": [_component(components[c]) for c in codes]}
                          for case, codes in cases],
        "DOITUONGTHUCHIEN": [{"MADOITUONG": "1", "TENDOITUONG": "Công dân Việt Nam"}],
        "MOTADOITUONGTHUCHIEN": "Công dân Việt Nam",
        "KETQUATHUCHIEN": ([{"MAKETQUA": f"KQ-{code.split('.')[0]}.{code.split('.')[1]}", "TENKETQUA": procedure.result,
                             "TENTEP": "", "URL": ""}] if procedure.result else []),
        "CANCUPHAPLY": [{"SOVANBAN": procedure.legal_basis.split(" số ")[-1], "TENVANBAN": procedure.legal_basis,
                         "COQUANBANHANH": "Quốc hội" if "/QH" in procedure.legal_basis else "Chính phủ",
                         "NGAYBANHANH": "", "NGAYHIEULUC": "", "DIACHITRUYCAP": ""}],
        "COQUANTHUCHIEN": [{"MADONVI": agency, "TENDONVI": "Ủy ban nhân dân cấp xã" if 3 in procedure.performed_by
                            else "Ủy ban nhân dân cấp tỉnh"}],
        "COQUANCOTHAMQUYEN": [], "COQUANDUOCUYQUYEN": [], "COQUANPHOIHOP": [],
        "YEUCAU": "", "TUKHOA": procedure.field_name, "MOTA": procedure.name,
        "DIACHITIEPNHAN": "Bộ phận Một cửa", "TTHCLIENQUAN": [], "TTHCLIENTHONG": [],
    }
    if commune:
        level = level_at(procedure, commune)
        body["MUCDO"] = str(level)
        body["TENMUCDO"] = LEVELS[level]
    return body


def _channels(procedure: Procedure) -> tuple[str, ...]:
    return ("1", "2", "3") if procedure.level >= 3 else ("1", "3")


def _steps(procedure: Procedure) -> list[dict]:
    steps = ["Nộp hồ sơ", "Tiếp nhận và kiểm tra hồ sơ", "Giải quyết hồ sơ"]
    if procedure.result:
        steps.append("Trả kết quả")
    return [{"TENTRINHTU": step} for step in steps]


def _channel(procedure: Procedure, channel: str) -> dict:
    fee = procedure.fee * (ONLINE_FEE_SHARE if channel == "2" else 1)
    fees = [{"MAPHILEPHI": f"LP-{procedure.field_code}", "SOTIEN": str(int(fee)), "DONVI": "Đồng",
             "MOTA": "Lệ phí", "TENTEP": "", "URL": ""}] if procedure.fee else []
    return {"KENH": channel, "TENKENH": CHANNELS[channel], "THOIGIAN": [{
        "THOIGIANGIAIQUYET": str(procedure.processing_days), "DONVITINH": "Ngày làm việc",
        "MOTA": f"{procedure.processing_days} ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ", "PHILEPHI": fees}]}


def _component(component) -> dict:
    database = component.replaceable_by
    return {
        "MAGIAYTO": component.code, "TENGIAYTO": component.name, "TENMAUDON": "", "URL": "",
        "SOBANCHINH": str(component.originals), "SOBANSAO": str(component.copies),
        "MA_KQ_THAYTHE": component.replacing_result,
        "CSDL_THAYTHE": {"MACSDL": database, "TENCSDL": DATABASES[database]} if database else None,
    }
