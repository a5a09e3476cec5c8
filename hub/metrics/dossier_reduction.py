"""Dossier reduction: how far dossiers still demand paper that national databases already hold.

Per province and nation, for dossiers received in the period (same definition as the online rate),
from the per-dossier figures of ``per_dossier`` (what each attachment says: hub/metrics/attachments.py):
- dossiers reusing data: at least one component reused from digitised data or another dossier's
  result, or taken from the citizen's document store (indicator 4.3 / 4.4 of Decision 766);
- attachments (not deleted) and, of those, replaceable, avoidable and avoidable-verified.
Per day and per commune and procedure: dossier_reduction_day.py.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import ColumnElement, Engine, Select, and_, func, select

from hub.metrics import attachments as att
from hub.metrics import percent
from hub.metrics.online_rate import NATION, NOT_RECEIVED
from hub.metrics.sql import count_if
from hub.warehouse.db import upsert
from hub.warehouse.schema import admin_province, dossier, metric_dossier_reduction

d = dossier.c
FIGURES = ("attachments", "replaceable", "avoidable", "verified", "outside_list")


def per_dossier(period_start: date, period_end: date):
    """One row per dossier received in the period: its units, its day and its attachment counts."""
    return per_dossier_received(d.received_date.between(period_start, period_end)).subquery()


def per_dossier_received(on_days: ColumnElement[bool]) -> Select:
    """per_dossier's rows for the received dossiers whose receipt day meets ``on_days``."""
    received = and_(d.status_code.not_in(NOT_RECEIVED), on_days)
    return (select(d.dossier_id, d.received_date, d.province_code, d.commune_code, d.procedure_code,
                   count_if(att.present).label("attachments"), count_if(att.reused).label("reused"),
                   count_if(att.replaceable).label("replaceable"), count_if(att.avoidable).label("avoidable"),
                   count_if(att.verified).label("verified"), count_if(att.outside_list).label("outside_list"))
            .select_from(att.attachments_of(dossier))
            .where(received)
            .group_by(d.dossier_id, d.received_date, d.province_code, d.commune_code, d.procedure_code))


def figures(dossiers, *keys):
    """The additive reduction figures of the per-dossier rows, grouped by ``keys``."""
    return (select(*keys, func.count().label("received"), count_if(dossiers.c.reused > 0).label("reusing"),
                   count_if(dossiers.c.avoidable > 0).label("with_avoidable"),
                   *[func.coalesce(func.sum(dossiers.c[f]), 0).label(f) for f in FIGURES])
            .group_by(*keys))


def publish_dossier_reduction(engine: Engine, period_start: date, period_end: date) -> list[dict]:
    dossiers = per_dossier(period_start, period_end)
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        names = dict(conn.execute(select(admin_province.c.code, admin_province.c.full_name)).all())
        counts = {r.province_code: r for r in conn.execute(figures(dossiers, dossiers.c.province_code))}
        rows = []
        for code, name in sorted(names.items()):
            r = counts.get(code)
            values = (r.received, r.reusing, r.attachments, r.replaceable, r.avoidable, r.verified) if r else (0,) * 6
            rows.append(_row("province", code, name, period_start, period_end, now, *values))
        summed = [sum(row[k] for row in rows) for k in ("dossiers_received", "dossiers_reusing_data", "attachments",
                                                          "attachments_replaceable", "attachments_avoidable",
                                                          "attachments_avoidable_verified")]
        rows.append(_row(*NATION, period_start, period_end, now, *summed))
        upsert(conn, metric_dossier_reduction, rows)
    return rows


def _row(level, code, name, start, end, now, received, reusing, attachments, replaceable, avoidable, verified):
    return {"unit_level": level, "unit_code": code, "unit_name": name, "period_start": start, "period_end": end,
            "dossiers_received": int(received), "dossiers_reusing_data": int(reusing), "attachments": int(attachments),
            "attachments_replaceable": int(replaceable), "attachments_avoidable": int(avoidable),
            "attachments_avoidable_verified": int(verified), "reuse_rate_pct": percent(int(reusing), int(received)),
            "avoidable_pct": percent(int(avoidable), int(attachments)), "computed_at": now}
