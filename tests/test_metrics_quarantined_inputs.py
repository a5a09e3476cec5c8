"""Bad input still counts where its defect leaves the metric's inputs intact: a dossier quarantined for a
missing procedure code, a missing province (known from the listing), a broken attachment list or an
unknown unit code is counted in received and online for its units, and each row says how many such
dossiers it includes; a defect in the inputs themselves (receipt date, status, schema drift) keeps the
dossier out. Portal records go through the real map and load stages into SQLite and PostgreSQL; every
figure below is counted by hand from the nine records."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, func, insert, select

from connectors.base import Batch
from hub import pipeline
from hub.metrics.decision766 import publish_decision766
from hub.metrics.portal_consistency import publish_portal_consistency
from hub.metrics.online_daily import publish_online_filing_daily
from hub.metrics.online_rate import publish_online_filing_rate
from hub.pipeline import ingest_batch
from hub.reports.html import write_report
from hub.warehouse.schema import (batch_reconciliation, dossier, dossier_metric_input, portal_reported_online,
                                  quarantine, raw_batch)
from hub.warehouse.raw import iter_raw_records
from mappings.engine import Mapping
from tests.conftest import TEST_PII_KEY
from tests.metric_fixtures import LOADED, a_dossier, empty, warehouse_engine  # noqa: F401
from tests.sandbox_faults import portal_with_faults
from tests.test_faults_end_to_end import _configs
from tests.test_mapping_engine import portal_dossier
from tests.test_metrics_online_daily import _row
from tests.truth import online_counts

MAPPING = Mapping.load("dvc_portal_dossiers.yaml")
DAY10, DAY11 = date(2025, 7, 10), date(2025, 7, 11)
SON_LA, SON_LA_LISTING, TO_HIEU = "14", "H52", "03646"
ONLINE, DIRECT = "2", "1"


def a_record(n: int, channel: str = ONLINE, **changes) -> dict:
    return portal_dossier(**{"MaHoSo": f"H52.1-250710-{n:04d}", "KenhThucHien": channel, "MaTinh": SON_LA,
                             "MaXa": TO_HIEU, **changes})


def without(record: dict, *names: str) -> dict:
    return {k: v for k, v in record.items() if k not in names}


RECORDS = [
    a_record(1),                                               # loaded
    a_record(2, DIRECT),                                       # loaded
    without(a_record(3), "MaTTHC"),                            # quarantined, counts (procedure unknown)
    without(a_record(4), "MaTinh"),                            # quarantined, counts in the listing's province
    a_record(5, DIRECT, TaiLieuNop="not a list"),              # quarantined, counts
    a_record(6, MaTinh="99", MaXa="99999"),                    # quarantined, counts under province 99
    a_record(7, NgayTiepNhan="20990101080000", NgayNopHoSo="20990101070000"),  # receipt day in the future: out
    {**without(a_record(8), "KenhThucHien"), "KenhNopHoSo": ONLINE, "PhienBanDuLieu": "2.1"},  # drift: out
    without(a_record(9), "TrangThaiHoSo"),                     # status unknown: out
]


def _ingest(engine, records, batch_no=1):
    return ingest_batch(engine, load_id=f"L{batch_no}", batch_no=batch_no, source="dvc_portal", mapping=MAPPING,
                        batch=Batch("dossiers", SON_LA_LISTING, records), pii_key=TEST_PII_KEY)


def _figures(row):
    """received, online, direct, rate, of which in quarantine"""
    return (row["dossiers_received"], row["dossiers_online"], row["dossiers_direct"], row["online_rate_pct"],
            row["dossiers_quarantined_included"])


def _publish(engine, first=DAY10, last=DAY10):
    with engine.begin() as conn:
        return publish_online_filing_daily(conn, first, last, conn.scalar(select(func.now())))


@pytest.fixture
def ingested(empty):
    with empty.begin() as conn:  # the module's earlier loads
        conn.execute(delete(batch_reconciliation))
        conn.execute(delete(raw_batch))
    _ingest(empty, RECORDS)
    return empty


def test_every_fetched_record_is_loaded_or_quarantined_and_the_metric_inputs_stand_only_for_quarantined_ones(ingested):
    with ingested.connect() as conn:
        reconciled = conn.execute(select(batch_reconciliation.c.fetched, batch_reconciliation.c.loaded,
                                         batch_reconciliation.c.quarantined)).one()
        assert tuple(reconciled) == (9, 2, 7)
        quarantined = set(conn.scalars(select(quarantine.c.record_key)))
        kept = dict(conn.execute(select(dossier_metric_input.c.record_key, dossier_metric_input.c.province_code)).all())
        assert set(conn.scalars(select(dossier.c.dossier_id))).isdisjoint(kept)
    assert set(kept) <= quarantined
    assert kept == {"H52.1-250710-0003": SON_LA, "H52.1-250710-0004": SON_LA, "H52.1-250710-0005": SON_LA,
                    "H52.1-250710-0006": "99"}


def test_a_dossier_quarantined_for_a_defect_outside_the_inputs_counts_for_its_province_and_commune(ingested):
    _publish(ingested)
    # Sơn La: 1, 3, 4 online; 2, 5 direct; 3, 4, 5 in quarantine (4 placed by its listing)
    assert _figures(_row(ingested, DAY10, "province", SON_LA)) == (5, 3, 2, 60.0, 3)
    assert _figures(_row(ingested, DAY10, "commune", TO_HIEU)) == (5, 3, 2, 60.0, 3)
    assert _figures(_row(ingested, DAY10, "nation", "VN")) == (6, 4, 2, 66.67, 4)
    assert _figures(_row(ingested, DAY10, "province", SON_LA, "procedure", "unknown")) == (1, 1, 0, 100.0, 1)


def test_an_unknown_unit_code_is_counted_under_its_own_code_and_reported_as_unknown(ingested):
    _publish(ingested)
    foreign = _row(ingested, DAY10, "province", "99")
    assert _figures(foreign) == (1, 1, 0, 100.0, 1)
    assert foreign["unit_name"] == "unknown" and foreign["province_code"] == "99"
    assert _figures(_row(ingested, DAY10, "commune", "99:unknown")) == (1, 1, 0, 100.0, 1)


def test_a_period_rate_carries_how_many_quarantined_dossiers_it_includes(ingested):
    rates = publish_online_filing_rate(ingested, DAY10, DAY10)
    son_la = next(r for r in rates.provinces if r["unit_code"] == SON_LA)
    assert (son_la["dossiers_received"], son_la["online_rate_pct"], son_la["dossiers_quarantined_included"]) == \
        (5, 60.0, 3)
    assert (rates.nation["dossiers_received"], rates.nation["dossiers_quarantined_included"]) == (6, 4)


def test_the_report_shows_how_many_quarantined_dossiers_each_rate_includes(ingested, tmp_path):
    publish_online_filing_rate(ingested, DAY10, DAY10)
    html = write_report(ingested, tmp_path, "en").read_text(encoding="utf-8")
    table = html[html.index('<table id="online-rate">'):]
    table = table[:table.index("</table>")]
    assert "<th>Of which quarantined</th>" in table
    son_la = next(row for row in table.split("<tr")[1:] if "Sơn La" in row)
    assert son_la.rstrip().endswith("<td>3</td></tr>")


def test_a_day_without_dossiers_publishes_zero_counts_and_no_rate_for_every_unit(ingested):
    _publish(ingested, DAY10, DAY11)
    assert _figures(_row(ingested, DAY11, "province", SON_LA)) == (0, 0, 0, None, 0)
    assert _figures(_row(ingested, DAY11, "commune", TO_HIEU)) == (0, 0, 0, None, 0)
    assert _figures(_row(ingested, DAY11, "nation", "VN")) == (0, 0, 0, None, 0)


def test_a_quarantined_dossier_that_later_loads_cleanly_counts_once_and_no_longer_as_quarantined(ingested):
    _publish(ingested)
    corrected = a_record(3, NgayCapNhat="20250710100000")  # the procedure code arrives
    outcome = _ingest(ingested, [corrected], batch_no=2)
    assert (outcome.loaded, outcome.quarantined) == (1, 0)
    with ingested.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(dossier_metric_input)
                           .where(dossier_metric_input.c.record_key == corrected["MaHoSo"])) == 0
    assert _publish(ingested) == [DAY10]
    assert _figures(_row(ingested, DAY10, "province", SON_LA)) == (5, 3, 2, 60.0, 2)


def test_a_quarantined_dossier_whose_new_version_breaks_an_input_stops_counting(ingested):
    _publish(ingested)
    broken = without(a_record(5, DIRECT, TaiLieuNop="not a list", NgayCapNhat="20250710100000"), "TrangThaiHoSo")
    _ingest(ingested, [broken], batch_no=2)
    assert _publish(ingested) == [DAY10]
    assert _figures(_row(ingested, DAY10, "province", SON_LA)) == (4, 3, 1, 75.0, 2)


def test_a_re_read_gives_records_quarantined_before_metric_inputs_existed_their_inputs(ingested):
    with ingested.begin() as conn:  # a warehouse whose quarantine predates migration 0012
        conn.execute(delete(dossier_metric_input))
    outcome = _ingest(ingested, RECORDS, batch_no=2)
    assert (outcome.loaded, outcome.quarantined, outcome.unchanged) == (2, 7, 2)
    _publish(ingested)
    assert _figures(_row(ingested, DAY10, "province", SON_LA)) == (5, 3, 2, 60.0, 3)


def test_a_metric_input_row_holds_no_personal_data():
    result = MAPPING.apply([MAPPING.pii.scrub(without(a_record(3), "MaTTHC"), TEST_PII_KEY)], listing=SON_LA_LISTING)
    ((_, row),) = result.metric_inputs
    assert set(row) == {"status_code", "channel", "received_date", "province_code", "commune_code",
                        "procedure_code", "updated_at"}
    assert row["procedure_code"] is None and row["province_code"] == SON_LA



def a_metric_input(key: str, province: str, channel: str, status: int = 4, day: date = DAY10) -> dict:
    return {"source": "dvc_portal", "record_key": key, "payload_sha256": "0" * 64, "status_code": status,
            "channel": channel, "received_date": day, "province_code": province, "commune_code": None,
            "procedure_code": None, "updated_at": LOADED, "load_id": "L", "loaded_at": LOADED}


def test_decision_766_counts_quarantined_dossiers_where_their_inputs_answer_the_indicator(empty):
    with empty.begin() as conn:
        conn.execute(insert(dossier), [a_dossier(1, SON_LA, "online"), a_dossier(2, SON_LA, "direct")])
        conn.execute(insert(dossier_metric_input), [
            a_metric_input("Q-1", SON_LA, "online"),
            a_metric_input("Q-2", SON_LA, "direct", status=3),  # refused at reception: never counted
            a_metric_input("Q-3", "99", "online"),  # a province code the units do not know
        ])
    rows = {(r["unit_code"], r["indicator_code"]): r for r in publish_decision766(empty, DAY10, DAY10)}

    def figures(unit, indicator):
        row = rows[(unit, indicator)]
        return row["numerator"], row["denominator"], row["rate_pct"], row["dossiers_quarantined_included"]

    assert figures(SON_LA, "ONLINE_FILING_FORM") == (2, 3, 66.67, 1)
    assert figures(SON_LA, "DOSSIER_SYNC") == (3, None, None, 1)  # the portal reported nothing to set it beside
    # the slim row says nothing of VNeID accounts: only the loaded dossiers answer 4.5b
    assert figures(SON_LA, "CITIZEN_DATA_CONNECTED_DOSSIER") == (0, 2, 0.0, 0)
    assert figures("99", "ONLINE_FILING_FORM") == (1, 1, 100.0, 1) and rows[("99", "DOSSIER_SYNC")]["unit_known"] is False
    assert figures("VN", "ONLINE_FILING_FORM") == (3, 4, 75.0, 2)
    assert figures("01", "ONLINE_FILING_FORM") == (0, 0, None, 0)  # a province without dossiers still has its row


def test_the_portals_own_totals_are_set_beside_the_dossiers_the_hub_holds_quarantined_ones_included(empty):
    july = (date(2025, 7, 1), date(2025, 7, 31))
    with empty.begin() as conn:
        conn.execute(insert(dossier), [a_dossier(1, SON_LA, "online"), a_dossier(2, SON_LA, "direct")])
        conn.execute(insert(dossier_metric_input), [a_metric_input("Q-1", SON_LA, "online")])
        conn.execute(insert(portal_reported_online), [{
            "province_code": SON_LA, "period_start": july[0], "period_end": july[1], "channel_total": 3,
            "channel_online": 2, "channel_direct": 1, "channel_postal": 0, "ratio_pct": 66.67, "updated_at": LOADED,
            "load_id": "L", "loaded_at": LOADED}])
    (consistency,) = publish_portal_consistency(empty)
    assert (consistency["hub_total"], consistency["hub_online"], consistency["total_difference"],
            consistency["likely_cause"], consistency["hub_quarantined_included"]) == (3, 2, 0, None, 1)
    sync = next(r for r in publish_decision766(empty, *july)
                if (r["unit_code"], r["indicator_code"]) == (SON_LA, "DOSSIER_SYNC"))
    assert (sync["numerator"], sync["denominator"], sync["rate_pct"], sync["likely_cause"]) == (3, 3, 100.0, None)

# --- end to end: the sandbox portal serving record defects -------------------------------------------
# Defects that break what the online rate reads (its receipt day, status or, by schema drift, channel):
# those dossiers stay out. Every other defect leaves them counted.
INPUT_DEFECTS = ("future_date", "schema_drift")
RECORD_DEFECT_RATES = {"missing_mandatory": 0.05, "invalid_id": 0.05, "future_date": 0.03, "schema_drift": 0.03}


@pytest.fixture(scope="module")
def defective_portal():
    with portal_with_faults(RECORD_DEFECT_RATES) as stack:
        yield stack


def test_with_record_defects_on_the_published_counts_are_the_definitions_less_the_dossiers_whose_inputs_broke(
        defective_portal, settings, engine):
    scenario = defective_portal.scenario
    report = pipeline.sync_source("dvc_portal", settings, system=_configs(defective_portal)["dvc_portal"])
    assert report.status == "succeeded" and report.fetched == report.loaded + report.quarantined
    rates = pipeline.publish(settings, scenario.period_start, scenario.period_end)

    ledger = defective_portal.ledger
    without_status = {r.record_key for r in iter_raw_records(engine, "dvc_portal", "dossiers")
                      if "TrangThaiHoSo" not in r.decoded()}
    out = set().union(*(ledger.keys_with_defect("dvc_portal", d) for d in INPUT_DEFECTS)) | without_status
    hit = set().union(*(ledger.keys_with_defect("dvc_portal", d) for d in RECORD_DEFECT_RATES)) - out
    kept = [(hxx, r) for hxx, r in defective_portal.portal_app.state.data.all_records() if r["MaHoSo"] not in out]
    truth = online_counts(kept, scenario.period_start, scenario.period_end)
    published = {r["unit_code"]: (r["dossiers_received"], r["dossiers_online"]) for r in rates.provinces
                 if r["dossiers_received"]}
    assert published == truth
    with engine.connect() as conn:
        quarantined_kept = set(conn.scalars(select(dossier_metric_input.c.record_key)))
    assert quarantined_kept and quarantined_kept <= hit
    assert rates.nation["dossiers_quarantined_included"] == sum(
        1 for hxx, r in kept if r["MaHoSo"] in quarantined_kept
        and online_counts([(hxx, r)], scenario.period_start, scenario.period_end))
