"""Ground truth counted straight from the sandbox's records, independently of the hub's code."""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select

from hub.warehouse.raw import iter_raw_records
from hub.warehouse.schema import metadata
from mappings.admin_units import load_admin_units


def online_counts(records, period_start: date, period_end: date) -> dict[str, tuple[int, int]]:
    """province GSO code -> (received, online) over (Hxx, record) pairs, by the published definition
    (docs/metrics.md): receipt date, else submission date, within the period; status not 1 or 3."""
    by_dvcqg = load_admin_units().by_dvcqg
    first, last = f"{period_start:%Y%m%d}", f"{period_end:%Y%m%d}"  # portal dates are already local
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for hxx, record in records:
        if record["TrangThaiHoSo"] in ("1", "3"):
            continue
        stamp = record["NgayTiepNhan"] or record["NgayNopHoSo"]
        if not stamp or not first <= stamp[:8] <= last:
            continue
        entry = counts[by_dvcqg[hxx].code]
        entry[0] += 1
        entry[1] += record["KenhThucHien"] == "2"
    return {code: (received, online) for code, (received, online) in counts.items()}


def online_counts_by_province(stack, period_start: date, period_end: date) -> dict[str, tuple[int, int]]:
    return online_counts(stack.portal_app.state.data.all_records(), period_start, period_end)


def served_records(stack) -> list[dict]:
    return [record for _, record in stack.portal_app.state.data.all_records()]


def warehouse_snapshot(engine, tables=("dossier", "quarantine", "sync_checkpoint")) -> dict:
    """What a sync leaves in the warehouse, without the columns that name the load or its time."""
    with engine.connect() as conn:
        result = {"raw": sorted({(r.source, r.stream, r.record_key, r.payload_sha256)
                                 for r in iter_raw_records(engine)})}
        for name in tables:
            table = metadata.tables[name]
            drop = {"load_id", "loaded_at", "received_at", "quarantined_at", "updated_at"} if name != "dossier" else {"load_id", "loaded_at"}
            cols = [c for c in table.c if c.name not in drop]
            result[name] = sorted(tuple(map(str, row)) for row in conn.execute(select(*cols)))
        return result
