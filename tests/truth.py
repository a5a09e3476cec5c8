"""Ground truth counted straight from the sandbox's records, independently of the hub's code."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from mappings.admin_units import load_admin_units


def online_counts_by_province(stack, period_start: date, period_end: date) -> dict[str, tuple[int, int]]:
    """province GSO code -> (received, online), by the published definition (docs/metrics.md)."""
    by_dvcqg = load_admin_units().by_dvcqg
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for hxx, record in stack.portal_app.state.data.all_records():
        if int(record["TrangThaiHoSo"]) in (1, 3):
            continue
        stamp = record["NgayTiepNhan"] or record["NgayNopHoSo"]
        if not stamp:
            continue
        day = datetime.strptime(stamp, "%Y%m%d%H%M%S").date()  # portal dates are already local
        if not period_start <= day <= period_end:
            continue
        entry = counts[by_dvcqg[hxx].code]
        entry[0] += 1
        entry[1] += record["KenhThucHien"] == "2"
    return {code: (received, online) for code, (received, online) in counts.items()}


def served_records(stack) -> list[dict]:
    return [record for _, record in stack.portal_app.state.data.all_records()]
