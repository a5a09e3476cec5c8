"""Dossier reduction per local day and unit: the nation, each province, commune and procedure.

Counts are additive, so a date range is the sum of its days and a province the sum of its
communes. Every known unit gets a row for every day of the published range, zero counts and NULL
rates included; a unit code the reference data does not know (or a missing commune) gets its own
row with ``unit_known`` false, so nothing is dropped silently.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Engine, func, select

from hub.metrics import percent
from hub.metrics.dossier_reduction import FIGURES, figures, per_dossier
from hub.warehouse.db import upsert
from hub.warehouse.schema import admin_commune, admin_province, metric_dossier_reduction_day, procedure

NATION_CODE = "VN"
MISSING_CODE = "-"  # a dossier without a commune code


def _levels(dossiers):
    """unit level -> (the unit code expression of a per-dossier row, the reference units {code: name})."""
    return {
        "nation": (None, None),
        "province": (dossiers.c.province_code, select(admin_province.c.code, admin_province.c.full_name)),
        "commune": (func.coalesce(dossiers.c.commune_code, MISSING_CODE),
                    select(admin_commune.c.code, admin_commune.c.full_name)),
        "procedure": (dossiers.c.procedure_code, select(procedure.c.procedure_code, procedure.c.name)),
    }


def publish_dossier_reduction_days(engine: Engine, period_start: date, period_end: date) -> list[dict]:
    dossiers = per_dossier(period_start, period_end)
    days = [period_start + timedelta(n) for n in range((period_end - period_start).days + 1)]
    now = datetime.now(timezone.utc)
    rows = []
    with engine.begin() as conn:
        for level, (unit, reference) in _levels(dossiers).items():
            known = dict(conn.execute(reference).all()) if reference is not None else {NATION_CODE: "Toàn quốc"}
            keys = (dossiers.c.received_date,) + ((unit.label("unit_code"),) if unit is not None else ())
            counted = {(r.received_date, r.unit_code if unit is not None else NATION_CODE): r
                       for r in conn.execute(figures(dossiers, *keys))}
            codes = sorted(set(known) | {code for _, code in counted})
            rows += [_row(day, level, code, known.get(code), code in known, counted.get((day, code)), now)
                     for day in days for code in codes]
        upsert(conn, metric_dossier_reduction_day, rows)
    return rows


def _row(day, level, code, name, known, counts, now) -> dict:
    received, reusing, with_avoidable, *rest = ((counts.received, counts.reusing, counts.with_avoidable,
                                                *(getattr(counts, f) for f in FIGURES)) if counts else (0,) * 8)
    attachments, replaceable, avoidable, verified, outside = (int(v) for v in rest)
    return {"day": day, "unit_level": level, "unit_code": code, "unit_name": name, "unit_known": known,
            "dossiers_received": int(received), "dossiers_reusing_data": int(reusing),
            "dossiers_with_avoidable": int(with_avoidable), "attachments": attachments,
            "attachments_replaceable": replaceable, "attachments_avoidable": avoidable,
            "attachments_avoidable_verified": verified, "attachments_outside_list": outside,
            "reuse_rate_pct": percent(int(reusing), int(received)), "avoidable_pct": percent(avoidable, attachments),
            "outside_list_pct": percent(outside, attachments), "computed_at": now}
