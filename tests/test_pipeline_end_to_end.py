"""Sandbox -> connector -> mapping -> warehouse -> quality -> metrics, on SQLite and PostgreSQL."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import String, Text, inspect, select, text

from connectors.dvc_portal import DvcPortalConnector
from connectors.dvc_portal.connector import PORTAL_DATE
from connectors.incremental import Position
from hub import pipeline
from hub.warehouse.schema import batch_reconciliation, metric_online_filing_rate, quality_result
from tests.truth import online_counts_by_province, served_records, warehouse_snapshot


def test_the_published_online_rate_equals_a_direct_count_of_the_sandbox_records(sandbox, portal_config, settings, engine):
    scenario = sandbox.scenario
    report = pipeline.sync_source("dvc_portal", settings, system=portal_config)
    assert report.status == "succeeded" and report.fetched == len(served_records(sandbox))
    assert report.fetched == report.loaded + report.quarantined and report.quarantined > 0

    outcome = pipeline.check(settings)
    assert {r.dimension for r in outcome.results} == {"dung", "du", "sach", "song"}

    rates = pipeline.publish(settings, scenario.period_start, scenario.period_end)
    truth = online_counts_by_province(sandbox, scenario.period_start, scenario.period_end)
    published = {r["unit_code"]: (r["dossiers_received"], r["dossiers_online"]) for r in rates.provinces
                 if r["dossiers_received"]}
    assert published == truth
    received, online = map(sum, zip(*truth.values()))
    assert rates.nation["dossiers_received"] == received
    assert rates.nation["online_rate_pct"] == round(100 * online / received, 2)

    with engine.connect() as conn:
        stored = conn.execute(select(metric_online_filing_rate).where(
            metric_online_filing_rate.c.unit_code == "14")).mappings().one()
        assert stored["online_rate_pct"] == round(100 * truth["14"][1] / truth["14"][0], 2)
        assert conn.execute(select(quality_result.c.run_id).where(quality_result.c.run_id == outcome.of("dossier").run_id)).first()


def test_running_the_same_sync_twice_leaves_identical_tables(sandbox, portal_config, settings, engine):
    first = pipeline.sync_source("dvc_portal", settings, system=portal_config)
    before = warehouse_snapshot(engine)
    # forget the watermarks so the second run re-reads everything, as a backfill would
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM sync_checkpoint"))
    second = pipeline.sync_source("dvc_portal", settings, system=portal_config)
    assert second.fetched == first.fetched
    after = warehouse_snapshot(engine)
    assert {k: v for k, v in after.items() if k != "sync_checkpoint"} == \
           {k: v for k, v in before.items() if k != "sync_checkpoint"}
    assert len(after["dossier"]) == first.loaded


def test_every_batch_reconciles_fetched_with_loaded_plus_quarantined(portal_config, settings, engine):
    pipeline.sync_source("dvc_portal", settings, system=portal_config)
    with engine.connect() as conn:
        rows = conn.execute(select(batch_reconciliation)).mappings().all()
    assert rows and all(r["fetched"] == r["loaded"] + r["quarantined"] for r in rows)


def test_no_clear_personal_id_name_or_phone_number_is_stored_anywhere(sandbox, portal_config, settings, engine):
    pipeline.sync_source("dvc_portal", settings, system=portal_config)
    served = served_records(sandbox)
    ids = {r["SoGiayToChuHoSo"] for r in served}
    names = {r["ChuHoSo"] for r in served}
    phones = {r["SoDienThoai"] for r in served}
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            columns = [c["name"] for c in inspect(conn).get_columns(table)
                       if isinstance(c["type"], (String, Text))]
            for column in columns:
                for (value,) in conn.execute(text(f'SELECT "{column}" FROM "{table}"')):
                    if not value:
                        continue
                    tokens = set(re.findall(r"\d{9,12}", value))
                    assert not tokens & ids, f"clear personal ID in {table}.{column}"
                    assert not tokens & phones, f"phone number in {table}.{column}"
                    words = value.split()
                    trigrams = {" ".join(words[i:i + 3]) for i in range(len(words) - 2)}
                    assert not trigrams & names, f"name in {table}.{column}"


def test_a_watermark_makes_the_next_sync_read_only_the_overlap(sandbox, portal_config, settings, engine):
    first = pipeline.sync_source("dvc_portal", settings, system=portal_config)
    second = pipeline.sync_source("dvc_portal", settings, system=portal_config)
    # The sandbox clock is frozen at the scenario's as-of, so nothing changed in between: the second
    # run reads again only the dossiers updated within the overlap before each partition's watermark.
    with engine.connect() as conn:
        watermarks = dict(conn.execute(text(
            "SELECT partition, value FROM sync_checkpoint WHERE source = 'dvc_portal' AND stream = 'dossiers'")).all())
    overlap = DvcPortalConnector(portal_config).overlap
    starts = {p: (datetime.strptime(Position.decode(w, "portal_window").watermark, PORTAL_DATE) - overlap)
              .strftime(PORTAL_DATE) for p, w in watermarks.items()}
    in_overlap = [r for r in served_records(sandbox) if r["NgayCapNhat"] >= starts[r["MaHoSo"][:3]]]
    assert first.fetched == len(served_records(sandbox)) and 0 < second.fetched == len(in_overlap) < first.fetched
    assert second.unchanged == second.loaded  # re-read, recognised, not written again
