"""Per-province and per-commune facts behind the monitoring system's daily reports.

Every commune gets, once, the dates from which it reports and meets each PASC criterion; every
province the dates its Plan 02 tasks were completed. A day's report is then read off those
dates, so improvement is monotone and the served rows can be counted. The dates are drawn so
that the counts on the anchor dates of shared/domain/seeds_figures.md section 2 come out exact:
per-province daily curves (how many communes report / meet the basic conditions / are green)
pass through calibrated values on those dates, and the commune of rank k in its province
crosses a threshold on the first day its province's curve exceeds k.

Definitions (docs/sandbox.md):
- a commune **meets the basic PASC conditions** when all of BASIC_CRITERIA hold;
- a commune is **green** (Xanh) when it meets every criterion (BASIC_CRITERIA + SIGNING_CRITERIA),
  yellow (Vàng) when it meets the basic conditions only, red (Đỏ) otherwise;
- a Plan 02 task is **overdue** on day d when its deadline is before d and it was not completed
  by d; a province is red with a task overdue by more than 14 days, yellow with any overdue task,
  green otherwise;
- a commune **reports** on day d when its report arrived by the 16:00 cut-off (Asia/Ho_Chi_Minh).
"""
from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from datetime import date, timedelta

from mappings.admin_units import AdminUnits, Commune, Province, load_admin_units

from .defects import keyed_unit

BASIC_CRITERIA = ("ha_tang_mang", "hop_truc_tuyen", "thiet_bi_so_hoa", "may_tinh", "du_can_bo_mot_cua")
SIGNING_CRITERIA = ("chu_ky_so", "chung_thu_so_cong_vu")
CRITERIA = BASIC_CRITERIA + SIGNING_CRITERIA
GREEN, YELLOW, RED = "Xanh", "Vàng", "Đỏ"
RED_AFTER_DAYS = 14

# Anchor figures (seeds_figures.md section 2) and the knots the daily curves pass through.
Y = 2025
KNOTS = (date(Y, 7, 1), date(Y, 7, 7), date(Y, 7, 15), date(Y, 7, 25), date(Y, 8, 10), date(Y, 8, 24))
REPORTING = {date(Y, 7, 1): 2_350, date(Y, 7, 7): 2_982, date(Y, 7, 15): 3_320, date(Y, 7, 25): 3_320,
             date(Y, 8, 10): 3_321, date(Y, 8, 24): 3_321}  # 1 and 25 Jul are not anchors: invented
BASIC_ON_7_JUL = 397  # 13.3 % of the 2,982 reporting communes
BASIC_ON_24_AUG = 2_386  # 71.8 % of 3,321
STAFFED_ON_24_AUG = 3_180  # 95.75 % of 3,321
# Provinces whose communes are all green on 10 Aug (GSO codes): Sơn La, Lạng Sơn, Phú Thọ, Lào Cai,
# Cà Mau, Hà Nội, Huế, TP.HCM, Hưng Yên. They are also the 9 provinces above 50 % on 15 Jul.
ALL_GREEN_BY_10_AUG = ("14", "20", "25", "15", "96", "01", "46", "79", "33")
CAO_BANG, CAO_BANG_GREEN_10_AUG = "04", 3
ABOVE_70_ON_24_AUG, ABOVE_50_ONLY_ON_24_AUG = 12, 4  # besides the nine: 21 provinces > 70 %, 25 > 50 %


@dataclass(frozen=True)
class PlanTask:
    code: str
    name: str
    deadline: date


