"""Counts against the source's own figures (issue #11): each read's records against the total the portal
reported for it, `tongsobanghi` (đủ), and the portal's reported aggregates (provide-online-tree) against
what its dossiers add up to (đúng). Real syncs against the sandbox portal, on SQLite and PostgreSQL; the
expected counts are made here from the sandbox's ledger and from the warehouse's rows, in Python."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

from sqlalchemy import insert, select

from hub import pipeline
from hub.warehouse.schema import dossier, dossier_metric_input, metric_data_quality, portal_reported_online, source_read
from mappings.admin_units import load_admin_units
from mappings.engine import MAPPINGS_DIR
from tests.dashboard_helpers import _system
from tests.sandbox_faults import fault_switch_fixtures

SYSTEM = "dvc_portal"
ONLINE_TOTAL_CHECK = "The portal's reported aggregates equal what its dossiers add up to"
CHANNEL_SUM_CHECK = "The portal's channel sums (online, direct, postal) add up to its dossier total"
NOT_RECEIVED = {1, 3}


# a portal of its own: the tests switch its faults on and off
portal, clean_portal = fault_switch_fixtures(SYSTEM, "portal", "clean_portal")


def _sync(stack, settings, source: str = "dvc_portal") -> pipeline.SyncReport:
    # pages of 500: several pages per province, so a read is more than one batch
    report = pipeline.sync_source(source, settings, system=_system(stack, SYSTEM, page_size=500))
    assert report.status == "succeeded"
    return report


def _reads(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(select(source_read)).all()


def _scores(engine, dataset: str) -> dict[tuple[str, str], tuple[int, int]]:
    with engine.connect() as conn:
        return {(r.province_code, r.dimension): (r.rows_checked, r.rows_failing) for r in conn.execute(
            select(metric_data_quality).where(metric_data_quality.c.dataset == dataset))}


def _province_of(partition: str) -> str:
    return next(p.code for p in load_admin_units().provinces.values() if p.dvcqg_code == partition)


def test_reads_that_fetch_what_the_portal_counts_pass(clean_portal, settings, engine):
    report = _sync(clean_portal, settings)
    reads = _reads(engine)
    assert reads and report.batches > len(reads)  # one row per read, on its last batch
    assert all(r.source_total == r.fetched and r.stream == "dossiers" and r.read_from and r.read_to for r in reads)
    assert sum(r.fetched for r in reads) == report.fetched == clean_portal.ledger.served_count(SYSTEM, "dossiers")
    (result,) = pipeline.check(settings).of("source_read").results
    assert (result.dimension, result.success, result.element_count, result.unexpected_count) == ("du", True,
                                                                                                 len(reads), 0)
    assert _scores(engine, "source_read") == {(_province_of(r.partition), "du"): (1, 0) for r in reads}


def test_a_total_above_what_the_pages_serve_fails_that_read_under_du(clean_portal, settings, engine):
    clean_portal.faults[SYSTEM].set("miscounted_total", 0.5)
    report = _sync(clean_portal, settings)
    windows = clean_portal.ledger.keys_with_defect(SYSTEM, "miscounted_total")
    miscounted = {window.split("|")[0] for window in windows}
    reads = _reads(engine)
    assert windows and len(miscounted) < len(reads)  # some reads hit, some not
    # nothing was lost: the read asked for the records counted but not listed and got an empty page
    assert sum(r.fetched for r in reads) == report.fetched == clean_portal.ledger.served_count(SYSTEM, "dossiers")
    assert {r.partition for r in reads if r.fetched != r.source_total} == miscounted
    (result,) = pipeline.check(settings).of("source_read").results
    assert (result.dimension, result.success, result.element_count, result.unexpected_count) == (
        "du", False, len(reads), len(windows))
    assert _scores(engine, "source_read") == {
        (_province_of(r.partition), "du"): (1, int(r.partition in miscounted)) for r in reads}


OFFSET_PAGED_LAND_REGISTRY = """\
sources:
  land_registry:   # paged by offset, each reply saying how many parcels the listing holds
    kind: rest
    stream: thua_dat
    mapping: {mapping}
    path: /api/v1/thua-dat/trang
    paging: {{type: offset, offset_param: offset, limit_param: limit, limit: 300, total_field: total}}
    api_key_header: X-API-Key
