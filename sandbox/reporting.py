"""The portal's public reporting API (dvc_portal.md section 9), computed from the dossier generator.

Counts come from the same column code that produces the dossiers (generate.Columns), summed
over the index range of the period (receipt time grows with the index, so a period is one
range) in chunks, and cached per (province, period, clock): a national scenario is aggregated
once, not regenerated per request. Provinces the scenario does not simulate answer ``null``,
distinct from 0. The ``report_drift`` fault makes published counts drift below the data.

Indicator mapping (indicators.md): digitised = HoSoCoThanhPhanSoHoa (4.2), reused = a component
with DuocTaiSuDung (4.3), personal store = DuocLayTuKhoDMQG (4.4), population data = VNeID
(4.5b); DOSSIER_SYNC (1.4) compares dated dossiers with all received ones, undated included.
"""
from __future__ import annotations

import calendar
import functools
import threading
from collections import OrderedDict
from datetime import date, datetime, timedelta

import numpy as np

from mappings.admin_units import AdminUnits

from . import timeline
from .catalogue import PROCEDURES, level_at
from .faults import FaultSwitches
from .generate import PortalData, ProvinceDossiers
from .ledger import Ledger

SYSTEM = "dvc_portal"
CHUNK = 65_536
COUNTERS = ("received", "online", "direct", "postal", "undated", "refused", "digitised", "reused", "from_store",
            "vneid", "online_finished", "online_on_time", "online_overdue")
CRITERIA = ("provide-online-tree", "dossier-digitized", "transparency")


def count_dossiers(dossiers: ProvinceDossiers, start: date, end: date, as_of: int) -> dict[str, int]:
    """Counters over the dossiers received from ``start`` to ``end`` (inclusive, local days) by ``as_of``."""
    schedule = dossiers.schedule
    first = schedule.count_until(timeline.seconds(start) - 1)
    stop = min(schedule.count_until(timeline.seconds(end + timedelta(days=1)) - 1), dossiers.existing(as_of))
    totals = dict.fromkeys(COUNTERS, 0)
    for begin in range(first, stop, CHUNK):
        cols = dossiers.columns(np.arange(begin, min(begin + CHUNK, stop), dtype=np.int64), as_of)
        received = cols.received
        online = received & cols.online
        finished = online & (cols.finished >= 0)
        on_time = finished & (cols.finished <= cols.due)
        for name, mask in (("received", received), ("online", online), ("direct", received & np.isin(cols.channel, (0, 1))),
                           ("postal", received & (cols.channel == 3)), ("undated", cols.missing_dates), ("refused", cols.refused),
                           ("digitised", received & cols.digitised), ("reused", received & cols.reused.any(axis=1)),
                           ("from_store", received & cols.from_store.any(axis=1)), ("vneid", received & cols.vneid),
                           ("online_finished", finished), ("online_on_time", on_time),
                           ("online_overdue", finished & ~on_time)):
            totals[name] += int(np.count_nonzero(mask))
    return totals


def period_of(body: dict, default: tuple[date, date]) -> tuple[date, date]:
    """The period a request asks for: fromDate/toDate, else timeType (year | quarter | month), else the scenario's."""
    if body.get("fromDate") and body.get("toDate"):
        return _day(body["fromDate"]), _day(body["toDate"])
    kind = body.get("timeType")
    if not kind:
        return default
    year = int(body.get("year") or default[0].year)
    if kind == "year":
        return date(year, 1, 1), date(year, 12, 31)
    if kind == "quarter":
        quarter = int(body.get("quarter") or 1)
        first = 3 * quarter - 2
        return date(year, first, 1), date(year, first + 2, calendar.monthrange(year, first + 2)[1])
    if kind == "month":
        month = int(body.get("month") or 1)
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    raise ValueError(f"timeType must be year, quarter or month, got {kind!r}")


def _day(text: str) -> date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%Y%m%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"unreadable date {text!r}")


