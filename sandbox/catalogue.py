"""The simulated procedure catalogue (TTHC) and its ``LayThuTuc`` packages (dvc_portal.md section 6).

Codes follow the portal's shape (<digit>.<6 digits>.000.00.00.<agency>) but are synthetic.
``replaceable_by`` names the national or sectoral database whose data can stand in for a
component (dossier reduction, Resolution 66.7/2025); packages expose it as ``CSDL_THAYTHE``,
a simulator extension the real catalogue does not carry.

The level of online service is not part of a package (section 6, observation c): it is held
per applying unit. ``level_at`` gives it per commune: a procedure may be full-process (4) in
one commune and partial (3) or information-only (2) in another.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass

LEVELS = {2: "Dịch vụ công (không trực tuyến)", 3: "Dịch vụ công trực tuyến một phần",
          4: "Dịch vụ công trực tuyến toàn trình"}
PERFORMING_LEVELS = {0: "Bộ", 1: "Tỉnh", 2: "Huyện", 3: "Xã"}
DATABASES = {"population": "Cơ sở dữ liệu quốc gia về dân cư", "civil_status": "Cơ sở dữ liệu hộ tịch điện tử",
             "land": "Cơ sở dữ liệu đất đai quốc gia", "social_insurance": "Cơ sở dữ liệu quốc gia về bảo hiểm"}
GENERAL_CASE = "Trường hợp chung"


@dataclass(frozen=True)
class Component:
    code: str  # MAGIAYTO
    name: str
    replaceable_by: str | None = None  # key of DATABASES
    originals: int = 1
    copies: int = 0
    replacing_result: str = ""  # MA_KQ_THAYTHE: a result document that replaces the component


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    field_code: str
    field_name: str
    level: int  # 2 information only, 3 partial online, 4 full-process online (the usual level)
    processing_days: int
    weight: float  # share of dossier volume
    components: tuple[Component, ...]
    fee: int = 0  # VND per dossier; 0 = no fee
    performed_by: tuple[int, ...] = (3,)  # CAPTHUCHIEN
    result: str = ""  # result document (KETQUATHUCHIEN); empty = no result document
    cases: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (TRUONGHOP, component codes); () = one general case
    legal_basis: str = "Luật Hộ tịch số 60/2014/QH13"


PROCEDURES: tuple[Procedure, ...] = (
    Procedure("1.001193.000.00.00.H00", "Thủ tục đăng ký khai sinh", "HT", "Hộ tịch", 4, 1, 0.22, (
        Component("GT-TK-KS", "Tờ khai đăng ký khai sinh"),
        Component("GT-GCS", "Giấy chứng sinh"),
        Component("GT-CCCD-CM", "Giấy tờ tùy thân của người đi đăng ký", "population", 1, 0),
        Component("GT-KH", "Giấy chứng nhận kết hôn của cha mẹ", "civil_status", 0, 1, "KQ-1.000894"),
    ), result="Giấy khai sinh", cases=(
        ("Đăng ký khai sinh đúng hạn", ("GT-TK-KS", "GT-GCS", "GT-CCCD-CM", "GT-KH")),
        ("Đăng ký khai sinh cho trẻ bị bỏ rơi", ("GT-TK-KS", "GT-CCCD-CM")),
    )),
    Procedure("1.000894.000.00.00.H00", "Thủ tục đăng ký kết hôn", "HT", "Hộ tịch", 3, 5, 0.08, (
        Component("GT-TK-KH", "Tờ khai đăng ký kết hôn"),
        Component("GT-XNTTHN", "Giấy xác nhận tình trạng hôn nhân", "civil_status"),
        Component("GT-CCCD", "Giấy tờ tùy thân", "population", 1, 0),
    ), result="Giấy chứng nhận kết hôn"),
    Procedure("2.000908.000.00.00.H00", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", "CT", "Chứng thực", 4, 1, 0.30, (
        Component("GT-BC", "Bản chính giấy tờ, văn bản"),
        Component("GT-BS", "Bản sao cần chứng thực", None, 0, 1),
    ), fee=2_000, result="Bản sao được chứng thực", legal_basis="Nghị định số 23/2015/NĐ-CP"),
    Procedure("1.004222.000.00.00.H00", "Đăng ký thường trú", "CT-DC", "Đăng ký, quản lý cư trú", 4, 7, 0.12, (
        Component("GT-TK-CT", "Tờ khai thay đổi thông tin cư trú"),
        Component("GT-CHO-O", "Giấy tờ chứng minh chỗ ở hợp pháp", "land", 0, 1),
        Component("GT-SHK", "Sổ hộ khẩu", "population"),
    ), fee=20_000, legal_basis="Luật Cư trú số 68/2020/QH14"),  # no result document: the register is updated
    Procedure("1.001612.000.00.00.H00", "Đăng ký thành lập hộ kinh doanh", "TLDN", "Thành lập và hoạt động của hộ kinh doanh", 4, 3, 0.08, (
        Component("GT-GDN-HKD", "Giấy đề nghị đăng ký hộ kinh doanh"),
        Component("GT-CCCD-HKD", "Bản sao giấy tờ pháp lý của cá nhân", "population", 0, 1),
    ), fee=100_000, result="Giấy chứng nhận đăng ký hộ kinh doanh", legal_basis="Nghị định số 01/2021/NĐ-CP"),
    Procedure("1.003006.000.00.00.H00", "Đăng ký biến động quyền sử dụng đất", "DD", "Đất đai", 3, 10, 0.10, (
        Component("GT-DDK-BD", "Đơn đăng ký biến động đất đai"),
        Component("GT-GCN", "Bản gốc Giấy chứng nhận đã cấp", "land"),
        Component("GT-HD-CN", "Hợp đồng chuyển nhượng"),
    ), fee=50_000, performed_by=(1, 3), result="Giấy chứng nhận quyền sử dụng đất", legal_basis="Luật Đất đai số 31/2024/QH15",
        cases=(("Chuyển nhượng", ("GT-DDK-BD", "GT-GCN", "GT-HD-CN")),
               ("Thay đổi thông tin người sử dụng đất", ("GT-DDK-BD", "GT-GCN")))),
    Procedure("1.009994.000.00.00.H00", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "XD", "Hoạt động xây dựng", 3, 15, 0.04, (
        Component("GT-DDN-GPXD", "Đơn đề nghị cấp giấy phép xây dựng"),
        Component("GT-GCN-XD", "Giấy tờ chứng minh quyền sử dụng đất", "land", 0, 1),
        Component("GT-BV", "Bản vẽ thiết kế xây dựng", None, 2, 0),
    ), fee=75_000, performed_by=(1, 3), result="Giấy phép xây dựng", legal_basis="Luật Xây dựng số 50/2014/QH13"),
    Procedure("2.001157.000.00.00.H00", "Giải quyết hưởng trợ cấp xã hội hằng tháng", "BTXH", "Bảo trợ xã hội", 3, 12, 0.06, (
        Component("GT-TK-TCXH", "Tờ khai đề nghị trợ giúp xã hội"),
        Component("GT-BHXH", "Sổ bảo hiểm xã hội", "social_insurance", 0, 1),
        Component("GT-XN-KT", "Giấy xác nhận khuyết tật"),
    ), result="Quyết định trợ cấp xã hội", legal_basis="Nghị định số 20/2021/NĐ-CP"),
)


def level_at(procedure: Procedure, commune_code: str) -> int:
    """The procedure's level in one commune: mostly its usual level, sometimes one lower or higher."""
    roll = zlib.crc32(f"{procedure.code}|{commune_code}".encode()) / 2**32
    if procedure.level == 4:
        return 3 if roll < 0.12 else 4
    if roll < 0.15:
        return 4
    return 2 if roll < 0.23 else procedure.level


def find(code: str) -> Procedure | None:
    """A procedure by its national code; the agency suffix (H00 or a province's Hxx) is ignored."""
    stem = code.rsplit(".", 1)[0] if code.count(".") >= 5 else code
    return next((p for p in PROCEDURES if p.code.rsplit(".", 1)[0] == stem), None)