PLAN_TASKS = (
    PlanTask("KH02-01", "Kiện toàn Ban Chỉ đạo và tổ giúp việc cấp tỉnh", date(Y, 6, 30)),
    PlanTask("KH02-02", "Ban hành kế hoạch triển khai Kế hoạch 02-KH/BCĐTW", date(Y, 7, 5)),
    PlanTask("KH02-03", "Rà soát, cấu hình thủ tục hành chính trên hệ thống giải quyết TTHC cấp tỉnh", date(Y, 7, 10)),
    PlanTask("KH02-04", "Bảo đảm hạ tầng mạng, thiết bị cho Trung tâm phục vụ hành chính công cấp xã", date(Y, 7, 20)),
    PlanTask("KH02-05", "Cấp chữ ký số, chứng thư số công vụ cho cán bộ cấp xã", date(Y, 7, 31)),
    PlanTask("KH02-06", "Kết nối, khai thác dữ liệu từ CSDLQG về dân cư", date(Y, 8, 5)),
    PlanTask("KH02-07", "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính", date(Y, 8, 15)),
    PlanTask("KH02-08", "Đào tạo kỹ năng số cho cán bộ, công chức cấp xã", date(Y, 8, 20)),
    PlanTask("KH02-09", "Cập nhật dữ liệu giám sát hằng ngày trên hệ thống Nq57.vn", date(Y, 8, 31)),
    PlanTask("KH02-10", "Làm sạch dữ liệu chuyên ngành theo yêu cầu đúng, đủ, sạch, sống", date(Y, 9, 30)),
)
# Late completions (task, completed on) that make provinces yellow/red on the anchor dates:
# 7 Jul two yellow, 15 Jul one yellow, 25-26 Jul that one red, 10 Aug three yellow, 24 Aug none.
LATE_COMPLETIONS = (
    (("KH02-02", date(Y, 7, 9)),),
    (("KH02-02", date(Y, 7, 11)),),
    (("KH02-03", date(Y, 7, 27)),),
    (("KH02-06", date(Y, 8, 12)),),
    (("KH02-06", date(Y, 8, 14)),),
    (("KH02-06", date(Y, 8, 20)),),
)


def distribute(total: int, lower: dict, upper: dict, weights: dict, rng: random.Random) -> dict:
    """Integers between ``lower`` and ``upper`` summing to ``total``, spread in proportion to weights."""
    result = dict(lower)
    remaining = total - sum(result.values())
    if remaining < 0 or remaining > sum(upper[k] - result[k] for k in result):
        raise ValueError(f"cannot distribute {total} within the bounds")
    keys = sorted(result)
    while remaining > 0:
        room = [k for k in keys if result[k] < upper[k]]
        weight = sum(weights[k] for k in room) or len(room)
        shares = {k: remaining * (weights[k] or 1) / weight for k in room}
        given = 0
        for k in room:
            step = min(int(shares[k]), upper[k] - result[k], remaining - given)
            result[k] += step
            given += step
        if given == 0:  # fractions only: one each, in a seeded order
            for k in rng.sample(room, len(room))[:remaining]:
                result[k] += 1
                given += 1
        remaining -= given
    return result


