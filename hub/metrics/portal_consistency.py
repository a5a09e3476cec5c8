"""The portal's own reported aggregates (provide-online-tree, table portal_reported_online) beside
what the hub's copy of the portal's dossiers adds up to, over the same province and period.

The hub's side counts the dossiers it loaded and those in quarantine whose metric inputs were kept
(dossier_metric_input: the portal counts them too); ``hub_quarantined_included`` says how many.
A difference gets its likely cause (``likely_cause``); status grades |hub − portal| dossiers as a
share of the portal's total (hub.settings.HealthThresholds); yellow when the portal gave no total.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Engine, and_, select

from hub.metrics import percent
from hub.settings import HealthThresholds
from hub.warehouse.db import upsert
from hub.warehouse.schema import dossier, dossier_metric_input, metric_portal_consistency, portal_reported_online
from quality.dossier_sums import CHANNELS, dossiers_per_reported_period

RATE_TOLERANCE = 0.01  # the portal rounds rates to 2 decimals


@dataclass(frozen=True)
class ChannelCounts:
    total: int | None
    online: int | None
    direct: int | None  # the portal counts a missing channel as direct (Decision 766, 3.3)
    rate_pct: float | None


def likely_cause(hub: ChannelCounts, portal: ChannelCounts) -> str | None:
    """Why the hub's figures differ from the portal's; None when they agree."""
    if portal.total is None and portal.online is None and portal.rate_pct is None:
        return "not_reported_by_portal"
    if portal.total is not None and portal.total > hub.total:
        return "dossiers_missing_from_hub"  # not synchronised yet, or quarantined (see quarantine)
    if portal.total is not None and portal.total < hub.total:
        return "synced_after_portal_snapshot"  # or the portal leaves out statuses the hub counts
    if ((portal.online is not None and portal.online != hub.online)
            or (portal.direct is not None and portal.direct != hub.direct)):
        return "channel_classified_differently"
    if (portal.rate_pct is not None and hub.rate_pct is not None
            and abs(portal.rate_pct - hub.rate_pct) > RATE_TOLERANCE):
        # the counts agree (or were not given) yet the rate does not: the portal's rate is not
        # its counts' quotient (a stricter definition, e.g. 766's electronic-result condition)
        return "rate_defined_differently"
    return None


def publish_portal_consistency(engine: Engine, thresholds: HealthThresholds | None = None) -> list[dict]:
    thresholds = thresholds or HealthThresholds()
    r = portal_reported_online.c
    hub = dossiers_per_reported_period(portal_reported_online, dossier, dossier_metric_input)
    query = (select(portal_reported_online, *[hub.c[k] for k in (*CHANNELS, "quarantined")])
             .select_from(portal_reported_online.outerjoin(hub, and_(hub.c.province_code == r.province_code,
                                                                     hub.c.period_start == r.period_start,
                                                                     hub.c.period_end == r.period_end))))
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        rows = [_row(x, thresholds, now) for x in conn.execute(query).mappings()]
        upsert(conn, metric_portal_consistency, rows)
    return rows


def _row(x, thresholds: HealthThresholds, now) -> dict:
    total, online, direct, postal, none = (int(x[k] or 0) for k in ("total", "online", "direct", "postal", "no_channel"))
    hub = ChannelCounts(total, online, direct + none, percent(online, total))
    portal = ChannelCounts(x["channel_total"], x["channel_online"], x["channel_direct"], x["ratio_pct"])
    gap = None if portal.total is None else total - portal.total
    share = None if gap is None else (abs(gap) * 100.0 / portal.total if portal.total else (0.0 if not gap else 100.0))
    return {"province_code": x["province_code"], "period_start": x["period_start"], "period_end": x["period_end"],
            "portal_as_of": x["as_of"], "portal_total": portal.total, "portal_online": portal.online,
            "portal_direct": portal.direct, "portal_postal": x["channel_postal"], "portal_ratio_pct": portal.rate_pct,
            "hub_total": total, "hub_online": online, "hub_direct": direct, "hub_postal": postal,
            "hub_no_channel": none, "hub_ratio_pct": hub.rate_pct, "total_difference": gap,
            "online_difference": None if portal.online is None else online - portal.online,
            "status": "yellow" if share is None else thresholds.grade(share, thresholds.consistency_green_pct,
                                                                      thresholds.consistency_yellow_pct),
            "likely_cause": likely_cause(hub, portal), "computed_at": now,
            "hub_quarantined_included": int(x["quarantined"] or 0)}
