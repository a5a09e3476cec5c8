"""Control endpoints any simulator can mount: its fault switches and the ledger, under /_sandbox.

GET  /_sandbox/faults            current rates and durations
POST /_sandbox/faults            {"http_5xx": 0.2, "latency_seconds": 0.05, ...}; {"clear": true} first clears
GET  /_sandbox/ledger            counters (served, faults, defects) and, when kept, the keys
POST /_sandbox/ledger/reset      forget everything recorded
The fault middleware exempts these paths, so faults can always be switched off again.
"""
from __future__ import annotations

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from .faults import FaultSwitches
from .ledger import Ledger

CONTROL_PREFIX = "/_sandbox"


def control_router(system: str, switches: FaultSwitches, ledger: Ledger) -> APIRouter:
    router = APIRouter(prefix=CONTROL_PREFIX, tags=["sandbox control"])

    @router.get("/faults", summary="Fault switches of this simulator")
    def get_faults() -> dict:
        return switches.snapshot()

    @router.post("/faults", summary="Set fault rates (0..1) and durations (seconds); 'clear' resets first")
    def set_faults(settings: dict = Body(..., examples=[{"http_5xx": 0.2, "latency_seconds": 0.05}])):
        settings = dict(settings)
        if settings.pop("clear", False):
            switches.clear()
        try:
            switches.update(settings)
        except (TypeError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return switches.snapshot()

    @router.get("/ledger", summary="What this simulator served and injected")
    def get_ledger() -> dict:
        return ledger.summary(system)

    @router.post("/ledger/reset", summary="Forget what the ledger recorded")
    def reset_ledger() -> dict:
        ledger.reset()
        return {"ok": True}

    return router