def daily_curve(values: list[int], days: list[date]) -> list[int]:
    """Piecewise-linear (rounded down) through the knot values; flat after the last knot."""
    curve = []
    for day in days:
        i = bisect.bisect_right(KNOTS, day) - 1
        if i < 0:
            curve.append(0)
        elif i == len(KNOTS) - 1:
            curve.append(values[-1])
        else:
            span = (KNOTS[i + 1] - KNOTS[i]).days
            curve.append(values[i] + (values[i + 1] - values[i]) * (day - KNOTS[i]).days // span)
    return curve


@dataclass(frozen=True)
class CommuneFacts:
    commune: Commune
    reports_from: date | None
    met_from: dict  # criterion -> first day met (None: never in the period)
    late_report_on: date | None  # a report for this day arrived after the cut-off


class MonitoringData:
    def __init__(self, seed: int, start: date, end: date, units: AdminUnits | None = None):
        units = units or load_admin_units()
        self.seed = seed
        self.start, self.end = start, end
        self.days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        self.provinces: dict[str, Province] = dict(sorted(units.provinces.items()))
        rng = random.Random(seed)
        self.communes = {}
        for code in self.provinces:
            ranked = sorted(units.communes_of(code), key=lambda c: c.code)
            rng.shuffle(ranked)  # rank 0 is the province's most advanced commune
            self.communes[code] = ranked
        self.sizes = {code: len(c) for code, c in self.communes.items()}
        knots = self._calibrate(rng)
        self.facts = {}
        for code, ranked in self.communes.items():
            curves = {name: daily_curve(values[code], self.days) for name, values in knots.items()}
            for rank, commune in enumerate(ranked):
                self.facts[commune.code] = self._commune_facts(commune, rank, curves)
        self.task_completion = self._plan_completion(rng)

    # --- calibration ----------------------------------------------------------------------------
    def _calibrate(self, rng: random.Random) -> dict[str, dict[str, list[int]]]:
        """Per province, the counts at each knot of: green, basic, staffed and reporting communes."""
        sizes = self.sizes
        others = [c for c in sizes if c not in ALL_GREEN_BY_10_AUG and c != CAO_BANG]
        rng.shuffle(others)
        high = set(others[:ABOVE_70_ON_24_AUG])
        mid = set(others[ABOVE_70_ON_24_AUG:ABOVE_70_ON_24_AUG + ABOVE_50_ONLY_ON_24_AUG])
        g24, g15, g10 = {}, {}, {}
        for code, size in sizes.items():
            half, seventy = size // 2, size * 7 // 10
            if code in ALL_GREEN_BY_10_AUG:
                g24[code] = g10[code] = size
                g15[code] = max(half + 1, round(rng.uniform(0.52, 0.75) * size))
                continue
            if code in high:
                g24[code] = max(seventy + 1, round(rng.uniform(0.72, 0.86) * size))
            elif code in mid:
                g24[code] = min(max(half + 1, round(rng.uniform(0.52, 0.68) * size)), seventy)
            else:
                g24[code] = min(half, round(rng.uniform(0.18, 0.42) * size))
            g15[code] = min(half, g24[code] // 4)
            g10[code] = g15[code] + (g24[code] - g15[code]) * 7 // 10
        g15[CAO_BANG], g10[CAO_BANG] = 1, CAO_BANG_GREEN_10_AUG
        g7 = {c: g15[c] * 3 // 10 for c in sizes}
        g1 = {c: g7[c] // 2 for c in sizes}
        g25 = {c: g15[c] + (g10[c] - g15[c]) * 35 // 100 for c in sizes}

        b24 = distribute(BASIC_ON_24_AUG, g24, sizes, {c: sizes[c] - g24[c] for c in sizes}, rng)
        b7 = distribute(BASIC_ON_7_JUL, g7, b24, {c: b24[c] - g7[c] for c in sizes}, rng)

        def between(low, high_, share, floor_):
            return {c: max(floor_[c], low[c] + (high_[c] - low[c]) * share // 100) for c in sizes}

        b1 = between({c: 0 for c in sizes}, b7, 60, g1)
        b15, b25, b10 = between(b7, b24, 30, g15), between(b7, b24, 55, g25), between(b7, b24, 80, g10)
        s24 = distribute(STAFFED_ON_24_AUG, b24, sizes, {c: sizes[c] - b24[c] for c in sizes}, rng)
        staffed = [between({c: 0 for c in sizes}, s24, share, floor_) for share, floor_ in
                   ((60, b1), (65, b7), (85, b15), (92, b25), (98, b10))] + [s24]

        basic = [b1, b7, b15, b25, b10, b24]
        reporting, previous = [], {c: 0 for c in sizes}
        for knot, floor_ in zip(KNOTS, basic):
            lower = {c: max(previous[c], floor_[c]) for c in sizes}
            previous = distribute(REPORTING[knot], lower, sizes, sizes, rng)
            reporting.append(previous)
        green = [g1, g7, g15, g25, g10, g24]

        def by_province(series):
            return {c: [knot[c] for knot in series] for c in sizes}

        return {"green": by_province(green), "basic": by_province(basic), "staffed": by_province(staffed),
                "reporting": by_province(reporting)}

    # --- per-commune dates ------------------------------------------------------------------
    def _first_day_above(self, curve: list[int], rank: int) -> date | None:
        position = bisect.bisect_right(curve, rank)
        return self.days[position] if position < len(self.days) else None

    def _own_date(self, code: str, criterion: str) -> date | None:
        """When a criterion that is not the commune's bottleneck was met on its own (most early)."""
        unit = keyed_unit(self.seed, code, criterion)
        if unit > 0.97:
            return None
        return self.start + timedelta(days=int(45 * unit * unit))

    def _commune_facts(self, commune: Commune, rank: int, curves: dict) -> CommuneFacts:
        code = commune.code
        reports_from = self._first_day_above(curves["reporting"], rank)
        basic_on = self._first_day_above(curves["basic"], rank)
        green_on = self._first_day_above(curves["green"], rank)
        met = {"du_can_bo_mot_cua": self._first_day_above(curves["staffed"], rank)}
        # One equipment criterion is the last to be met: the day the basic conditions hold.
        equipment = [c for c in BASIC_CRITERIA if c != "du_can_bo_mot_cua"]
        bottleneck = equipment[int(keyed_unit(self.seed, code, "basic") * len(equipment))]
        for criterion in equipment:
            met[criterion] = basic_on if criterion == bottleneck else _earliest(basic_on, self._own_date(code, criterion))
        signing_bottleneck = SIGNING_CRITERIA[int(keyed_unit(self.seed, code, "signing") * 2)]
        for criterion in SIGNING_CRITERIA:
            own = _earliest(green_on, self._own_date(code, criterion))
            met[criterion] = green_on if criterion == signing_bottleneck and green_on != basic_on else own
        late = None
        if reports_from and reports_from > self.start and keyed_unit(self.seed, code, "late") < 0.5:
            late = reports_from - timedelta(days=1)  # sent after the cut-off the day before it joined
        return CommuneFacts(commune, reports_from, met, late)

    def _plan_completion(self, rng: random.Random) -> dict[str, dict[str, date]]:
        late_provinces = rng.sample(sorted(self.provinces), len(LATE_COMPLETIONS))
        late = dict(zip(late_provinces, LATE_COMPLETIONS))
        completion = {}
        for code in self.provinces:
            done = {t.code: t.deadline - timedelta(days=rng.randint(0, 10)) for t in PLAN_TASKS}
            done.update(dict(late.get(code, ())))
            completion[code] = done
        return completion

    # --- reading a day ----------------------------------------------------------------------
    def commune_state(self, code: str, day: date) -> dict[str, bool]:
        return {c: _on(self.facts[code].met_from[c], day) for c in CRITERIA}

    def overdue_tasks(self, province: str, day: date) -> list[tuple[PlanTask, int]]:
        done = self.task_completion[province]
        return [(t, (day - t.deadline).days) for t in PLAN_TASKS if t.deadline < day and not _on(done[t.code], day)]

    def province_status(self, province: str, day: date) -> str:
        overdue = self.overdue_tasks(province, day)
        if any(days > RED_AFTER_DAYS for _, days in overdue):
            return RED
        return YELLOW if overdue else GREEN


def meets_basic(state: dict[str, bool]) -> bool:
    return all(state[c] for c in BASIC_CRITERIA)


def commune_status(state: dict[str, bool]) -> str:
    if meets_basic(state) and all(state[c] for c in SIGNING_CRITERIA):
        return GREEN
    return YELLOW if meets_basic(state) else RED


def _on(since: date | None, day: date) -> bool:
    return since is not None and since <= day


def _earliest(a: date | None, b: date | None) -> date | None:
    return min((d for d in (a, b) if d is not None), default=None)
