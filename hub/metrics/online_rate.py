"""Online filing rate (tỷ lệ hồ sơ nộp trực tuyến), simple definition (indicators.md section 4).

numerator: dossiers received in the period with channel online;
denominator: dossiers received in the period, whatever their channel (missing counts as direct
in the 766 filing-form ratio, and is reported apart here). "Received" excludes status 1 (not
yet received) and 3 (refused at reception). Days are Asia/Ho_Chi_Minh days.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import Engine, func, select

from hub.metrics import percent
from hub.metrics.online_daily import NATION_CODE, NATION_NAME, NOT_RECEIVED, facts, publish_online_filing_daily  # noqa: F401 (NOT_RECEIVED re-exported)
from hub.warehouse.db import upsert
from hub.warehouse.schema import metric_online_filing_daily, metric_online_filing_rate

NATION = ("nation", NATION_CODE, NATION_NAME)
COUNTS = ("dossiers_received", "dossiers_online", "dossiers_direct", "dossiers_postal", "dossiers_no_channel",
          "dossiers_quarantined_included")


@dataclass(frozen=True)
class PublishedRates:
    period_start: date | None
    period_end: date | None
    rows: list[dict]

    @property
    def nation(self) -> dict | None:
        return next((r for r in self.rows if r["unit_level"] == "nation"), None)

    @property
    def provinces(self) -> list[dict]:
        return [r for r in self.rows if r["unit_level"] == "province"]



def publish_online_filing_rate(engine: Engine, period_start: date | None = None,
                               period_end: date | None = None) -> PublishedRates:
    """The period's rates per province and nation, summed from the daily facts (published first,
    incrementally: only the period's days whose dossiers changed are recomputed)."""
    with engine.begin() as conn:
        if period_start is None or period_end is None:
            first, last = conn.execute(select(func.min(facts.c.received_date), func.max(facts.c.received_date))).one()
            period_start, period_end = period_start or first, period_end or last
        if period_start is None:
            return PublishedRates(None, None, [])
        now = datetime.now(timezone.utc)
        publish_online_filing_daily(conn, period_start, period_end, now)
        daily = metric_online_filing_daily.c
        sums = (select(daily.unit_level, daily.unit_code, daily.unit_name,
                       *[func.sum(daily[column]).label(column) for column in COUNTS])
                .where(daily.breakdown == "all", daily.unit_level.in_(("nation", "province")),
                       daily.day.between(period_start, period_end))
                .group_by(daily.unit_level, daily.unit_code, daily.unit_name)
                .order_by(daily.unit_level.desc(), daily.unit_code))
        rows = [_row(r.unit_level, r.unit_code, r.unit_name, period_start, period_end, now,
                     *[r._mapping[column] for column in COUNTS]) for r in conn.execute(sums)]
        rows = [row for row in rows if row["unit_level"] == "province"] + [
            row for row in rows if row["unit_level"] == "nation"]
        upsert(conn, metric_online_filing_rate, rows)
    return PublishedRates(period_start, period_end, rows)


def _row(level, code, name, start, end, now, received, online, direct, postal, no_channel, quarantined) -> dict:
    return {
        "unit_level": level, "unit_code": code, "unit_name": name, "period_start": start, "period_end": end,
        "dossiers_received": int(received), "dossiers_online": int(online), "dossiers_direct": int(direct),
        "dossiers_postal": int(postal), "dossiers_no_channel": int(no_channel),
        "online_rate_pct": percent(int(online), int(received)), "computed_at": now,
        "dossiers_quarantined_included": int(quarantined),
    }
