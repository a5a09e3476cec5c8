"""Request and response models of the portal simulator, for its OpenAPI document only.

Handlers read bodies themselves (the portal answers bad input with error_code, not HTTP 422)
and replies are encoded with msgspec; these models describe the wire format.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class LoginRequest(BaseModel):
    username: str
    password: str


class Reply(BaseModel):
    error_code: int = Field(description="0 success, -1 generic failure, -2 session invalid or expired")
    message: str | None = None


class LoginReply(Reply):
    session: str | None = Field(None, description="token to send in every integration call")


class IntegrationRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    session: str
    madonvi: str = Field(description="caller's unit code")
    service: str = Field(description="LayDanhSachTTHC | LayThuTuc | LayDanhSachHoSo")
    maTTHC: str | None = Field(None, description="LayThuTuc: procedure code")
    maxa: str | None = Field(None, description="LayThuTuc: commune code; adds MUCDO (simulator extension)")
    matinh: str | None = Field(None, description="LayDanhSachHoSo: province department code Hxx")
    tungay: str | None = Field(None, description="update window start, yyyyMMddHHmmss, inclusive")
    denngay: str | None = Field(None, description="update window end, yyyyMMddHHmmss, exclusive")
    trang: str | None = Field("1", description="page number from 1")
    sobanghi: str | None = Field("100", description="page size, 1..1000")


class Attachment(BaseModel):
    TepDinhKemId: str
    TenTepDinhKem: str
    IsDeleted: str
    MaThanhPhanHoSo: str
    DuongDanTaiTepTin: str
    DuocSoHoa: str
    DuocTaiSuDung: str
    DuocLayTuKhoDMQG: str


class OwnerIdentifier(BaseModel):
    LoaiDinhDanh: str
    SoDinhDanh: str


class Dossier(BaseModel):
    """One dossier (dvc_portal.md section 4); every scalar is a string, dates yyyyMMddHHmmss or empty."""

    MaHoSo: str
    MaTTHC: str
    TenTTHC: str
    MaLinhVuc: str
    TenLinhVuc: str
    KenhThucHien: str = Field(description="1 direct, 2 online, 3 postal, empty unknown")
    SoGiayToChuHoSo: str
    ChuHoSo: str
    LoaiDoiTuong: str
    SoDienThoai: str
    Email: str
    TrichYeuHoSo: str
    NgayNopHoSo: str
    NgayTiepNhan: str
    NgayHenTra: str
    TrangThaiHoSo: str = Field(description="1..10 (section 7.1)")
    NgayKetThucXuLy: str
    NgayTra: str
    NgayTuChoi: str
    DonViXuLy: str
    NoiNopHoSo: str
    HoSoCoThanhPhanSoHoa: str
    TaiKhoanDuocXacThucVoiVNeID: str
    DuocThanhToanTrucTuyen: str
    MaTinh: str = Field(description="GSO province code; sometimes a pre-July-2025 code")
    MaXa: str
    NgayCapNhat: str = Field(description="last update; the listing is ordered by it, then by dossier")
    DinhDanhCHS: list[OwnerIdentifier]
    TaiLieuNop: list[Attachment]


class DossierPage(Reply):
    tongsobanghi: str = Field(description="dossiers in the window")
    trang: str
    sobanghi: str
    result: list[Dossier]


class CatalogueReply(Reply):
    result: list[dict] = Field(description="LayDanhSachTTHC rows {MATTHC, TENTTHC, ...} or the LayThuTuc package")


class ProxyReply(BaseModel):
    message: str = Field(description="the direct reply as JSON text (LGSP double encoding)")


class ReportingRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    timeType: str | None = Field(None, description="year | quarter | month")
    year: int | None = None
    quarter: int | None = None
    month: int | None = None
    fromDate: str | None = None
    toDate: str | None = None
    rootDepartmentId: str | None = Field(None, description="a province (Hxx or GSO code); default the nation")
    currentPage: int | None = None
    pageSize: int | None = None


class ReportingReply(BaseModel):
    success: bool
    period: dict
    data: dict = Field(description="shape B {parent, children[]} or shape A {overview, evaluation[]}")


class ClockRequest(BaseModel):
    as_of: str | None = Field(None, description="ISO date-time, local time")
    advance_seconds: int | None = None
    speed: float | None = Field(None, description="simulated seconds per real second; 0 freezes")
