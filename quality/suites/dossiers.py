"""Expectations over canonical dossiers, each tagged with its dimension.

Dimensions (MOST's reading of the slogan, seeds 003): đúng = correct (100 %, 95 % is not
enough), đủ = complete, sạch = clean (no errors, no duplicates), sống = live (kept up to date).
"""
from __future__ import annotations

from datetime import datetime, timedelta

import great_expectations as gx

from quality.suites import DatasetSuite, no_rows_where, not_placeholder, present, tagged

SUITE_NAME = "dossier_dung_du_sach_song"
FRESHNESS = timedelta(hours=26)  # a daily sync plus slack
# Open when the hub last loaded it, due before that, and no status change since the due date. Judged
# against the load time, not the check time, so a day's answer changes only when its data does.
OVERDUE_WITHOUT_UPDATE = ("SELECT * FROM {batch} WHERE finished_at IS NULL AND due_at < loaded_at "
                          "AND updated_at < due_at")
# Received under the two-level units (from 1 July 2025), a dossier's commune is one of the 3,321 communes.
PRE_MERGER_COMMUNE = ("SELECT * FROM {batch} WHERE received_date >= '2025-07-01' "
                      "AND commune_code_as_received IS NOT NULL "
                      "AND commune_code_as_received NOT IN (SELECT code FROM admin_commune)")
# Judged once the catalogue is in the warehouse: before its first sync every dossier would fail. A day is
# judged again when its dossiers change (a catalogue reload alone does not re-check the days).
PROCEDURE_NOT_IN_CATALOGUE = ("SELECT * FROM {batch} WHERE procedure_code NOT IN (SELECT procedure_code FROM procedure) "
                              "AND EXISTS (SELECT 1 FROM procedure)")
DOSSIER_NUMBER = r"^H\d{2}(?:\.[0-9A-Za-z]+)*-\d{6}-\d{4,}$"

_e = tagged


def dossier_expectations(now: datetime) -> list:
    E = gx.expectations
    return [
        _e(E.ExpectColumnValuesToBeBetween(column="status_code", min_value=1, max_value=10), "dung",
           "dossier_status_in_code_list", critical=True),
        _e(E.ExpectColumnValuesToBeInSet(column="channel", value_set=["online", "direct", "postal", "unknown"]), "dung",
           "dossier_channel_known"),
        _e(E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="finished_at", column_B="received_at", or_equal=True,
                                                      ignore_row_if="either_value_is_missing"), "dung",
           "dossier_finished_after_received"),
        _e(E.ExpectColumnValuesToBeInSet(column="owner_id_kind", value_set=["personal_id", "id_card_9"]), "dung",
           "owner_id_well_formed"),
        _e(E.ExpectColumnValuesToBeInSet(column="owner_id_kind", value_set=["personal_id"]), "dung",
           "owner_id_is_personal_id"),
        _e(E.ExpectColumnValuesToBeBetween(column="updated_at", max_value=now), "dung", "dossier_update_not_in_future"),
        present("commune_code", "dossier_commune_present"),
        no_rows_where(PRE_MERGER_COMMUNE, "dung", "dossier_commune_post_merger"),
        no_rows_where(PROCEDURE_NOT_IN_CATALOGUE, "du", "dossier_procedure_catalogued"),
        present("procedure_code", "dossier_procedure_present"),
        present("due_at", "dossier_due_date_present", mostly=0.95),
        _e(E.ExpectColumnValuesToBeUnique(column="dossier_id"), "sach", "dossier_number_unique", critical=True),
        _e(E.ExpectColumnValuesToMatchRegex(column="dossier_id", regex=DOSSIER_NUMBER), "sach",
           "dossier_number_format"),
        not_placeholder("procedure_code", "dossier_procedure_not_placeholder"),
        _e(E.ExpectColumnValuesToBeInSet(column="text_nfc", value_set=[True]), "sach", "dossier_text_nfc"),
        no_rows_where(OVERDUE_WITHOUT_UPDATE, "song", "overdue_dossier_updated"),
        _e(E.ExpectColumnMaxToBeBetween(column="loaded_at", min_value=now - FRESHNESS, max_value=now), "song",
           "dossier_synced_recently"),
    ]


DOSSIER_SUITE = DatasetSuite(dataset="dossier", name=SUITE_NAME, partition_column="received_date",
                             change_column="loaded_at", expectations=dossier_expectations,
                             quarantine_streams=(("dvc_portal", "dossiers"),))
