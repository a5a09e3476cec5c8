"""Indicator 3.1, procedures provided online (tỷ lệ TTHC cung cấp DVCTT), per province and nation per
report date, from the portal's own counts (portal_service_level, the provide-online-tree criterion).

The level of online service is held per procedure and applying unit by the portal, not in the
catalogue packages the hub reads (dvc_portal.md section 6), so the counts are the portal's: procedures
in scope, and of them those whose highest level is partial or full-process online. The shares:
- full_online_pct: full-process ÷ procedures in scope (the national target: 80 % by end-2025);
- partial_online_pct: partial ÷ procedures in scope;
- online_pct: partial or full ÷ procedures in scope.
The nation's counts are the portal's national node, not the provinces' sum: a procedure offered
full-process in two provinces is one procedure of the nation.

Rows are dense on a report date: the nation and every province of the reference units, ``reported``
false and NULL counts and shares for a unit the portal gave no counts for (NULL is not 0); a code the
units do not know gets its own row (``unit_known`` false). Incremental (hub/metrics/partitions.py):
only the report dates whose portal counts changed since their last publish are recomputed, by one
``INSERT … SELECT`` per kind of unit.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import Engine, and_, false, literal, null, select, true

from hub.metrics.online_daily import NATION_CODE, NATION_NAME
from hub.metrics.partitions import fingerprints, one_writer_at_a_time, republish_days, stale_days
from hub.metrics.sql import constant, days_table, rate_pct
from hub.warehouse.schema import UTC, admin_province, metric_online_service_level, portal_service_level

METRIC = "online_service_level"
COLUMNS = ["report_date", "unit_level", "unit_code", "unit_name", "unit_known", "reported", "period_start",
           "portal_as_of", "procedures", "procedures_partial", "procedures_full", "procedures_online",
           "full_online_pct", "partial_online_pct", "online_pct", "computed_at"]
s, ap = portal_service_level.c, admin_province.c


def publish_online_service_level(engine: Engine) -> list[date]:
    """Recompute the report dates whose portal counts changed; returns those dates."""
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        one_writer_at_a_time(conn, METRIC)
        current = fingerprints(conn, s.report_date, portal_service_level)
        dates = stale_days(conn, METRIC, current, sorted(current))
        if dates:
            republish_days(conn, METRIC, metric_online_service_level, metric_online_service_level.c.report_date,
                           dates, COLUMNS, _units(dates, now), current, now)
    return dates


def _measures(now: datetime) -> list:
    online = s.procedures_partial + s.procedures_full
    return [s.unit_code.is_not(None), s.period_start, s.as_of, s.procedures, s.procedures_partial,
            s.procedures_full, online, rate_pct(s.procedures_full, s.procedures),
            rate_pct(s.procedures_partial, s.procedures), rate_pct(online, s.procedures), literal(now, UTC)]


def _units(dates: list[date], now: datetime):
    """One SELECT per kind of unit, each yielding rows in COLUMNS order."""
    days = days_table(dates)
    yield (select(days.c.day, constant("nation"), constant(NATION_CODE), constant(NATION_NAME), true(),
                  *_measures(now))
           .select_from(days.outerjoin(portal_service_level,
                                       and_(s.report_date == days.c.day, s.unit_code == NATION_CODE))))
    yield (select(days.c.day, constant("province"), ap.code, ap.full_name, true(), *_measures(now))
           .select_from(days.join(admin_province, true())
                        .outerjoin(portal_service_level, and_(s.report_date == days.c.day, s.unit_code == ap.code))))
    yield (select(s.report_date, constant("province"), s.unit_code, null(), false(), *_measures(now))
           .where(s.report_date.in_(dates), s.unit_code != NATION_CODE, s.unit_code.not_in(select(ap.code))))
