"""Data-quality scores against a sandbox portal serving every record defect: each injected defect is found
under its dimension as often as the sandbox's ledger says, the published scores equal counts made here
independently, a failed critical expectation stops publishing, and the ministry's report renders in a
real (headless) Chromium on both databases."""
from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import Column, Date, DateTime, MetaData, String, Table, func, select

from hub import pipeline
from hub.cli_errors import ExitCode, QualityGateFailed, classify
from hub.settings import Settings
from hub.warehouse.schema import (dossier, dossier_attachment, metric_data_quality, procedure, procedure_component,
                                  quarantine, sectoral_record)
from quality.quarantine import reason_dimensions
from quality.run import check_dataset
from quality.suites import PLACEHOLDERS, DatasetSuite
from quality.suites.dossiers import DOSSIER_NUMBER, dossier_expectations
from sandbox.defects import RECORD_DEFECTS
from tests import postgres
from tests.conftest import TEST_PII_KEY
from tests.sandbox_faults import portal_with_faults
from tests.test_faults_end_to_end import _configs
from tests.test_quality import NOW, dossier_row, insert_rows

ARTIFACTS = Path(__file__).resolve().parents[1] / "var" / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
DEFECT_RATE = 0.04


@dataclass
class Checked:
    backend: str
    settings: Settings
    engine: object
    checks: object
    ledger: object


@pytest.fixture(scope="module")
def defective_portal():
    with portal_with_faults(dict.fromkeys(RECORD_DEFECTS, DEFECT_RATE)) as stack:  # every data-defect switch on
        yield stack


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def checked(request, defective_portal, tmp_path_factory):
    """The defective portal synced into a fresh warehouse, then checked."""
    directory = tmp_path_factory.mktemp(request.param)
    admin = request.getfixturevalue("pg_admin_url") if request.param == "postgres" else None
    url = postgres.create_database(admin) if admin else f"sqlite:///{directory / 'warehouse.db'}"
    settings = Settings(var_dir=directory / "var", db_url=url, pii_key=TEST_PII_KEY)
    pipeline.upgrade_warehouse(settings)
    report = pipeline.sync_source("dvc_portal", settings, system=_configs(defective_portal)["dvc_portal"])
    assert report.status == "succeeded" and report.quarantined > 0
    engine = pipeline.warehouse(settings)
    yield Checked(request.param, settings, engine, pipeline.check(settings), defective_portal.ledger)
    engine.dispose()
    if admin:
        postgres.drop_database(admin, url)


def rejection_reasons(engine, source: str) -> dict[str, str]:
    """Each record the source's mappings rejected: its key and reason."""
    with engine.connect() as conn:
        return dict(conn.execute(select(quarantine.c.record_key, quarantine.c.reason)
                                 .where(quarantine.c.source == source)).all())


def assert_rejections_count_under_their_reasons_dimensions(engine, source: str) -> None:
    """The published quarantine scores of ``source`` count each rejected record once, and under every
    dimension its reason names."""
    expected = Counter(dim for reason in rejection_reasons(engine, source).values()
                       for dim in reason_dimensions(reason))
    with engine.connect() as conn:
        counted = dict(conn.execute(
            select(metric_data_quality.c.dimension, func.sum(metric_data_quality.c.rows_failing))
            .where(metric_data_quality.c.origin == "quarantine", metric_data_quality.c.source == source)
            .group_by(metric_data_quality.c.dimension)).all())
        rejected = conn.execute(select(func.count()).select_from(quarantine)
                                .where(quarantine.c.source == source)).scalar()
        checked_rows = conn.execute(select(func.sum(metric_data_quality.c.rows_checked)).where(
            metric_data_quality.c.origin == "quarantine", metric_data_quality.c.source == source,
            metric_data_quality.c.dimension == "dung")).scalar()
    assert expected and {d: n for d, n in counted.items() if n} == dict(expected)
    assert checked_rows == rejected  # every rejected record is counted once per dimension


