"""Per procedure: which dossier components a connected database could replace, whether the portal
already replaces them, and progress toward the national target of procedures whose components are
replaced by data (1,139 by end-2025; seeds 003). The attachment counts are sums of the per-day facts
(hub/metrics/day_facts.py): only days whose dossiers changed are read again.

A component is *replaced by the portal* when the catalogue names a result document that replaces
it (MA_KQ_THAYTHE) or the portal's dossiers (every one the hub holds that was received) filled it
from data at least once: reused digitised data or another result, or taken from the citizen's store.
A procedure *replaces components by data* when at least one of its replaceable components is
replaced by the portal.
"""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, func, select

from hub.metrics import percent
from hub.metrics.day_facts import refresh_day_facts
from hub.settings import LOCAL_TZ
from hub.warehouse.db import upsert
from hub.warehouse.schema import (component_day_facts, metric_dossier_reduction_progress,
                                  metric_procedure_component_reduction, procedure, procedure_component)

NATIONAL_TARGET = 1139
pc, p = procedure_component.c, procedure.c


def publish_procedure_reduction(engine: Engine) -> dict:
    """Publishes the component rows and today's progress row; returns the progress row."""
    f = component_day_facts.c
    used = (select(f.procedure_code, f.component_code, func.sum(f.replaced).label("replaced"),
                   func.sum(f.submitted).label("submitted"))
            .group_by(f.procedure_code, f.component_code).subquery())
    query = (select(pc.procedure_code, pc.component_code, p.name.label("procedure_name"), pc.name,
                    pc.replaceable_by, pc.replaced_by_result_code,
                    func.coalesce(used.c.submitted, 0).label("submitted"),
                    func.coalesce(used.c.replaced, 0).label("replaced"))
             .select_from(procedure_component.join(procedure, p.procedure_code == pc.procedure_code)
                          .outerjoin(used, and_(used.c.procedure_code == pc.procedure_code,
                                                used.c.component_code == pc.component_code)))
             .order_by(pc.procedure_code, pc.component_code))
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        refresh_day_facts(conn, now=now)
        rows = [{"procedure_code": r.procedure_code, "component_code": r.component_code,
                 "procedure_name": r.procedure_name, "component_name": r.name, "replaceable_by": r.replaceable_by,
                 "replaced_by_result_code": r.replaced_by_result_code or None,
                 "attachments_submitted": int(r.submitted), "attachments_replaced": int(r.replaced),
                 "portal_replaces": bool(r.replaced_by_result_code) or r.replaced > 0, "computed_at": now}
                for r in conn.execute(query)]
        upsert(conn, metric_procedure_component_reduction, rows)
        procedures = conn.execute(select(func.count()).select_from(procedure)).scalar_one()
        replaceable = {r["procedure_code"] for r in rows if r["replaceable_by"]}
        replacing = {r["procedure_code"] for r in rows if r["replaceable_by"] and r["portal_replaces"]}
        progress = {"as_of_date": now.astimezone(ZoneInfo(LOCAL_TZ)).date(), "procedures": procedures,
                    "procedures_replaceable": len(replaceable), "procedures_replacing": len(replacing),
                    "target_procedures": NATIONAL_TARGET,
                    "target_progress_pct": percent(len(replacing), NATIONAL_TARGET), "computed_at": now}
        upsert(conn, metric_dossier_reduction_progress, [progress])
    return progress
