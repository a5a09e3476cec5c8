"""Additive per-day facts that the period metrics sum instead of reading every dossier again.

- ``dossier_day_facts``: per receipt day and province, the received dossiers by channel and the
  Decision 766 counts (paid online, payment synchronised, digitised, reusing data, from the
  citizen's store, VNeID-verified); Decision 766 sums a month of them.
- ``component_day_facts``: per receipt day, procedure and component, the attachments submitted as
  files and those filled from data; the per-component reduction sums every day of them.

Both are refreshed for the days whose dossiers changed since they were last computed (their
attachments are written with them), by ``INSERT … SELECT`` in the database, with the fingerprints
of hub/metrics/partitions.py, so publishing one changed day reads one day of dossiers.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import Connection, and_, delete, false, func, insert, select, true

from hub.metrics import attachments as att
from hub.metrics.online_rate import NOT_RECEIVED
from hub.metrics.partitions import days_between, fingerprints, one_writer_at_a_time, record_published, stale_days
from hub.metrics.sql import count_if
from quality.dossier_sums import channel_counts
from hub.warehouse.schema import component_day_facts, dossier, dossier_attachment, dossier_day_facts
from quality.fingerprint import EMPTY

FACTS = "day_facts"  # publish_partition.metric of both tables
d, a = dossier.c, dossier_attachment.c


def refresh_day_facts(conn: Connection, first: date | None = None, last: date | None = None,
                      now: datetime | None = None) -> list[date]:
    """Recompute the facts of the days of [first, last] (default: every receipt day held) whose
    dossiers changed; returns those days."""
    one_writer_at_a_time(conn, FACTS)
    if first is None or last is None:
        held_first, held_last = conn.execute(select(func.min(d.received_date), func.max(d.received_date))).one()
        if held_first is None:
            return []
        first, last = first or held_first, last or held_last
    loaded = fingerprints(conn, d.received_date, dossier, d.received_date.between(first, last))
    days = days_between(first, last)
    current = {day: loaded.get(day, EMPTY) for day in days}
    stale = stale_days(conn, FACTS, current, days)
    if stale:
        for table in (dossier_day_facts, component_day_facts):
            conn.execute(delete(table).where(table.c.day.in_(stale)))
        dossier_facts = _dossier_facts(stale)
        conn.execute(insert(dossier_day_facts).from_select([c.name for c in dossier_facts.selected_columns],
                                                           dossier_facts))
        component_facts = _component_facts(stale)
        conn.execute(insert(component_day_facts).from_select([c.name for c in component_facts.selected_columns],
                                                             component_facts))
        record_published(conn, FACTS, current, stale, now or datetime.now(timezone.utc))
    return stale


def _dossier_facts(days: list[date]):
    # the attachments of those days' dossiers only (a grouped subquery is not filtered by the outer WHERE)
    flags = (select(a.dossier_id, count_if(att.reused).label("reused"),
                    count_if(a.from_personal_store == true()).label("store"))
             .join(dossier, d.dossier_id == a.dossier_id)
             .where(a.is_deleted == false(), d.received_date.in_(days)).group_by(a.dossier_id).subquery())
    return (channel_counts(d.received_date.label("day"), d.province_code, table=dossier)
            .add_columns(count_if(d.online_payment.in_((1, 2))).label("paid_online"),
                         count_if(d.online_payment.is_not(None)).label("payment_synced"),
                         count_if(d.has_digitised_component == true()).label("digitised"),
                         count_if(flags.c.reused > 0).label("reusing"), count_if(flags.c.store > 0).label("from_store"),
                         count_if(d.vneid_verified == true()).label("vneid"))
            .select_from(dossier.outerjoin(flags, flags.c.dossier_id == d.dossier_id))
            .where(d.received_date.in_(days))
            .group_by(d.received_date, d.province_code))


def _component_facts(days: list[date]):
    return (select(d.received_date.label("day"), d.procedure_code, a.component_code,
                   count_if(and_(att.present, ~att.reused)).label("submitted"),
                   count_if(and_(att.present, att.reused)).label("replaced"))
            .select_from(dossier_attachment.join(dossier, d.dossier_id == a.dossier_id))
            .where(d.status_code.not_in(NOT_RECEIVED), d.received_date.in_(days), a.component_code.is_not(None))
            .group_by(d.received_date, d.procedure_code, a.component_code))
