"""Counts against the source's own figures: what the hub received against what the source says it
holds (đủ), and what the portal reports against what its dossiers add up to (đúng).

- ``source_read`` (đủ): per read (one query of a partition, all its pages; connectors.base.ReadCount),
  the records fetched against the total the source reported for that query (the portal's
  ``tongsobanghi`` of the read's last page). A source that reports no total is not judged. Scored
  per source, province (the partition's) and the local day the read ended.
- ``portal_reported_online`` (đúng): per province and reported period (the portal's
  provide-online-tree node for the province, asked from ``reporting_from`` to the day of the read),
  each channel sum the portal reported against the hub's dossiers of that province received in the
  period (quality/dossier_sums.py, the sums metric_portal_consistency shows), and the node's own
  channel sums against its total. Partitioned by the period's last day; a period is checked again
  when its report or any of its dossiers is loaded again.
"""
from __future__ import annotations

from datetime import datetime

import great_expectations as gx
from sqlalchemy import and_, case, or_, select

from quality.dossier_sums import dossiers_per_reported_period
from quality.suites import DatasetSuite, Tables, tagged

E = gx.expectations


def _agrees(pairs, matching: str, differing: str):
    """``matching`` when every pair whose first side was given agrees, ``differing`` when one does not,
    NULL (not judged) when no first side was given."""
    given = [reported.is_not(None) for reported, _ in pairs]
    differs = [and_(reported.is_not(None), reported != computed) for reported, computed in pairs]
    return case((~or_(*given), None), (or_(*differs), differing), else_=matching)


def reads_with_totals(tables: Tables):
    """Every completed read, with its partition's province (the portal's partitions are its Hxx codes)
    and whether it fetched what the source said the query holds."""
    read, province = tables["source_read"], tables["admin_province"]
    total = _agrees([(read.c.source_total, read.c.fetched)], "matches", "differs")
    return (select(read, province.c.code.label("province_code"), total.label("source_total_check"))
            .select_from(read.outerjoin(province, province.c.dvcqg_code == read.c.partition))
            .subquery("source_read_checked"))


def read_expectations(now: datetime) -> list:
    return [tagged(E.ExpectColumnValuesToBeInSet(column="source_total_check", value_set=["matches"]), "du",
                   "read_total_matches")]


def reported_with_dossier_sums(tables: Tables):
    """Each period the portal reported on for a province, with the hub's dossier sums for it (a period
    without a dossier counts 0) and what changes when any of them is loaded again."""
    reported = tables["portal_reported_online"]
    sums = dossiers_per_reported_period(reported, tables["dossier"], tables["dossier_metric_input"])
    r, s = reported.c, sums.c
    hub = {name: case((s[name].is_(None), 0), else_=s[name]) for name in ("total", "online", "direct", "postal",
                                                                       "no_channel")}
    # the portal counts a dossier without a channel as direct (Decision 766, 3.3)
    dossiers = _agrees([(r.channel_total, hub["total"]), (r.channel_online, hub["online"]),
                        (r.channel_direct, hub["direct"] + hub["no_channel"]), (r.channel_postal, hub["postal"])],
                       "matches", "differs")
    parts = (r.channel_online, r.channel_direct, r.channel_postal, r.channel_total)
    channels = case((or_(*[part.is_(None) for part in parts]), None),
                    (r.channel_online + r.channel_direct + r.channel_postal == r.channel_total, "adds_up"),
                    else_="differs")
    changed = case((and_(s.newest_loaded_at.is_not(None), s.newest_loaded_at > r.loaded_at), s.newest_loaded_at),
                   else_=r.loaded_at)
    return (select(r.province_code, r.period_start, r.period_end, r.channel_total, r.channel_online,
                   r.channel_direct, r.channel_postal, hub["total"].label("hub_total"),
                   dossiers.label("dossier_sums_check"), channels.label("channel_sums_check"),
                   changed.label("changed_at"))
            .select_from(reported.outerjoin(sums, and_(s.province_code == r.province_code,
                                                       s.period_start == r.period_start,
                                                       s.period_end == r.period_end)))
            .subquery("portal_reported_online_checked"))


def reported_expectations(now: datetime) -> list:
    return [
        tagged(E.ExpectColumnValuesToBeInSet(column="dossier_sums_check", value_set=["matches"]), "dung",
               "reported_aggregates_match"),
        tagged(E.ExpectColumnValuesToBeInSet(column="channel_sums_check", value_set=["adds_up"]), "dung",
               "reported_channels_add_up"),
    ]


SOURCE_READ_SUITE = DatasetSuite(
    dataset="source_read", name="source_read_du", partition_column="read_date", change_column="recorded_at",
    expectations=read_expectations, selection=reads_with_totals, commune_column=None, key_column="partition")
REPORTED_ONLINE_SUITE = DatasetSuite(
    dataset="portal_reported_online", name="portal_reported_online_dung", partition_column="period_end",
    change_column="changed_at", expectations=reported_expectations, selection=reported_with_dossier_sums,
    source_column=None, source="dvc_portal_reporting", commune_column=None, key_column="province_code",
    quarantine_streams=(("dvc_portal_reporting", "reported_online"),))
