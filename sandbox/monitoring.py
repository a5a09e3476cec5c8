"""Simulator of the Resolution-57 monitoring system (Nq57.vn): daily reports over HTTP JSON.

GET {base}/api/v1/nhiem-vu                                   Plan 02 tasks (code, name, deadline)
GET {base}/api/v1/bao-cao/tinh?ngay=YYYY-MM-DD               per province: heat-map status, tasks, commune counts
GET {base}/api/v1/bao-cao/xa?ngay=YYYY-MM-DD[&ma_tinh=][&bao_gom_tre_han=true]
                                                             per commune: PASC checklist and status
Header X-API-Key. A report date's listing is what had arrived by its 16:00 cut-off
(Asia/Ho_Chi_Minh); ``bao_gom_tre_han`` adds the reports that came in after it. The real
system's API is not public: paths and field names are the simulator's.
"""
from __future__ import annotations

from datetime import date, time
from functools import cached_property

from fastapi import Depends, FastAPI, HTTPException, Query

from .defects import keyed_unit
from .http import api_key_guard, iso, local
from .ledger import Ledger
from .monitoring_data import CRITERIA, PLAN_TASKS, MonitoringData, commune_status, meets_basic
from .scenario import Scenario

SYSTEM = "monitoring"
CUT_OFF = time(16, 0)
DEFAULT_PERIOD = (date(2025, 7, 1), date(2025, 8, 31))


class MonitoringReports:
    def __init__(self, scenario: Scenario, ledger: Ledger):
        options = scenario.system(SYSTEM)
        self.seed = scenario.seed
        self.start = date.fromisoformat(str(options.get("start", DEFAULT_PERIOD[0])))
        self.end = date.fromisoformat(str(options.get("end", DEFAULT_PERIOD[1])))
        self.ledger = ledger

    @cached_property
    def data(self) -> MonitoringData:
        # Built on the first request: stack start-up stays fast.
        return MonitoringData(self.seed, self.start, self.end)

    def _check_day(self, day: date) -> None:
        if not self.start <= day <= self.end:
            raise HTTPException(404, f"không có báo cáo cho ngày {day} (kỳ {self.start} – {self.end})")

    def sent_at(self, code: str, day: date, late: bool) -> str:
        unit = keyed_unit(self.seed, code, day)
        minutes = 8 * 60 + int(unit * 8 * 60) if not late else 16 * 60 + 5 + int(unit * 7 * 60)
        return iso(local(day, time(minutes // 60, minutes % 60)))

    def commune_rows(self, day: date, province: str | None, include_late: bool) -> list[dict]:
        self._check_day(day)
        rows = []
        for code, facts in self.data.facts.items():
            commune = facts.commune
            if province and commune.province_code != province:
                continue
            on_time = facts.reports_from is not None and facts.reports_from <= day
            late = facts.late_report_on == day
            if not (on_time or (late and include_late)):
                continue
            state = self.data.commune_state(code, day)
            rows.append({
                "ngay_bao_cao": day.isoformat(),
                "ma_tinh": commune.province_code,
                "ten_tinh": self.data.provinces[commune.province_code].full_name,
                "ma_xa": code,
                "ten_xa": commune.full_name,
                "thoi_diem_gui": self.sent_at(code, day, late=not on_time),
                "dung_han": on_time,
                "tieu_chi": state,
                "dap_ung_dieu_kien_co_ban": meets_basic(state),
                "trang_thai": commune_status(state),
            })
        self.ledger.served(SYSTEM, "bao_cao_xa", [f"{day}:{r['ma_xa']}" for r in rows])
        return rows

    def province_rows(self, day: date) -> list[dict]:
        self._check_day(day)
        data = self.data
        counts = {code: {"so_xa_bao_cao": 0, "so_xa_xanh": 0, "so_xa_dap_ung_co_ban": 0} for code in data.provinces}
        for code, facts in data.facts.items():
            if facts.reports_from is None or facts.reports_from > day:
                continue
            state = data.commune_state(code, day)
            row = counts[facts.commune.province_code]
            row["so_xa_bao_cao"] += 1
            row["so_xa_xanh"] += commune_status(state) == "Xanh"
            row["so_xa_dap_ung_co_ban"] += meets_basic(state)
        rows = []
        for code, province in data.provinces.items():
            done = data.task_completion[code]
            tasks = []
            for task in PLAN_TASKS:
                finished = done[task.code] if done[task.code] <= day else None
                tasks.append({
                    "ma_nhiem_vu": task.code,
                    "han_hoan_thanh": task.deadline.isoformat(),
                    "ngay_hoan_thanh": finished.isoformat() if finished else None,
                    "trang_thai": _task_status(task.deadline, finished, day),
                })
            size = data.sizes[code]
            rows.append({
                "ngay_bao_cao": day.isoformat(),
                "ma_tinh": code,
                "ten_tinh": province.full_name,
                "trang_thai": data.province_status(code, day),
                "so_nhiem_vu_qua_han": len(data.overdue_tasks(code, day)),
                "nhiem_vu": tasks,
                "so_xa": size,
                **counts[code],
                "ty_le_xa_xanh": round(100 * counts[code]["so_xa_xanh"] / size, 2),
            })
        self.ledger.served(SYSTEM, "bao_cao_tinh", [f"{day}:{r['ma_tinh']}" for r in rows])
        return rows


def _task_status(deadline: date, finished: date | None, day: date) -> str:
    if finished:
        return "Hoàn thành đúng hạn" if finished <= deadline else "Hoàn thành quá hạn"
    return "Quá hạn" if deadline < day else "Đang thực hiện"


def create_monitoring_app(scenario: Scenario, api_keys: set[str], ledger: Ledger) -> FastAPI:
    reports = MonitoringReports(scenario, ledger)
    app = FastAPI(title="Nq57 monitoring simulator", description=__doc__, version="1.0",
                  dependencies=[Depends(api_key_guard(api_keys))])
    app.state.reports = reports

    def envelope(day: date, rows: list[dict]) -> dict:
        return {"ngay_bao_cao": day.isoformat(), "thoi_diem_chot": iso(local(day, CUT_OFF)),
                "so_ban_ghi": len(rows), "du_lieu": rows}

    @app.get("/api/v1/nhiem-vu")
    def plan_tasks():
        return {"du_lieu": [{"ma_nhiem_vu": t.code, "ten_nhiem_vu": t.name, "han_hoan_thanh": t.deadline.isoformat()}
                            for t in PLAN_TASKS], "tieu_chi_xa": list(CRITERIA)}

    @app.get("/api/v1/bao-cao/tinh")
    def province_reports(ngay: date = Query(..., description="report date YYYY-MM-DD")):
        return envelope(ngay, reports.province_rows(ngay))

    @app.get("/api/v1/bao-cao/xa")
    def commune_reports(
        ngay: date = Query(..., description="report date YYYY-MM-DD"),
        ma_tinh: str | None = Query(None, description="GSO province code (2 digits)"),
        bao_gom_tre_han: bool = Query(False, description="also list reports received after the 16:00 cut-off"),
    ):
        return envelope(ngay, reports.commune_rows(ngay, ma_tinh, bao_gom_tre_han))

    return app