# What each record defect looks like once the hub has it: refused, with this in its quarantine reason, or
# loaded and found by the dossier suite's expectation described so. The sandbox drops one of the portal's
# mandatory fields (sandbox/portal_faults.py); its undated dossiers are refused for their date, not a defect.
REFUSED, FLAGGED = "refused", "flagged"
SEEN_AS = {"schema_drift": ("dung", REFUSED, r"schema drift"), "future_date": ("dung", REFUSED, r"in the future"),
           "missing_mandatory": ("du", REFUSED, r"(MaTTHC|TrangThaiHoSo|MaTinh): required value missing"),
           "invalid_id": ("dung", FLAGGED, "The owner's ID is well-formed (a 12-digit personal ID or a 9-digit ID card)"),
           "unicode_nfd": ("sach", FLAGGED, "Free text (procedure name, summary, handling unit) is Unicode NFC")}


@pytest.mark.parametrize("defect", sorted(SEEN_AS))
def test_every_injected_defect_is_counted_under_its_dimension_as_often_as_the_ledger_says(checked, defect):
    dimension, how, seen = SEEN_AS[defect]
    injected = checked.ledger.keys_with_defect("dvc_portal", defect)
    assert injected, f"the sandbox should have injected {defect}"
    reasons = rejection_reasons(checked.engine, "dvc_portal")
    if how == REFUSED:  # counted against the source's score as a rejection
        found = {key for key, reason in reasons.items() if re.search(seen, reason)}
        assert found == injected
        assert all(dimension in reason_dimensions(reasons[key]) for key in found)
    else:  # the loaded ones (a record with another defect too may have been refused) are flagged
        result = next(r for r in checked.checks.of("dossier").results if r.description_en == seen)
        assert result.dimension == dimension and not result.success
        assert result.unexpected_count == len(injected - set(reasons)) > 0


def test_rejections_count_against_their_source_under_each_reasons_dimension(checked):
    assert_rejections_count_under_their_reasons_dimensions(checked.engine, "dvc_portal")


def _failing_dimensions(row) -> set[str]:
    """The dossier suite's row checks, written here in Python."""
    failing = set()
    if not 1 <= row.status_code <= 10 or row.channel not in {"online", "direct", "postal", "unknown"} \
            or (row.finished_at and row.finished_at < row.received_at) \
            or row.owner_id_kind != "personal_id" \
            or row.updated_at > datetime.now(timezone.utc).replace(tzinfo=None):
        failing.add("dung")
    if row.commune_code is None or row.procedure_code is None or row.due_at is None:
        failing.add("du")
    if not re.match(DOSSIER_NUMBER, row.dossier_id) or row.procedure_code in PLACEHOLDERS or row.text_nfc is False:
        failing.add("sach")
    if row.finished_at is None and row.due_at and row.due_at < row.loaded_at and row.updated_at < row.due_at:
        failing.add("song")
    return failing


def _naive_utc(value):
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def test_published_scores_equal_counts_made_independently(checked):
    expected: Counter = Counter()
    with checked.engine.connect() as conn:
        for stored in conn.execute(select(dossier)).mappings():
            row = SimpleNamespace(**{k: _naive_utc(v) for k, v in stored.items()})
            unit = (row.received_date, row.province_code, row.commune_code or "")
            for dim in ("dung", "du", "sach", "song"):
                expected[(*unit, dim, "checked")] += 1
                expected[(*unit, dim, "failing")] += dim in _failing_dimensions(row)
        published = conn.execute(select(metric_data_quality).where(metric_data_quality.c.dataset == "dossier",
                                                                   metric_data_quality.c.origin == "check")).all()
    assert published
    for r in published:
        key = (r.day, r.province_code, r.commune_code, r.dimension)
        assert (r.rows_checked, r.rows_failing) == (expected[(*key, "checked")], expected[(*key, "failing")]), key
        assert r.score_pct == pytest.approx(100 * (r.rows_checked - r.rows_failing) / r.rows_checked)
    assert sum(r.rows_checked for r in published if r.dimension == "dung") == \
           sum(n for k, n in expected.items() if k[3] == "dung" and k[4] == "checked")
    assert sum(r.rows_failing for r in published) == sum(n for k, n in expected.items() if k[4] == "failing") > 0


def test_examples_of_failing_rows_never_show_personal_digits(checked):
    with checked.engine.connect() as conn:
        keys = conn.execute(select(metric_data_quality.c.example_key, metric_data_quality.c.example_check)
                            .where(metric_data_quality.c.rows_failing > 0)).all()
    assert keys and all(key for key, _ in keys)
    assert not any(re.search(r"\d{9,}", f"{key} {why}") for key, why in keys)