class Reporting:
    def __init__(self, data: PortalData, units: AdminUnits, switches: FaultSwitches, ledger: Ledger, cache_size: int = 512):
        self.data, self.units, self.switches, self.ledger = data, units, switches, ledger
        self._cache: OrderedDict = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def counts(self, hxx: str, start: date, end: date, as_of: int) -> dict[str, int]:
        key = (hxx, start, end, as_of)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        result = count_dossiers(self.data.provinces[hxx], start, end, as_of)
        with self._lock:
            self._cache[key] = result
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return result

    def evaluate(self, criterion: str, body: dict) -> dict:
        if criterion not in CRITERIA:
            raise KeyError(criterion)
        start, end = period_of(body, (self.data.scenario.period_start, self.data.scenario.period_end))
        as_of = self.data.clock.now()
        drift = self.switches.rate("report_drift")
        if drift > 0:
            self.ledger.fault(SYSTEM, "report_drift", criterion)
        provinces = sorted(self.units.provinces.values(), key=lambda p: p.code)
        per_province = {p.dvcqg_code: (self._drifted(self.counts(p.dvcqg_code, start, end, as_of), drift)
                                       if p.dvcqg_code in self.data.provinces else None) for p in provinces}
        simulated = [c for c in per_province.values() if c is not None]
        nation = {name: sum(c[name] for c in simulated) for name in COUNTERS} if simulated else None
        root = body.get("rootDepartmentId")
        chosen = [p for p in provinces if root in (p.dvcqg_code, p.code)]
        if chosen:
            parent = (chosen[0].dvcqg_code, chosen[0].full_name, per_province[chosen[0].dvcqg_code], self._levels([chosen[0]]))
            children = []
        else:
            parent = ("VN", "Toàn quốc", nation, self._levels(provinces))
            children = [(p.dvcqg_code, p.full_name, per_province[p.dvcqg_code], self._levels([p])) for p in provinces]
        build = _online_node if criterion == "provide-online-tree" else (
            _digitised_node if criterion == "dossier-digitized" else _transparency_node)
        period = {"fromDate": start.isoformat(), "toDate": end.isoformat(), "asOf": timeline.text(as_of)}
        if criterion == "provide-online-tree":  # shape B
            return {"success": True, "period": period,
                    "data": {"parent": build(*parent), "children": [build(*child) for child in children]}}
        return {"success": True, "period": period,  # shape A
                "data": {"overview": build(*parent), "evaluation": [build(*child) for child in children]}}

    @staticmethod
    def _drifted(counts: dict[str, int], drift: float) -> dict[str, int]:
        return {k: v - int(v * drift) for k, v in counts.items()} if drift > 0 else counts

    def _levels(self, provinces) -> dict[str, int]:
        """Procedures by the highest level they reach in the provinces' communes (indicator 3.1)."""
        best = np.max([self._best_levels(p.code) for p in provinces], axis=0).tolist()
        return {"authorityCount": len(best), "partialCount": best.count(3), "fullCount": best.count(4)}

    @functools.lru_cache(maxsize=64)
    def _best_levels(self, province_code: str) -> tuple[int, ...]:
        communes = [c.code for c in self.units.communes_of(province_code)]
        return tuple(max(level_at(procedure, c) for c in communes) for procedure in PROCEDURES)


def _ratio(numerator: int | None, denominator: int | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(100 * numerator / denominator, 2)


def _node(code: str, name: str) -> dict:
    return {"id": code, "code": code, "name": name}


def _online_node(code: str, name: str, counts: dict | None, levels: dict) -> dict:
    get = (lambda key: None) if counts is None else counts.get  # noqa: E731
    return {
        **_node(code, name), **levels,
        "onlineServiceTotal": levels["partialCount"] + levels["fullCount"],
        "onlineDossierCount": get("online"),  # online dossiers of online services (level 3/4 by construction)
        "channelOnlineSum": get("online"), "channelDirectSum": get("direct"), "channelPostalSum": get("postal"),
        "channelTotalSum": get("received"),
        "onlineOnTimeSum": get("online_on_time"), "onlineOverdueSum": get("online_overdue"),
        "ratio": _ratio(get("online"), get("received")),
    }


def _metric(code: str, name: str, numerator: int | None, denominator: int | None, max_score: float,
            cap: float = 100.0, extra: dict | None = None) -> dict:
    ratio = _ratio(numerator, denominator)
    score = None if ratio is None else round(max_score * min(1.0, ratio / cap), 2)
    return {"code": code, "name": name, "numerator": numerator, "denominator": denominator, "ratio": ratio,
            "score": score, "maxScore": max_score, **(extra or {})}


def _digitised_node(code: str, name: str, counts: dict | None, levels: dict) -> dict:
    get = (lambda key: None) if counts is None else counts.get  # noqa: E731
    received = get("received")
    return {**_node(code, name), "metrics": [
        _metric("SO_HOA_GIAY_TO_GIAI_QUYET", "Tỷ lệ hồ sơ thực hiện số hóa", get("digitised"), received, 4, 80),
        _metric("REUSED_DIGITIZED_DATA", "Tỷ lệ hồ sơ có thành phần được thay thế dựa trên dữ liệu", get("reused"), received, 2, 80),
        _metric("SYNCED_WITH_DVCQG_PERSONAL_STORAGE", "Tỷ lệ hồ sơ lấy từ kho dữ liệu cá nhân", get("from_store"), received, 4),
        _metric("CITIZEN_DATA_CONNECTED_DOSSIER", "Tỷ lệ hồ sơ sử dụng dữ liệu dân cư", get("vneid"), received, 2),
    ]}


def _transparency_node(code: str, name: str, counts: dict | None, levels: dict) -> dict:
    get = (lambda key: None) if counts is None else counts.get  # noqa: E731
    complete = sum(1 for p in PROCEDURES if p.components and p.processing_days)
    undated = get("undated")
    reported = None if counts is None else get("received") + undated
    if counts is None:
        quality = {"dataQualityStatus": None, "dataQualityMessage": None}
    elif undated:
        quality = {"dataQualityStatus": "WARNING",
                   "dataQualityMessage": f"{undated} hồ sơ thiếu ngày tiếp nhận và ngày nộp, không xác định được kỳ báo cáo"}
    else:
        quality = {"dataQualityStatus": "OK", "dataQualityMessage": ""}
    return {**_node(code, name), "metrics": [
        _metric("DOSSIER_SYNC", "Tỷ lệ hồ sơ đồng bộ trạng thái lên Cổng DVCQG", get("received"), reported, 6, extra=quality),
        _metric("PUBLIC_CONTENT_FULL", "Tỷ lệ TTHC công khai đầy đủ nội dung", complete, len(PROCEDURES), 2),
    ]}
