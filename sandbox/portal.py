"""National Public Service Portal simulator (generation A, "service bus" style).

POST {base}/auth/login        {username, password}            -> {error_code, session, ...}
POST {base}/integration       {session, madonvi, service, ...} -> {error_code, result[], ...}
Every request must carry the ``dstcode`` header. Scalars are JSON strings; dates are
yyyyMMddHHmmss local time. ``LayDanhSachHoSo`` (list dossiers by update window and province)
is the simulator's pull operation for the hub; the real portal's equivalent is not public.
"""
from __future__ import annotations

import secrets
import threading
import time

from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse

from .catalogue import PROCEDURES
from .generate import PortalData
from .scenario import Scenario

ERROR_OK = 0
ERROR_GENERIC = -1
ERROR_SESSION = -2  # the portal's expiry code is not public; the simulator answers -2
MAX_PAGE_SIZE = 1000


class SessionStore:
    def __init__(self, ttl_seconds: float):
        self.ttl = ttl_seconds
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()

    def open(self) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._expiry[token] = time.monotonic() + self.ttl
        return token

    def valid(self, token: str | None) -> bool:
        with self._lock:
            expiry = self._expiry.get(token or "")
            return expiry is not None and expiry > time.monotonic()

    def expire_all(self) -> None:
        with self._lock:
            self._expiry.clear()


def _error(code: int, message: str) -> JSONResponse:
    return JSONResponse({"error_code": code, "message": message, "result": []})


def create_portal_app(scenario: Scenario, credentials: dict[str, str]) -> FastAPI:
    data = PortalData(scenario)
    sessions = SessionStore(scenario.session_ttl_seconds)
    app = FastAPI(title="DVCQG simulator", description=__doc__)
    app.state.data = data
    app.state.sessions = sessions

    @app.post("/auth/login")
    async def login(request: Request, dstcode: str | None = Header(default=None)):
        if not dstcode:
            return _error(ERROR_GENERIC, "Thiếu header dstcode")
        body = await request.json()
        if credentials.get(body.get("username")) != body.get("password"):
            return _error(ERROR_GENERIC, "Tên đăng nhập hoặc mật khẩu không đúng")
        return {"error_code": ERROR_OK, "session": sessions.open(), "message": "Đăng nhập thành công"}

    @app.post("/integration")
    async def integration(request: Request, dstcode: str | None = Header(default=None)):
        if not dstcode:
            return _error(ERROR_GENERIC, "Thiếu header dstcode")
        body = await request.json()
        if not sessions.valid(body.get("session")):
            return _error(ERROR_SESSION, "Phiên làm việc không hợp lệ hoặc đã hết hạn")
        handler = SERVICES.get(body.get("service", ""))
        if handler is None:
            return _error(ERROR_GENERIC, f"Không hỗ trợ service {body.get('service')!r}")
        return handler(data, body)

    return app


def _list_procedures(data: PortalData, body: dict) -> dict:
    return {"error_code": ERROR_OK, "result": [{"MATTHC": p.code, "TENTTHC": p.name} for p in PROCEDURES]}


def _list_dossiers(data: PortalData, body: dict):
    hxx = body.get("matinh", "")
    if hxx not in data.provinces:
        return _error(ERROR_GENERIC, f"Mã tỉnh không hợp lệ: {hxx!r}")
    try:
        page = int(body.get("trang", "1"))
        size = int(body.get("sobanghi", "100"))
    except ValueError:
        return _error(ERROR_GENERIC, "Tham số phân trang không hợp lệ")
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        return _error(ERROR_GENERIC, f"Tham số phân trang không hợp lệ (1 <= sobanghi <= {MAX_PAGE_SIZE})")
    indices = data.updated_between(hxx, body.get("tungay", ""), body.get("denngay", "99999999999999"))
    dossiers = data.provinces[hxx]
    chosen = indices[(page - 1) * size : page * size]
    return {
        "error_code": ERROR_OK,
        "tongsobanghi": str(len(indices)),
        "trang": str(page),
        "sobanghi": str(size),
        "result": [dossiers.record(i) for i in chosen],
    }


SERVICES = {
    "LayDanhSachTTHC": _list_procedures,
    "LayDanhSachHoSo": _list_dossiers,
}
