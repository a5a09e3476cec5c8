"""The Decision 766 indicators the dossiers can compute (indicators.md section 2), per province,
nation and month, beside the portal's own reported aggregates.

From dossier-level data, over dossiers received in the month (the online rate's definition), summed
from the per-day facts (hub/metrics/day_facts.py) so a month is not read again for one changed day:
- 1.4 DOSSIER_SYNC: dossiers the hub holds ÷ the larger of that and the portal's reported total;
- 3.3 ONLINE_FILING_FORM: channel online ÷ received (the simple share; the electronic-result
  condition needs result links the hub does not hold);
- 3.6 ONLINE_PAYMENT_DOSSIER: paid online (DuocThanhToanTrucTuyen 1 DVCQG or 2 local gateway) ÷
  dossiers whose payment field was synchronised;
- 4.2 SO_HOA_GIAY_TO_GIAI_QUYET: dossiers with a digitised component ÷ received;
- 4.3 REUSED_DIGITIZED_DATA: dossiers with a component reused from data ÷ received;
- 4.4 SYNCED_WITH_DVCQG_PERSONAL_STORAGE: dossiers with a component from the citizen's store ÷ received;
- 4.5b CITIZEN_DATA_CONNECTED_DOSSIER: dossiers whose account was verified with VNeID ÷ received.
Dossiers quarantined for a defect outside their metric inputs (dossier_metric_input) count in 1.4 and
3.3, the indicators their slim row can answer (``dossiers_quarantined_included`` says how many); the
others read payment, digitisation and attachment data the hub holds only for loaded dossiers.
The portal reports channel counts (portal_reported_online) for the period it was asked about: its
figures stand beside a month only when that period is exactly the month; other periods are compared
in metric_portal_consistency. Each difference carries its likely cause (portal_consistency.likely_cause).
"""
from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, datetime, timezone

from sqlalchemy import Engine, select

from hub.metrics import percent
from hub.metrics.online_rate import NATION
from hub.metrics.day_facts import refresh_day_facts
from hub.metrics.portal_consistency import ChannelCounts, likely_cause
from hub.warehouse.db import upsert
from quality.dossier_sums import channel_counts
from hub.warehouse.schema import (admin_province, dossier_day_facts, dossier_metric_input, metric_decision766,
                                  portal_reported_online)

# code -> (indicator number, numerator count, denominator count); DOSSIER_SYNC is set beside the portal
INDICATORS = {
    "DOSSIER_SYNC": ("1.4", "total", None),
    "ONLINE_FILING_FORM": ("3.3", "online", "total"),
    "ONLINE_PAYMENT_DOSSIER": ("3.6", "paid_online", "payment_synced"),
    "SO_HOA_GIAY_TO_GIAI_QUYET": ("4.2", "digitised", "total"),
    "REUSED_DIGITIZED_DATA": ("4.3", "reusing", "total"),
    "SYNCED_WITH_DVCQG_PERSONAL_STORAGE": ("4.4", "from_store", "total"),
    "CITIZEN_DATA_CONNECTED_DOSSIER": ("4.5b", "vneid", "total"),
}
COUNTS = ("total", "online", "direct", "postal", "no_channel", "paid_online", "payment_synced", "digitised",
          "reusing", "from_store", "vneid")
CHANNEL_COUNTS = ("total", "online", "direct", "no_channel")
# the indicators a quarantined dossier's metric inputs answer: its channel and its being received
WITH_QUARANTINED = ("DOSSIER_SYNC", "ONLINE_FILING_FORM")
QUARANTINED = "quarantined_"  # prefix of the quarantined dossiers' channel counts


def _month(day: date) -> tuple[date, date]:
    return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _day_fact_counts(first: date, last: date):
    """The days' facts per province (hub/metrics/day_facts.py), named as the dossier counts."""
    f = dossier_day_facts.c
    return select(f.day.label("received_date"), f.province_code, *[f[name] for name in COUNTS]) \
        .where(f.day.between(first, last))


def _quarantined_daily_counts(first: date, last: date):
    q = dossier_metric_input.c
    return (channel_counts(q.received_date, q.province_code, table=dossier_metric_input)
            .where(q.received_date.between(first, last))
            .group_by(q.received_date, q.province_code))