def _browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("LIENTHONG_REQUIRE_BROWSER"):
            pytest.fail(f"LIENTHONG_REQUIRE_BROWSER is set but {CHROMIUM} is missing")
        pytest.skip(f"no browser at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    return sync_playwright()


def test_the_ministry_report_renders_in_headless_chromium(checked):
    directory = checked.settings.reports_dir
    main = pipeline.write_report(checked.settings, "vi")
    report = directory / "lienthong-quality-vi.html"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with _browser() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            requests = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto(main.as_uri())
            assert page.locator("#quality-report").get_attribute("href") == report.name
            page.goto(report.as_uri())
            assert page.locator("h1").inner_text().startswith("Báo cáo chất lượng dữ liệu")
            assert page.locator("#scorecard thead").inner_text().split()[-4:] == ["Đúng", "Đủ", "Sạch", "Sống"]
            assert page.locator("#scorecard tbody tr").count() > 1
            assert page.locator("#trend svg polyline").count() == 4
            owner = page.locator("#failed-checks tr", has_text="Số giấy tờ của chủ hồ sơ đúng cấu trúc")
            assert "Sửa số giấy tờ nhập sai" in owner.inner_text()
            assert page.locator("#rejected tbody tr").count() >= 2
            assert (directory / page.locator("#data-docs").get_attribute("href")).exists()
            page.screenshot(path=str(ARTIFACTS / f"quality-report-{checked.backend}.png"), full_page=True)
            assert all(url.startswith("file://") for url in requests)  # no asset from the internet
        finally:
            browser.close()


def test_a_failed_critical_expectation_stops_publishing(engine, settings):
    insert_rows(engine, [dossier_row(1), dossier_row(2, status_code=12)])
    pipeline.check(settings)
    with pytest.raises(QualityGateFailed, match="dossier: Dossier status is in the code list 1–10"):
        pipeline.publish(settings)
    assert classify(QualityGateFailed("x"))[0] == ExitCode.QUALITY_GATE == 6


def test_a_missing_or_oddly_shaped_dataset_is_not_checked_and_says_why(engine):
    ghost = Table("ghost", MetaData(), Column("day", Date), Column("loaded_at", DateTime(timezone=True)))
    odd = Table("dossier", MetaData(), Column("dossier_id", String, primary_key=True), Column("received_date", Date),
                Column("loaded_at", DateTime(timezone=True)), Column("source", String),
                Column("province_code", String), Column("commune_code", String))
    with engine.connect() as conn:
        missing = check_dataset(conn, ghost, DatasetSuite("ghost", "ghost", "day", "loaded_at", dossier_expectations),
                                now=NOW)
        assert (missing.not_checked, missing.results) == ("table missing: ghost", [])
        shaped = check_dataset(conn, odd, DatasetSuite("dossier", "d", "received_date", "loaded_at",
                                                       dossier_expectations), now=NOW)
        assert shaped.not_checked.startswith("columns missing: channel, due_at, finished_at")
        empty = check_dataset(conn, dossier, DatasetSuite("dossier", "d", "received_date", "loaded_at",
                                                          dossier_expectations), now=NOW)
        assert empty.not_checked == "no rows" and empty.rows_checked == 0


def test_every_dataset_is_checked_and_one_without_rows_says_so(engine, settings):
    insert_rows(engine, [dossier_row(1, day=date(2025, 8, 17))])
    checks = pipeline.check(settings)
    assert [o.dataset for o in checks.outcomes] == [
        "dossier", "dossier_attachment", "procedure", "procedure_component", "citizen_verification",
        "commune_report", "commune_report_coverage", "province_report", "land_parcel", "civil_status_event",
        "insurance_participant", "source_read", "portal_reported_online"]
    assert checks.of("dossier").not_checked is None and checks.of("land_parcel").not_checked == "no rows"


def test_attachments_are_held_to_their_procedures_published_components(engine, settings):
    stamp = {"updated_at": NOW, "load_id": "load-1", "loaded_at": NOW}
    insert_rows(engine, [dossier_row(1, procedure_code="1.001193.000.00.00.H00")])
    insert_rows(engine, [{"procedure_code": "1.001193.000.00.00.H00", "source": "dvc_portal",
                          "name": "Thủ tục đăng ký khai sinh", "field_code": "HT", "field_name": "Hộ tịch", **stamp}],
                procedure)
    insert_rows(engine, [{"procedure_code": "1.001193.000.00.00.H00", "component_code": "TP1", "name": "Tờ khai",
                          "originals": 1, "copies": 0, **stamp}], procedure_component)
    attachment = {"dossier_id": "H52.1-250817-0001", "is_deleted": False, "reuse_state": 0, **stamp}
    insert_rows(engine, [{**attachment, "attachment_id": "a1", "component_code": "TP1"},
                         {**attachment, "attachment_id": "a2", "component_code": "TP9"},
                         {**attachment, "attachment_id": "a3", "component_code": None, "reuse_state": 7}],
                dossier_attachment)
    checks = pipeline.check(settings)
    failed = {r.description_en: (r.dimension, r.unexpected_count, r.examples)
              for r in checks.of("dossier_attachment").results if not r.success}
    assert failed == {
        "Attached components are in the procedure's published component list": ("dung", 1, ("a2",)),
        "Attachments name their component": ("du", 1, ("a3",)),
        "Data reuse state is 0, 1 or 2": ("sach", 1, ("a3",))}
    assert checks.of("procedure").success and checks.of("procedure_component").success
    with engine.connect() as conn:
        scores = {(r.dimension, r.province_code, r.commune_code): (r.rows_checked, r.rows_failing) for r in conn.execute(
            select(metric_data_quality).where(metric_data_quality.c.dataset == "dossier_attachment"))}
    assert scores == {("dung", "01", "00004"): (3, 1), ("du", "01", "00004"): (3, 1), ("sach", "01", "00004"): (3, 1)}


def test_each_register_is_checked_on_its_own_rows_of_the_shared_table(engine, settings):
    def record(source, key, **changes):
        return {"source": source, "record_key": key, "record_type": "x", "subject_id_hash": "h" * 64,
                "subject_id_kind": "personal_id", "province_code": "01", "commune_code": "00004",
                "event_date": date(2025, 8, 1), "updated_at": NOW, "load_id": "load-1", "loaded_at": NOW, **changes}

    insert_rows(engine, [record("land_registry", "T1"), record("land_registry", "T2", subject_id_kind="id_card_9"),
                         record("civil_status", "K1", commune_code=None), record("social_insurance", "B1")],
                sectoral_record)
    checks = pipeline.check(settings)
    failing = {dataset: {r.description_en: r.unexpected_count for r in checks.of(dataset).results if not r.success}
               for dataset in ("land_parcel", "civil_status_event", "insurance_participant")}
    assert failing == {"land_parcel": {"The person is identified by a 12-digit personal ID": 1},
                       "civil_status_event": {"The record names a valid (post-merger) commune": 1},
                       "insurance_participant": {}}
    assert (checks.of("land_parcel").rows_checked, checks.of("civil_status_event").rows_checked) == (2, 1)


def test_a_commune_that_sent_no_report_counts_against_coverage_on_that_date(engine):
    from hub.quality_store import check
    from hub.warehouse.schema import admin_commune, commune_report, metadata
    from quality.suites.monitoring import COMMUNE_COVERAGE_SUITE

    day = date(2025, 8, 10)
    with engine.begin() as conn:
        communes = conn.execute(select(func.count()).select_from(admin_commune)).scalar_one()
        two = conn.execute(select(admin_commune.c.code, admin_commune.c.province_code)
                           .order_by(admin_commune.c.code).limit(2)).all()
        conn.execute(commune_report.insert(), [
            {"report_date": day, "commune_code": code, "province_code": province, "on_time": True,
             "updated_at": NOW, "load_id": "L", "loaded_at": NOW} for code, province in two])
    outcome = check(engine, COMMUNE_COVERAGE_SUITE.data(metadata.tables), COMMUNE_COVERAGE_SUITE, now=NOW)
    (result,) = outcome.results
    assert (result.dimension, result.element_count, result.unexpected_count) == ("du", communes, communes - 2)
    with engine.connect() as conn:
        scores = {r.commune_code: (r.rows_checked, r.rows_failing) for r in conn.execute(
            select(metric_data_quality).where(metric_data_quality.c.dataset == "commune_report_coverage"))}
    assert len(scores) == communes and scores[two[0][0]] == (1, 0)
    assert sum(failing for _, failing in scores.values()) == communes - 2
