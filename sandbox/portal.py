"""National Public Service Portal simulator (generation A, "service bus" style).

POST {base}/auth/login          {username, password}            -> {error_code, session, ...}
POST {base}/integration         {session, madonvi, service, ...} -> {error_code, result[], ...}
POST {base}/lgsp/integration    the same through a provincial LGSP proxy: {"message": "<reply as JSON text>"}
POST {base}/api/v1/reporting/evaluation/<criterion>   the public Decision-766 reporting API
Every integration request must carry the ``dstcode`` header. Scalars are JSON strings; dates
are yyyyMMddHHmmss local time. ``LayDanhSachHoSo`` (list dossiers by update window and
province) is the simulator's pull operation for the hub; the real portal's equivalent is not
public. Control endpoints under /_sandbox switch faults, read the ledger and move the clock.
"""
from __future__ import annotations

import secrets
import threading
import time
from datetime import datetime

import msgspec
from fastapi import APIRouter, Body, FastAPI, Header, Request
from fastapi.responses import JSONResponse, Response

from mappings.admin_units import load_admin_units

from . import catalogue, packages, portal_models as models, timeline
from .clock import SimClock
from .control import CONTROL_PREFIX, control_router
from .faults import FaultSwitches
from .generate import PortalData
from .http_faults import FaultMiddleware
from .ledger import Ledger
from .listing import UpdateIndex
from .portal_faults import PortalDataFaults
from .reporting import CRITERIA, Reporting
from .scenario import Scenario

SYSTEM = "dvc_portal"
ERROR_OK = 0
ERROR_GENERIC = -1
ERROR_SESSION = -2  # the portal's expiry code is not public; the simulator answers -2
MAX_PAGE_SIZE = 1000
OPEN_END = "99999999999999"
_encode = msgspec.json.Encoder().encode


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

    def expire(self, token: str | None) -> None:
        with self._lock:
            self._expiry.pop(token or "", None)

    def expire_all(self) -> None:
        with self._lock:
            self._expiry.clear()


def _json(payload) -> Response:
    return Response(_encode(payload), media_type="application/json")


def _error(code: int, message: str) -> dict:
    return {"error_code": code, "message": message, "result": []}


class Portal:
    """State shared by the handlers: data, indexes, sessions, faults, ledger."""

    def __init__(self, scenario: Scenario, switches: FaultSwitches, ledger: Ledger):
        self.units = load_admin_units()
        self.data = PortalData(scenario, self.units)
        self.indexes = {hxx: UpdateIndex(d) for hxx, d in self.data.provinces.items()}
        self.sessions = SessionStore(scenario.session_ttl_seconds)
        self.switches, self.ledger = switches, ledger
        self.data_faults = PortalDataFaults(switches, ledger)
        self.reporting = Reporting(self.data, self.units, switches, ledger)

    def call(self, body: dict) -> dict:
        if not self.sessions.valid(body.get("session")):
            return _error(ERROR_SESSION, "Phiên làm việc không hợp lệ hoặc đã hết hạn")
        handler = SERVICES.get(body.get("service", ""))
        if handler is None:
            return _error(ERROR_GENERIC, f"Không hỗ trợ service {body.get('service')!r}")
        return handler(self, body)

    def list_procedures(self, body: dict) -> dict:
        agency = body.get("matinh") or "H00"
        return {"error_code": ERROR_OK, "result": [packages.summary(p, agency) for p in catalogue.PROCEDURES]}

    def procedure(self, body: dict) -> dict:
        code = body.get("maTTHC") or body.get("matthc") or ""
        procedure = catalogue.find(code)
        if procedure is None:
            return _error(ERROR_GENERIC, f"Không tìm thấy thủ tục {code!r}")
        agency = code.rsplit(".", 1)[-1] if code.count(".") >= 5 else "H00"
        return {"error_code": ERROR_OK, "result": [packages.package(procedure, agency, body.get("maxa"))]}

    def list_dossiers(self, body: dict) -> dict:
        hxx = body.get("matinh", "")
        if hxx not in self.data.provinces:
            return _error(ERROR_GENERIC, f"Mã tỉnh không hợp lệ: {hxx!r}")
        try:
            page = int(body.get("trang", "1"))
            size = int(body.get("sobanghi", "100"))
        except (TypeError, ValueError):
            return _error(ERROR_GENERIC, "Tham số phân trang không hợp lệ")
        if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
            return _error(ERROR_GENERIC, f"Tham số phân trang không hợp lệ (1 <= sobanghi <= {MAX_PAGE_SIZE})")
        try:
            start = timeline.parse(body["tungay"]) if body.get("tungay") else 0
            end = timeline.parse(body["denngay"]) if body.get("denngay", OPEN_END) != OPEN_END else 2**50
        except ValueError:
            return _error(ERROR_GENERIC, "Tham số thời gian không hợp lệ (yyyyMMddHHmmss)")
        if self.data_faults.session_expired():
            self.sessions.expire(body.get("session"))
            return _error(ERROR_SESSION, "Phiên làm việc không hợp lệ hoặc đã hết hạn")
        as_of, index, dossiers = self.data.clock.now(), self.indexes[hxx], self.data.provinces[hxx]
        offset = (page - 1) * size
        total = index.count(start, end, as_of)
        chosen = index.page(start, end, as_of, offset, size)
        reported = self.data_faults.reported_total(total, f"{hxx}|{body.get('tungay', '')}|{body.get('denngay', '')}",
                                                   first_page=page == 1)
        if self.data_faults.active():
            records = dossiers.records(chosen, as_of)
            fetch = lambda position: dossiers.records(index.page(start, end, as_of, position, 1), as_of)[0]  # noqa: E731
            records = self.data_faults.apply(records, window=f"{hxx}|{start}|{end}|{size}", offset=offset, size=size,
                                             total=total, fetch=fetch, as_of=as_of)
            keys, result = [r["MaHoSo"] for r in records], records
        else:  # fault-free: the records as JSON text straight away (equal to the dicts; see records_json)
            texts = dossiers.records_json(chosen, as_of)
            keys = [text[11:text.index('"', 11)] for text in texts]  # '{"MaHoSo":"' is 11 characters
            result = msgspec.Raw(("[" + ",".join(texts) + "]").encode())
        self.ledger.served(SYSTEM, "dossiers", keys)
        return {"error_code": ERROR_OK, "tongsobanghi": str(reported), "trang": str(page), "sobanghi": str(size),
                "result": result}