"""


def test_a_sectoral_read_is_held_to_its_total_when_its_replies_give_one_and_not_judged_otherwise(
        portal, settings, engine, tmp_path, monkeypatch):
    entry = portal.endpoints["land_registry"]
    monkeypatch.setenv("LIENTHONG_LAND_REGISTRY_URL", entry["url"])
    monkeypatch.setenv("LIENTHONG_LAND_REGISTRY_PASSWORD", entry["password"])
    pipeline.sync_source("land_registry", settings)  # as shipped: cursor pages, no count
    declared = tmp_path / "sources.yaml"
    declared.write_text(OFFSET_PAGED_LAND_REGISTRY.format(mapping=MAPPINGS_DIR / "land_registry_parcels.yaml"),
                        encoding="utf-8")
    monkeypatch.setenv("LIENTHONG_SOURCES_FILE", str(declared))
    report = pipeline.sync_source("land_registry", settings)
    parcels = len(portal.land_app.state.parcels)
    assert report.fetched == parcels and report.batches > 1
    reads = {(r.load_id == report.load_id): (r.fetched, r.source_total) for r in _reads(engine)}
    assert reads == {False: (parcels, None), True: (parcels, parcels)}
    (result,) = pipeline.check(settings).of("source_read").results
    assert (result.success, result.element_count, result.unexpected_count) == (True, 2, 0)
    # both reads are rows of the day (as GE counts elements), the one without a total never failing;
    # a sectoral partition is no province
    assert _scores(engine, "source_read") == {("", "du"): (2, 0)}


def _hub_sums(engine) -> dict[tuple, Counter]:
    """Per reported (province, period): the received dossiers and quarantined metric inputs, by channel."""
    with engine.connect() as conn:
        periods = conn.execute(select(portal_reported_online)).all()
        rows = [*conn.execute(select(dossier.c.province_code, dossier.c.received_date, dossier.c.channel,
                                     dossier.c.status_code)),
                *conn.execute(select(dossier_metric_input.c.province_code, dossier_metric_input.c.received_date,
                                     dossier_metric_input.c.channel, dossier_metric_input.c.status_code))]
    sums = {}
    for period in periods:
        counted = Counter(channel for province, day, channel, status in rows
                          if province == period.province_code and period.period_start <= day <= period.period_end
                          and status not in NOT_RECEIVED)
        sums[period] = counted
    return sums


def _differs(period, hub: Counter) -> bool:
    pairs = [(period.channel_total, sum(hub.values())), (period.channel_online, hub["online"]),
             (period.channel_direct, hub["direct"] + hub["unknown"]), (period.channel_postal, hub["postal"])]
    return any(reported is not None and reported != counted for reported, counted in pairs)


def _adds_up(period) -> bool:
    return period.channel_online + period.channel_direct + period.channel_postal == period.channel_total


def _reported_results(settings) -> dict[str, tuple]:
    outcome = pipeline.check(settings).of("portal_reported_online")
    return {r.description_en: (r.dimension, r.success, r.element_count, r.unexpected_count) for r in outcome.results}


def test_reported_aggregates_equal_to_the_dossiers_pass_until_a_dossier_of_the_period_changes(
        clean_portal, settings, engine):
    _sync(clean_portal, settings)
    _sync(clean_portal, settings, "dvc_portal_reporting")
    sums = _hub_sums(engine)
    reported = [p for p in sums if p.channel_total is not None]
    assert reported and not any(_differs(p, hub) for p, hub in sums.items()) and all(map(_adds_up, reported))
    assert _reported_results(settings) == {ONLINE_TOTAL_CHECK: ("dung", True, len(sums), 0),
                                           CHANNEL_SUM_CHECK: ("dung", True, len(sums), 0)}
    # a dossier of one province's period loaded later: that period is checked again and now differs
    period = reported[0]
    with engine.begin() as conn:
        late = conn.execute(select(dossier).where(dossier.c.province_code == period.province_code,
                                                  dossier.c.status_code.not_in(NOT_RECEIVED)).limit(1)).mappings().one()
        conn.execute(insert(dossier), [{**late, "dossier_id": late["dossier_id"] + "-LATE",
                                        "loaded_at": datetime.now(timezone.utc)}])
    outcome = pipeline.check(settings).of("portal_reported_online")
    assert period.period_end in outcome.rechecked
    failed = {r.description_en: r.unexpected_count for r in outcome.results if not r.success}
    assert failed == {ONLINE_TOTAL_CHECK: 1}
    assert _scores(engine, "portal_reported_online")[(period.province_code, "dung")] == (1, 1)


def test_reported_aggregates_below_the_dossiers_fail_under_dung_as_often_as_counted_here(
        clean_portal, settings, engine):
    clean_portal.faults[SYSTEM].set("report_drift", 0.1)
    _sync(clean_portal, settings)
    _sync(clean_portal, settings, "dvc_portal_reporting")
    assert clean_portal.ledger.faults(SYSTEM)["report_drift"] > 0  # once per reporting request
    sums = _hub_sums(engine)
    differing = {p.province_code for p, hub in sums.items() if _differs(p, hub)}
    not_adding_up = {p.province_code for p in sums if p.channel_total is not None and not _adds_up(p)}
    assert differing
    assert _reported_results(settings) == {
        ONLINE_TOTAL_CHECK: ("dung", False, len(sums), len(differing)),
        CHANNEL_SUM_CHECK: ("dung", not not_adding_up, len(sums), len(not_adding_up))}
    assert _scores(engine, "portal_reported_online") == {
        (p.province_code, "dung"): (1, int(p.province_code in differing | not_adding_up)) for p in sums}


def test_without_reads_or_reported_aggregates_both_checks_say_not_checked(settings, engine):
    checks = pipeline.check(settings)
    assert (checks.of("source_read").not_checked, checks.of("portal_reported_online").not_checked) == ("no rows",
                                                                                                      "no rows")
