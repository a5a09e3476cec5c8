"""The simulated procedure catalogue (TTHC): a handful of common commune/province procedures.

Codes follow the portal's shape (<digit>.<6 digits>.000.00.00.<agency>) but are synthetic.
``replaceable_by`` names the national or sectoral database whose data can stand in for a
component (dossier reduction, Resolution 66.7/2025).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Component:
    code: str  # MAGIAYTO
    name: str
    replaceable_by: str | None = None


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    field_code: str
    field_name: str
    level: int  # 2 information only, 3 partial online, 4 full-process online
    processing_days: int
    weight: float  # share of dossier volume
    components: tuple[Component, ...]


PROCEDURES: tuple[Procedure, ...] = (
    Procedure("1.001193.000.00.00.H00", "Thủ tục đăng ký khai sinh", "HT", "Hộ tịch", 4, 1, 0.22, (
        Component("GT-TK-KS", "Tờ khai đăng ký khai sinh"),
        Component("GT-GCS", "Giấy chứng sinh"),
        Component("GT-CCCD-CM", "Giấy tờ tùy thân của người đi đăng ký", "population"),
        Component("GT-KH", "Giấy chứng nhận kết hôn của cha mẹ", "civil_status"),
    )),
    Procedure("1.000894.000.00.00.H00", "Thủ tục đăng ký kết hôn", "HT", "Hộ tịch", 3, 5, 0.08, (
        Component("GT-TK-KH", "Tờ khai đăng ký kết hôn"),
        Component("GT-XNTTHN", "Giấy xác nhận tình trạng hôn nhân", "civil_status"),
        Component("GT-CCCD", "Giấy tờ tùy thân", "population"),
    )),
    Procedure("2.000908.000.00.00.H00", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", "CT", "Chứng thực", 4, 1, 0.30, (
        Component("GT-BC", "Bản chính giấy tờ, văn bản"),
        Component("GT-BS", "Bản sao cần chứng thực"),
    )),
    Procedure("1.004222.000.00.00.H00", "Đăng ký thường trú", "CT-DC", "Đăng ký, quản lý cư trú", 4, 7, 0.12, (
        Component("GT-TK-CT", "Tờ khai thay đổi thông tin cư trú"),
        Component("GT-CHO-O", "Giấy tờ chứng minh chỗ ở hợp pháp", "land"),
        Component("GT-SHK", "Sổ hộ khẩu", "population"),
    )),
    Procedure("1.001612.000.00.00.H00", "Đăng ký thành lập hộ kinh doanh", "TLDN", "Thành lập và hoạt động của hộ kinh doanh", 4, 3, 0.08, (
        Component("GT-GDN-HKD", "Giấy đề nghị đăng ký hộ kinh doanh"),
        Component("GT-CCCD-HKD", "Bản sao giấy tờ pháp lý của cá nhân", "population"),
    )),
    Procedure("1.003006.000.00.00.H00", "Đăng ký biến động quyền sử dụng đất", "DD", "Đất đai", 3, 10, 0.10, (
        Component("GT-DDK-BD", "Đơn đăng ký biến động đất đai"),
        Component("GT-GCN", "Bản gốc Giấy chứng nhận đã cấp", "land"),
        Component("GT-HD-CN", "Hợp đồng chuyển nhượng"),
    )),
    Procedure("1.009994.000.00.00.H00", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "XD", "Hoạt động xây dựng", 3, 15, 0.04, (
        Component("GT-DDN-GPXD", "Đơn đề nghị cấp giấy phép xây dựng"),
        Component("GT-GCN-XD", "Giấy tờ chứng minh quyền sử dụng đất", "land"),
        Component("GT-BV", "Bản vẽ thiết kế xây dựng"),
    )),
    Procedure("2.001157.000.00.00.H00", "Giải quyết hưởng trợ cấp xã hội hằng tháng", "BTXH", "Bảo trợ xã hội", 3, 12, 0.06, (
        Component("GT-TK-TCXH", "Tờ khai đề nghị trợ giúp xã hội"),
        Component("GT-BHXH", "Sổ bảo hiểm xã hội", "social_insurance"),
        Component("GT-XN-KT", "Giấy xác nhận khuyết tật"),
    )),
)
