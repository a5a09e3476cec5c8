"""Dossier reduction: how far dossiers still demand paper that national databases already hold.

Per province and nation, for dossiers received in the period (same definition as the online rate):
- dossiers reusing data: at least one component reused from digitised data or another dossier's
  result, or taken from the citizen's document store (indicator 4.3 / 4.4 of Decision 766);
- attachments (not deleted) and, of those, *replaceable*: the procedure's component can be replaced
  by a national or sectoral database (the catalogue's CSDL_THAYTHE);
- *avoidable*: replaceable yet submitted on paper/file (not reused, not from the store);
- *avoidable, verified*: avoidable, replaceable by the population database, and the owner was
  verified there (outcome match): the register provably holds what was asked for.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import Engine, and_, case, distinct, false as false_, func, or_, select, true

from hub.metrics.online_rate import NATION, NOT_RECEIVED
from hub.metrics import percent
from hub.warehouse.db import upsert
from hub.warehouse.schema import (admin_province, citizen_verification, dossier, dossier_attachment,
                                  metric_dossier_reduction, procedure_component)

a, d, pc, cv = dossier_attachment.c, dossier.c, procedure_component.c, citizen_verification.c



def publish_dossier_reduction(engine: Engine, period_start: date, period_end: date) -> list[dict]:
    received = and_(d.status_code.not_in(NOT_RECEIVED), d.received_date.between(period_start, period_end))
    reused = or_(a.reuse_state.in_((1, 2)), a.from_personal_store == true())
    replaceable = pc.replaceable_by.is_not(None)
    avoidable = and_(replaceable, ~reused)
    verified = and_(avoidable, pc.replaceable_by == "population", cv.outcome == "match")
    count = lambda condition: func.coalesce(func.sum(case((condition, 1), else_=0)), 0)  # noqa: E731
    attachments = (
        select(d.province_code,
               func.count(distinct(case((reused, d.dossier_id)))).label("reusing"),
               func.count().label("attachments"), count(replaceable).label("replaceable"),
               count(avoidable).label("avoidable"), count(verified).label("verified"))
        .select_from(dossier_attachment.join(dossier, d.dossier_id == a.dossier_id)
                     .outerjoin(procedure_component, and_(pc.procedure_code == d.procedure_code,
                                                          pc.component_code == a.component_code))
                     .outerjoin(citizen_verification, and_(cv.subject_id_hash == d.owner_id_hash,
                                                           cv.source == "population_db")))
        .where(received, a.is_deleted == false_())
        .group_by(d.province_code)
    )
    dossiers = select(d.province_code, func.count().label("received")).where(received).group_by(d.province_code)
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        names = dict(conn.execute(select(admin_province.c.code, admin_province.c.full_name)).all())
        counts = {r.province_code: r for r in conn.execute(attachments)}
        totals = dict(conn.execute(dossiers).all())
        rows = []
        for code, name in sorted(names.items()):
            r = counts.get(code)
            values = (totals.get(code, 0), *(tuple(r)[1:] if r else (0, 0, 0, 0, 0)))
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
