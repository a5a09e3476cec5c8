"""Dossier reduction per day and unit, per procedure component, Decision 766 per province and month,
and the portal's reported aggregates against its dossiers: from a small warehouse written by hand,
every expected figure counted by hand in the comments."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, insert, select, update

from hub.metrics.day_facts import refresh_day_facts
from hub.metrics.decision766 import publish_decision766
from hub.metrics.dossier_reduction_day import publish_dossier_reduction_days
from hub.metrics.portal_consistency import ChannelCounts, likely_cause, publish_portal_consistency
from hub.metrics.procedure_reduction import publish_procedure_reduction
from hub.warehouse.schema import (admin_commune, citizen_verification, dossier, dossier_attachment,
                                  metric_decision766, metric_dossier_reduction_day, portal_reported_online, procedure,
                                  procedure_component, sectoral_record)

NOW = datetime(2025, 8, 20, tzinfo=timezone.utc)
DAY1, DAY2 = date(2025, 8, 5), date(2025, 8, 6)
LINEAGE = {"load_id": "L", "loaded_at": NOW}


def _dossier(n, province, commune, procedure_code, channel, day, owner, status=4, **flags) -> dict:
    return {"dossier_id": f"D{n}", "source": "dvc_portal", "procedure_code": procedure_code,
            "province_code": province, "commune_code": commune, "channel": channel, "status_code": status,
            "received_at": NOW, "received_date": day, "updated_at": NOW, "owner_id_hash": owner,
            "owner_id_kind": "personal_id", "online_payment": None, "has_digitised_component": None,
            "vneid_verified": None, **flags, **LINEAGE}


def _attachment(dossier_no, component, reuse=0, store=False, deleted=False) -> dict:
    return {"dossier_id": f"D{dossier_no}", "attachment_id": f"D{dossier_no}-{component}-{deleted}",
            "component_code": component, "is_deleted": deleted, "digitised": True, "reuse_state": reuse,
            "from_personal_store": store, "updated_at": NOW, **LINEAGE}


def _component(procedure_code, code, replaceable_by=None, result=None) -> dict:
    return {"procedure_code": procedure_code, "component_code": code, "name": code, "replaceable_by": replaceable_by,
            "replaced_by_result_code": result, "updated_at": NOW, **LINEAGE}


def _portal(province, start, end, total, online, direct, ratio) -> dict:
    return {"province_code": province, "period_start": start, "period_end": end, "channel_total": total,
            "channel_online": online, "channel_direct": direct, "channel_postal": None if total is None else 0,
            "ratio_pct": ratio, "updated_at": NOW, **LINEAGE}


@pytest.fixture(scope="module")
def warehouse(module_engine):
    with module_engine.begin() as conn:
        c14, c11 = (conn.execute(select(func.min(admin_commune.c.code)).where(admin_commune.c.province_code == p))
                    .scalar_one() for p in ("14", "11"))
        conn.execute(insert(procedure), [
            {"procedure_code": code, "source": "dvc_portal", "name": f"Thủ tục {code}", "updated_at": NOW, **LINEAGE}
            for code in ("P1", "P2")])
        conn.execute(insert(procedure_component), [
            _component("P1", "ID", "population"), _component("P1", "LAND", "land"),
            _component("P1", "BIRTH", "civil_status"), _component("P1", "BHXH", "social_insurance"),
            _component("P1", "FORM"), _component("P1", "KQ", "civil_status", result="KQ-1"), _component("P2", "FORM2")])
        conn.execute(insert(dossier), [
            _dossier(1, "14", c14, "P1", "online", DAY1, "h1", online_payment=1, has_digitised_component=True,
                     vneid_verified=True),
            _dossier(2, "14", c14, "P1", "direct", DAY1, "h2", online_payment=0, has_digitised_component=False,
                     vneid_verified=False),
            _dossier(3, "14", None, "P2", "unknown", DAY1, "h3"),  # no commune, no attachments
            _dossier(4, "14", c14, "P1", "online", DAY1, "h1", status=3),  # refused at reception: never counted
            _dossier(5, "99", None, "PX", "online", DAY2, "h5"),  # unknown province and procedure
            _dossier(6, "11", c11, "P1", "online", DAY2, "h6", online_payment=2, has_digitised_component=True),
        ])
        conn.execute(insert(dossier_attachment), [
            _attachment(1, "ID"),  # avoidable; the population register matched h1: verified
            _attachment(1, "LAND"),  # avoidable; the land registry holds a parcel of h1: verified
            _attachment(1, "BIRTH", reuse=1),  # filled from data
            _attachment(1, "FORM"),  # not replaceable
            _attachment(1, "XTRA"),  # not a published component of P1
            _attachment(2, "ID"),  # avoidable; the register did not match h2
            _attachment(2, "BHXH"),  # avoidable; social insurance holds h2: verified
            _attachment(2, "BIRTH"),  # avoidable; civil status holds nothing of h2
            _attachment(2, "ID", deleted=True),  # deleted: not counted
            _attachment(4, "ID"),  # refused dossier
            _attachment(5, "ANY"),  # procedure not in the catalogue: outside the list
            _attachment(6, "LAND", store=True),  # from the citizen's store
        ])
        conn.execute(insert(citizen_verification), [
            {"subject_id_hash": h, "source": "population_db", "outcome": outcome, "updated_at": NOW, **LINEAGE}
            for h, outcome in (("h1", "match"), ("h2", "mismatch"))])
        conn.execute(insert(sectoral_record), [
            {"source": source, "record_key": key, "record_type": "t", "subject_id_hash": h, "updated_at": NOW,
             **LINEAGE} for source, key, h in (("land_registry", "T1", "h1"), ("social_insurance", "S2", "h2"))])
        conn.execute(insert(portal_reported_online), [
            _portal("14", date(2025, 8, 1), date(2025, 8, 31), 3, 1, 2, 33.33),  # agrees (missing channel = direct)
            _portal("11", date(2025, 8, 1), date(2025, 8, 31), 2, 2, 0, 100.0),  # one dossier more than the hub
            _portal("01", date(2025, 8, 1), date(2025, 8, 31), None, None, None, None),  # nothing reported
            _portal("14", date(2025, 7, 1), date(2025, 8, 6), 4, 2, 2, 50.0),  # not a month
        ])
    return {"engine": module_engine, "c14": c14, "c11": c11}


@pytest.fixture(scope="module")
def days(warehouse):
    written = publish_dossier_reduction_days(warehouse["engine"], DAY1, DAY2)
    rows = _stored_days(warehouse["engine"])
    assert written == len(rows)
    return rows


def _stored_days(engine) -> dict:
    with engine.connect() as conn:
        return {(r["day"], r["unit_level"], r["unit_code"]): r
                for r in conn.execute(select(metric_dossier_reduction_day)).mappings()}


FIELDS = ("dossiers_received", "dossiers_reusing_data", "dossiers_with_avoidable", "attachments",
          "attachments_replaceable", "attachments_avoidable", "attachments_avoidable_verified",
          "attachments_outside_list")


def _figures(row) -> tuple:
    return tuple(row[f] for f in FIELDS)


def test_a_province_day_counts_replaceable_avoidable_verified_and_unlisted_attachments(days):
    son_la = days[(DAY1, "province", "14")]
    # D1, D2, D3; D1 reuses; D1 and D2 hold avoidable files; 5 + 3 files; ID LAND BIRTH + ID BHXH BIRTH
    # replaceable; ID LAND + ID BHXH BIRTH avoidable; ID LAND + BHXH verified; XTRA unlisted
    assert _figures(son_la) == (3, 1, 2, 8, 6, 5, 3, 1)
    assert (son_la["reuse_rate_pct"], son_la["avoidable_pct"], son_la["outside_list_pct"]) == (33.33, 62.5, 12.5)


def test_communes_and_procedures_split_the_same_dossiers(days, warehouse):
    assert _figures(days[(DAY1, "commune", warehouse["c14"])]) == (2, 1, 2, 8, 6, 5, 3, 1)
    no_commune = days[(DAY1, "commune", "-")]
    assert no_commune["dossiers_received"] == 1 and no_commune["unit_known"] is False
    assert days[(DAY1, "procedure", "P1")]["dossiers_received"] == 2
    assert days[(DAY1, "procedure", "P2")]["dossiers_received"] == 1


def test_unknown_codes_are_counted_in_their_own_rows_and_in_the_nation(days):
    unknown = days[(DAY2, "province", "99")]
    assert (unknown["unit_known"], unknown["unit_name"], unknown["dossiers_received"],
            unknown["attachments_outside_list"]) == (False, None, 1, 1)
    assert days[(DAY2, "procedure", "PX")]["unit_known"] is False
    assert days[(DAY2, "nation", "VN")]["dossiers_received"] == 2  # D5 and D6


def test_a_day_without_dossiers_still_has_every_row_with_zeros_and_no_rates(days):
    quiet = days[(DAY2, "province", "14")]
    assert _figures(quiet) == (0,) * 8 and quiet["reuse_rate_pct"] is None and quiet["avoidable_pct"] is None

    def rows_on(day):
        return {level: sum(1 for d, lvl, _ in days if d == day and lvl == level)
                for level in ("nation", "province", "commune", "procedure")}
    # every known unit each day, and the unknown codes on the days they occur
    assert rows_on(DAY1) == {"nation": 1, "province": 34, "commune": 3321 + 1, "procedure": 2}
    assert rows_on(DAY2) == {"nation": 1, "province": 34 + 1, "commune": 3321 + 1, "procedure": 2 + 1}


def test_days_add_up_to_the_period_and_republishing_changes_nothing(days, warehouse):
    nation = sum(days[(day, "nation", "VN")]["dossiers_received"] for day in (DAY1, DAY2))
    provinces = sum(r["dossiers_received"] for (_, level, _), r in days.items() if level == "province")
    assert nation == provinces == 5
    publish_dossier_reduction_days(warehouse["engine"], DAY1, DAY2)
    again = _stored_days(warehouse["engine"])
    assert {key: _figures(r) + (r["reuse_rate_pct"], r["unit_known"]) for key, r in again.items()} == {
        key: _figures(r) + (r["reuse_rate_pct"], r["unit_known"]) for key, r in days.items()}


def test_procedure_components_say_what_a_database_could_replace_and_what_the_portal_does(warehouse):
    progress = publish_procedure_reduction(warehouse["engine"])
    from hub.warehouse.schema import metric_procedure_component_reduction as table
    with warehouse["engine"].connect() as conn:
        rows = {(r.procedure_code, r.component_code): r for r in conn.execute(select(table))}
    assert len(rows) == 7
    figures = {key: (r.attachments_submitted, r.attachments_replaced, r.portal_replaces) for key, r in rows.items()}
    assert figures[("P1", "ID")] == (2, 0, False)
    assert figures[("P1", "LAND")] == (1, 1, True)  # D6 took it from the store
    assert figures[("P1", "BIRTH")] == (1, 1, True)  # D1 reused it
    assert figures[("P1", "KQ")] == (0, 0, True)  # the catalogue names a result that replaces it
    assert figures[("P1", "FORM")] == (1, 0, False) and rows[("P1", "FORM")].replaceable_by is None
    assert (progress["procedures"], progress["procedures_replaceable"], progress["procedures_replacing"],
            progress["target_procedures"], progress["target_progress_pct"]) == (2, 1, 1, 1139, 0.09)


@pytest.fixture(scope="module")
def decision766(warehouse):
    rows = publish_decision766(warehouse["engine"], DAY1, DAY2)
    return {(r["unit_code"], r["indicator_code"]): r for r in rows}


def test_decision_766_indicators_per_province_and_month_from_the_dossiers(decision766):
    rates = {code: (r["numerator"], r["denominator"], r["rate_pct"])
             for (unit, code), r in decision766.items() if unit == "14"}
    assert rates == {
        "DOSSIER_SYNC": (3, 3, 100.0),
        "ONLINE_FILING_FORM": (1, 3, 33.33),
        "ONLINE_PAYMENT_DOSSIER": (1, 2, 50.0),  # D1 paid online of D1 and D2 (D3 has no payment field)
        "SO_HOA_GIAY_TO_GIAI_QUYET": (1, 3, 33.33),
        "REUSED_DIGITIZED_DATA": (1, 3, 33.33),
        "SYNCED_WITH_DVCQG_PERSONAL_STORAGE": (0, 3, 0.0),
        "CITIZEN_DATA_CONNECTED_DOSSIER": (1, 3, 33.33),
    }
    assert {r["month"] for r in decision766.values()} == {date(2025, 8, 1)}
    assert len(decision766) == (34 + 1 + 1) * 7  # provinces, the unknown '99', the nation


def test_decision_766_sits_beside_the_portals_monthly_figures_with_the_likely_cause(decision766):
    son_la = decision766[("14", "ONLINE_FILING_FORM")]
    assert (son_la["portal_numerator"], son_la["portal_denominator"], son_la["portal_rate_pct"],
            son_la["difference_pct"], son_la["likely_cause"]) == (1, 3, 33.33, 0.0, None)
    lang_son_sync = decision766[("11", "DOSSIER_SYNC")]  # the hub holds 1 of the portal's 2
    assert (lang_son_sync["rate_pct"], lang_son_sync["likely_cause"]) == (50.0, "dossiers_missing_from_hub")
    assert decision766[("01", "ONLINE_FILING_FORM")]["likely_cause"] == "not_reported_by_portal"
    assert decision766[("14", "ONLINE_PAYMENT_DOSSIER")]["likely_cause"] == "not_reported_by_portal"
    nation = decision766[("VN", "ONLINE_FILING_FORM")]
    assert (nation["numerator"], nation["denominator"], nation["portal_rate_pct"]) == (3, 5, None)
    assert decision766[("99", "DOSSIER_SYNC")]["unit_known"] is False


def test_a_month_without_dossiers_publishes_zero_counts_and_no_rates(warehouse):
    rows = publish_decision766(warehouse["engine"], date(2025, 9, 10), date(2025, 9, 12))
    hanoi = {r["indicator_code"]: r for r in rows if r["unit_code"] == "01"}
    assert len(hanoi) == 7 and all(r["numerator"] == 0 and r["rate_pct"] is None for r in hanoi.values())
    with warehouse["engine"].connect() as conn:
        months = conn.execute(select(metric_decision766.c.month).distinct()).scalars().all()
    assert sorted(months) == [date(2025, 8, 1), date(2025, 9, 1)]


def test_the_portals_reported_aggregates_are_checked_against_its_dossiers(warehouse):
    rows = {(r["province_code"], r["period_start"]): r for r in publish_portal_consistency(warehouse["engine"])}
    agrees = rows[("14", date(2025, 8, 1))]
    assert (agrees["hub_total"], agrees["hub_online"], agrees["hub_direct"], agrees["hub_no_channel"],
            agrees["total_difference"], agrees["status"], agrees["likely_cause"]) == (3, 1, 1, 1, 0, "green", None)
    short = rows[("11", date(2025, 8, 1))]
    assert (short["total_difference"], short["status"], short["likely_cause"]) == (-1, "red", "dossiers_missing_from_hub")
    silent = rows[("01", date(2025, 8, 1))]
    assert (silent["hub_total"], silent["status"], silent["likely_cause"]) == (0, "yellow", "not_reported_by_portal")
    longer = rows[("14", date(2025, 7, 1))]
    assert (longer["hub_total"], longer["portal_total"], longer["status"]) == (3, 4, "red")


def test_each_kind_of_difference_has_its_likely_cause():
    hub = ChannelCounts(total=10, online=6, direct=4, rate_pct=60.0)
    assert likely_cause(hub, ChannelCounts(9, 6, 3, 66.67)) == "synced_after_portal_snapshot"
    assert likely_cause(hub, ChannelCounts(10, 7, 3, 70.0)) == "channel_classified_differently"
    assert likely_cause(hub, ChannelCounts(10, 6, 4, 55.0)) == "rate_defined_differently"
    assert likely_cause(hub, ChannelCounts(None, None, None, 60.0)) is None
    assert likely_cause(hub, ChannelCounts(10, 6, 4, 60.004)) is None  # rounding


def test_the_publish_stage_fills_every_table_and_republishing_gives_the_same_figures(warehouse, days, tmp_path):
    from hub import pipeline
    from hub.settings import Settings
    from hub.warehouse.schema import (metric_dossier_reduction_progress, metric_portal_consistency,
                                      metric_procedure_component_reduction)
    from tests.conftest import TEST_PII_KEY

    engine = warehouse["engine"]
    settings = Settings(var_dir=tmp_path, db_url=engine.url.render_as_string(hide_password=False),
                        pii_key=TEST_PII_KEY)
    rates = pipeline.publish(settings)
    assert (rates.period_start, rates.period_end) == (DAY1, DAY2)
    after = _stored_days(engine)
    assert {k: _figures(r) for k, r in after.items()} == {k: _figures(r) for k, r in days.items()}
    with engine.connect() as conn:
        for table in (metric_decision766, metric_portal_consistency, metric_procedure_component_reduction,
                      metric_dossier_reduction_progress):
            assert conn.execute(select(func.count()).select_from(table)).scalar_one() > 0, table.name


# Last in the module: the two tests below change the shared warehouse.
def test_month_and_component_figures_reread_only_the_days_whose_dossiers_changed(warehouse):
    engine = warehouse["engine"]
    with engine.begin() as conn:
        refresh_day_facts(conn)
        assert refresh_day_facts(conn) == []  # nothing changed: no day read again
        conn.execute(update(dossier).where(dossier.c.dossier_id == "D6").values(
            channel="direct", loaded_at=datetime.now(timezone.utc)))  # D6: province 11, received on DAY2
        assert refresh_day_facts(conn) == [DAY2]
    rows = {(r["unit_code"], r["indicator_code"]): r for r in publish_decision766(engine, DAY1, DAY2)}
    assert (rows[("11", "ONLINE_FILING_FORM")]["numerator"], rows[("14", "ONLINE_FILING_FORM")]["numerator"]) == (0, 1)
def test_only_days_whose_inputs_changed_are_recomputed_a_new_register_record_included(days, warehouse):
    engine = warehouse["engine"]
    publish_dossier_reduction_days(engine, DAY1, DAY2)
    before = _stored_days(engine)
    publish_dossier_reduction_days(engine, DAY1, DAY2)
    assert _stored_days(engine) == before  # nothing changed: nothing recomputed, computed_at kept
    with engine.begin() as conn:  # civil status now holds h2 (D2, DAY1): D2's birth certificate was avoidable
        conn.execute(insert(sectoral_record).values(
            source="civil_status", record_key="B2", record_type="t", subject_id_hash="h2",
            updated_at=NOW, load_id="L2", loaded_at=datetime.now(timezone.utc)))
    publish_dossier_reduction_days(engine, DAY1, DAY2)
    after = _stored_days(engine)
    son_la = (DAY1, "province", "14")
    assert after[son_la]["attachments_avoidable_verified"] == before[son_la]["attachments_avoidable_verified"] + 1
    assert after[son_la]["computed_at"] != before[son_la]["computed_at"]
    assert all(after[key] == row for key, row in before.items() if key[0] == DAY2)