def publish_decision766(engine: Engine, period_start: date, period_end: date) -> list[dict]:
    """Every month the period touches, whole; returns the rows."""
    first, last = _month(period_start)[0], _month(period_end)[1]
    months = sorted({_month(date.fromordinal(n))[0] for n in range(first.toordinal(), last.toordinal() + 1)})
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        refresh_day_facts(conn, first, last, now)
        names = dict(conn.execute(select(admin_province.c.code, admin_province.c.full_name)).all())
        hub: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(COUNTS + _quarantined(CHANNEL_COUNTS), 0))
        for query, counts, prefix in ((_day_fact_counts(first, last), COUNTS, ""),
                                      (_quarantined_daily_counts(first, last), CHANNEL_COUNTS, QUARANTINED)):
            for r in conn.execute(query).mappings():
                month = _month(r["received_date"])[0]
                for key in ((month, r["province_code"]), (month, NATION[1])):
                    for count in counts:
                        hub[key][prefix + count] += int(r[count])
        portal = {(r.province_code, r.period_start, r.period_end): r
                  for r in conn.execute(select(portal_reported_online))}
        codes = sorted(set(names) | {code for _, code in hub if code != NATION[1]}) + [NATION[1]]
        rows = []
        for month in months:
            beside = _portal_by_unit(portal, names, month)
            for code in codes:
                name = NATION[2] if code == NATION[1] else names.get(code)
                rows += _rows(month, code, name, code == NATION[1] or code in names, hub[(month, code)],
                              beside.get(code), now)
        upsert(conn, metric_decision766, rows)
    return rows


def _portal_by_unit(portal: dict, names: dict, month: date) -> dict[str, dict | None]:
    """The portal's figures for exactly this month per province, and for the nation when every
    province reported them (a partial sum would pass for the nation's)."""
    end = _month(month)[1]
    by_unit = {code: portal_figures(portal.get((code, month, end))) for code in names}
    if all(by_unit.values()):
        by_unit[NATION[1]] = {k: sum(f[k] or 0 for f in by_unit.values()) for k in ("total", "online", "direct")}
        by_unit[NATION[1]]["rate_pct"] = None
    return by_unit


def portal_figures(reported) -> dict | None:
    if reported is None:
        return None
    return {"total": reported.channel_total, "online": reported.channel_online, "direct": reported.channel_direct,
            "rate_pct": reported.ratio_pct}


def _quarantined(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(QUARANTINED + name for name in names)


def _rows(month, code, name, known, counts, portal, now) -> list[dict]:
    channel = {k: counts[k] + counts[QUARANTINED + k] for k in CHANNEL_COUNTS}  # loaded and quarantined
    hub_counts = ChannelCounts(channel["total"], channel["online"], channel["direct"] + channel["no_channel"],
                               percent(channel["online"], channel["total"]))
    portal_counts = ChannelCounts(**portal) if portal else ChannelCounts(None, None, None, None)
    if portal_counts.rate_pct is None and portal_counts.total:
        portal_counts = ChannelCounts(portal_counts.total, portal_counts.online, portal_counts.direct,
                                      percent(portal_counts.online or 0, portal_counts.total))
    cause = likely_cause(hub_counts, portal_counts)
    rows = []
    for indicator, (number, numerator_key, denominator_key) in INDICATORS.items():
        included = indicator in WITH_QUARANTINED
        counted = channel if included else counts
        numerator = counted[numerator_key]
        row = {"month": month, "unit_code": code, "indicator_code": indicator, "unit_name": name, "unit_known": known,
               "indicator_no": number, "numerator": numerator, "portal_numerator": None, "portal_denominator": None,
               "portal_rate_pct": None, "difference_pct": None, "likely_cause": "not_reported_by_portal",
               "computed_at": now, "dossiers_quarantined_included": counts[QUARANTINED + "total"] if included else 0}
        if indicator == "DOSSIER_SYNC":
            denominator = None if portal_counts.total is None else max(numerator, portal_counts.total)
            row |= {"portal_numerator": portal_counts.total, "likely_cause": cause}
        else:
            denominator = counted[denominator_key]
        if indicator == "ONLINE_FILING_FORM":
            row |= {"portal_numerator": portal_counts.online, "portal_denominator": portal_counts.total,
                    "portal_rate_pct": portal_counts.rate_pct, "likely_cause": cause}
        rate = None if denominator is None else percent(numerator, denominator)
        if rate is not None and row["portal_rate_pct"] is not None:
            row["difference_pct"] = round(rate - row["portal_rate_pct"], 2)
        rows.append(row | {"denominator": denominator, "rate_pct": rate})
    return rows
