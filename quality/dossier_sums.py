"""What dossiers add up to, in SQL the metrics and the quality checks share (no heavy imports: the
publish step imports it without Great Expectations).

The portal's own aggregates (provide-online-tree, table ``portal_reported_online``) are compared with
the dossiers the hub holds for the same province and period twice: metric_portal_consistency shows
the gap and its likely cause (hub/metrics/portal_consistency.py), and the quality check "đúng" fails a
period whose reported figures differ (quality/suites/reconciliation.py). Both read these sums. The
tables are passed in: quality never imports the hub's schema.
"""
from __future__ import annotations

from sqlalchemy import FromClause, Table, and_, case, func, literal_column, select, union_all

NOT_RECEIVED = (1, 3)  # statuses of dossiers not received (yet): neither the portal nor the hub counts them
CHANNELS = ("total", "online", "direct", "postal", "no_channel")


def count_if(condition):
    """How many rows of the group meet the condition (0, never NULL, for an empty group)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def channel_counts(*keys, table: FromClause):
    """Dossiers received per ``keys``, by channel (missing counted apart, and within direct); ``table``:
    the dossiers, or the metric inputs of quarantined ones (dossier_metric_input, same columns)."""
    d = table.c
    return (select(*keys, func.count().label("total"), count_if(d.channel == "online").label("online"),
                   count_if(d.channel == "direct").label("direct"), count_if(d.channel == "postal").label("postal"),
                   count_if(d.channel == "unknown").label("no_channel"))
            .where(d.status_code.not_in(NOT_RECEIVED)))


def _per_day(reported: Table, table: Table, quarantined: bool):
    """The received dossiers of ``table`` per province and day within the reported periods' span, by
    channel, with the newest load time among them (what a check of a period must notice)."""
    t, r = table.c, reported.c
    return (channel_counts(t.province_code, t.received_date, table=table)
            .add_columns((func.count() if quarantined else literal_column("0")).label("quarantined"),
                         func.max(t.loaded_at).label("newest_loaded_at"))
            .where(t.received_date.between(select(func.min(r.period_start)).scalar_subquery(),
                                           select(func.max(r.period_end)).scalar_subquery()))
            .group_by(t.province_code, t.received_date))


def dossiers_per_reported_period(reported: Table, dossier: Table, metric_input: Table):
    """Per (province_code, period_start, period_end) the portal reported on: the hub's dossiers received
    in it by channel (``CHANNELS``), those among them counted through their quarantined metric inputs
    (``quarantined``: the portal counts them too) and the newest ``loaded_at`` of any of them. A period
    without a dossier has no row.

    The dossiers are read once, grouped per province and day, and the days summed per period: the
    periods overlap (each daily read asks from ``reporting_from`` to its day), so joining every period
    to its dossiers would read a dossier once per period that holds it."""
    days = union_all(_per_day(reported, dossier, False), _per_day(reported, metric_input, True)).subquery("per_day")
    r = reported.c
    return (select(r.province_code, r.period_start, r.period_end,
                   *[func.sum(days.c[k]).label(k) for k in (*CHANNELS, "quarantined")],
                   func.max(days.c.newest_loaded_at).label("newest_loaded_at"))
            .select_from(reported.join(days, and_(days.c.province_code == r.province_code,
                                                  days.c.received_date.between(r.period_start, r.period_end))))
            .group_by(r.province_code, r.period_start, r.period_end).subquery("dossiers_per_period"))