SERVICES = {
    "LayDanhSachTTHC": Portal.list_procedures,
    "LayThuTuc": Portal.procedure,
    "LayDanhSachHoSo": Portal.list_dossiers,
}


def _schema(model) -> dict:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}}}


def create_portal_app(scenario: Scenario, credentials: dict[str, str], switches: FaultSwitches | None = None,
                      ledger: Ledger | None = None) -> FastAPI:
    switches = switches or FaultSwitches(seed=scenario.seed, rates=dict(scenario.faults.get(SYSTEM, {})))
    ledger = ledger or Ledger()
    portal = Portal(scenario, switches, ledger)
    app = FastAPI(title="DVCQG simulator", description=__doc__, version="1.0")
    app.state.portal, app.state.data, app.state.sessions = portal, portal.data, portal.sessions
    app.state.faults, app.state.ledger = switches, ledger

    async def body_of(request: Request) -> dict | None:
        try:
            body = msgspec.json.decode(await request.body())
        except msgspec.DecodeError:
            return None
        return body if isinstance(body, dict) else None

    @app.post("/auth/login", openapi_extra=_schema(models.LoginRequest), responses={200: {"model": models.LoginReply}})
    async def login(request: Request, dstcode: str | None = Header(default=None)):
        if not dstcode:
            return _json(_error(ERROR_GENERIC, "Thiếu header dstcode"))
        body = await body_of(request) or {}
        if credentials.get(body.get("username")) != body.get("password"):
            return _json(_error(ERROR_GENERIC, "Tên đăng nhập hoặc mật khẩu không đúng"))
        return _json({"error_code": ERROR_OK, "session": portal.sessions.open(), "message": "Đăng nhập thành công"})

    async def integrate(request: Request, dstcode: str | None) -> dict:
        if not dstcode:
            return _error(ERROR_GENERIC, "Thiếu header dstcode")
        body = await body_of(request)
        if body is None:
            return _error(ERROR_GENERIC, "Nội dung yêu cầu không phải JSON")
        return portal.call(body)

    @app.post("/integration", openapi_extra=_schema(models.IntegrationRequest),
              responses={200: {"model": models.DossierPage | models.CatalogueReply}})
    async def integration(request: Request, dstcode: str | None = Header(default=None)):
        return _json(await integrate(request, dstcode))

    @app.post("/lgsp/integration", openapi_extra=_schema(models.IntegrationRequest),
              responses={200: {"model": models.ProxyReply}})
    async def integration_via_lgsp(request: Request, dstcode: str | None = Header(default=None)):
        return _json({"message": _encode(await integrate(request, dstcode)).decode()})

    @app.post("/api/v1/reporting/evaluation/{criterion}", openapi_extra=_schema(models.ReportingRequest),
              responses={200: {"model": models.ReportingReply}})
    async def evaluation(criterion: str, request: Request):
        if criterion not in CRITERIA:
            return JSONResponse({"success": False, "message": f"unknown criterion; known: {', '.join(CRITERIA)}"}, 404)
        try:
            return _json(portal.reporting.evaluate(criterion, await body_of(request) or {}))
        except ValueError as exc:
            return JSONResponse({"success": False, "message": str(exc)}, 400)

    app.include_router(control_router(SYSTEM, switches, ledger))
    app.include_router(_clock_router(portal.data.clock))
    app.add_middleware(FaultMiddleware, system=SYSTEM, switches=switches, ledger=ledger, exempt=(CONTROL_PREFIX,))
    return app


def _clock_router(clock: SimClock) -> APIRouter:
    router = APIRouter(prefix=CONTROL_PREFIX, tags=["sandbox control"])

    def state() -> dict:
        return {"as_of": clock.now_datetime().isoformat(), "speed": clock.speed}

    @router.get("/clock", summary="The simulated portal clock")
    def get_clock() -> dict:
        return state()

    @router.post("/clock", summary="Set the clock (as_of), move it (advance_seconds) or let it run (speed)")
    def set_clock(change: models.ClockRequest = Body(...)) -> dict:
        if change.as_of:
            clock.set(datetime.fromisoformat(change.as_of), change.speed)
        elif change.speed is not None:
            clock.set(clock.now_datetime(), change.speed)
        if change.advance_seconds:
            clock.advance(change.advance_seconds)
        return state()

    return router
