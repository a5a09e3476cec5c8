"""Online filing rate (tỷ lệ hồ sơ nộp trực tuyến), simple definition (indicators.md section 4).

numerator: dossiers received in the period with channel online;
denominator: dossiers received in the period, whatever their channel (missing counts as direct
in the 766 filing-form ratio, and is reported apart here). "Received" excludes status 1 (not
yet received) and 3 (refused at reception). Days are Asia/Ho_Chi_Minh days.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import Engine, case, func, select

from hub.metrics import percent
from hub.warehouse.db import upsert
from hub.warehouse.schema import admin_province, dossier, metric_online_filing_rate

NOT_RECEIVED = (1, 3)
NATION = ("nation", "VN", "Toàn quốc")


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



def _count(channel: str | None):
    condition = dossier.c.channel.is_(None) if channel is None else dossier.c.channel == channel
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def publish_online_filing_rate(engine: Engine, period_start: date | None = None,
                               period_end: date | None = None) -> PublishedRates:
    with engine.begin() as conn:
        if period_start is None or period_end is None:
            first, last = conn.execute(select(func.min(dossier.c.received_date), func.max(dossier.c.received_date))).one()
            period_start, period_end = period_start or first, period_end or last
        if period_start is None:
            return PublishedRates(None, None, [])
        received = dossier.c.status_code.not_in(NOT_RECEIVED) & dossier.c.received_date.between(period_start, period_end)
        counts = (
            select(
                dossier.c.province_code,
                func.count().label("received"),
                _count("online").label("online"),
                _count("direct").label("direct"),
                _count("postal").label("postal"),
                _count("unknown").label("no_channel"),
            )
            .where(received)
            .group_by(dossier.c.province_code)
            .subquery()
        )
        query = (
            select(admin_province.c.code, admin_province.c.full_name, counts)
            .select_from(admin_province.outerjoin(counts, counts.c.province_code == admin_province.c.code))
            .order_by(admin_province.c.code)
        )
        now = datetime.now(timezone.utc)
        rows = []
        for r in conn.execute(query).mappings():
            rows.append(_row("province", r["code"], r["full_name"], period_start, period_end, now,
                             r["received"] or 0, r["online"] or 0, r["direct"] or 0, r["postal"] or 0,
                             r["no_channel"] or 0))
        totals = [sum(row[k] for row in rows) for k in
                  ("dossiers_received", "dossiers_online", "dossiers_direct", "dossiers_postal", "dossiers_no_channel")]
        rows.append(_row(*NATION, period_start, period_end, now, *totals))
        upsert(conn, metric_online_filing_rate, rows)
    return PublishedRates(period_start, period_end, rows)


def _row(level, code, name, start, end, now, received, online, direct, postal, no_channel) -> dict:
    return {
        "unit_level": level, "unit_code": code, "unit_name": name, "period_start": start, "period_end": end,
        "dossiers_received": int(received), "dossiers_online": int(online), "dossiers_direct": int(direct),
        "dossiers_postal": int(postal), "dossiers_no_channel": int(no_channel),
        "online_rate_pct": percent(int(online), int(received)), "computed_at": now,
    }
