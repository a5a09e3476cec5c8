"""The expectations' texts (quality/suites/texts.yaml) are checked on load: every entry the suites name
exists and holds a description and an action in Vietnamese and English, every entry is named by some
expectation, and a missing or misspelt key fails naming the file and the key."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

import quality.suites
from quality.suites import tagged
from quality.suites.catalog import SUITES
from quality.suites.texts import TEXTS, TEXTS_FILE, TextsError, expectation_texts, read_texts
from tests.declaration_helpers import misspelt_copy

NOW = datetime(2025, 8, 20, 9, 30, tzinfo=timezone.utc)


def test_every_entry_is_named_by_an_expectation_and_every_expectation_has_its_texts(monkeypatch):
    named = []

    def recording(text_id, values=None):
        named.append(text_id)
        return expectation_texts(text_id, values)

    monkeypatch.setattr(quality.suites, "expectation_texts", recording)
    built = [expectation for suite in SUITES for expectation in suite.expectations(NOW)]
    assert sorted(set(named)) == sorted(TEXTS)
    for expectation in built:
        meta = expectation.meta
        assert all(meta[f"{part}_{language}"] and "$" not in meta[f"{part}_{language}"]
                   for part in ("description", "action") for language in ("vi", "en"))


def test_a_registers_words_fill_its_entries_in_each_language():
    texts = expectation_texts("register_event_date_after_1900",
                              {"vi": {"register": "hộ tịch", "event": "ngày xảy ra sự kiện",
                                      "Event": "Ngày xảy ra sự kiện"},
                               "en": {"register": "civil status", "event": "event date"}})
    assert texts == {"description_vi": "Ngày xảy ra sự kiện không trước năm 1900",
                     "description_en": "The event date is not before 1900",
                     "action_vi": "Cơ quan quản lý hộ tịch rà soát và cập nhật bản ghi trên hệ thống của ngành.",
                     "action_en": "The civil status office reviews and corrects the record in its system."}


def test_a_word_the_declaration_does_not_give_fails_naming_the_file_and_the_key():
    with pytest.raises(TextsError) as caught:
        expectation_texts("register_event_date_present", {"vi": {"event": "ngày cấp"}, "en": {"event": "date"}})
    assert str(TEXTS_FILE) in str(caught.value) and "register_event_date_present.action.vi" in str(caught.value)
    assert "${register}" in str(caught.value)


def test_a_misspelt_id_in_a_declaration_fails_naming_the_file_the_id_and_the_nearest():
    with pytest.raises(TextsError) as caught:
        tagged(quality.suites.gx.expectations.ExpectColumnValuesToBeUnique(column="dossier_id"), "sach",
               "dossier_number_uniqe")
    message = str(caught.value)
    assert str(TEXTS_FILE) in message and "'dossier_number_uniqe'" in message
    assert "did you mean 'dossier_number_unique'?" in message


@pytest.mark.parametrize("right, wrong, key, says", [
    ('    en: "Filing channel is a known value"\n', "", "dossier_channel_known",
     "description needs its text in vi, en"),
    ('    en: "Filing channel is a known value"\n', '    eng: "Filing channel is a known value"\n',
     "dossier_channel_known", "description needs its text in vi, en"),
    ("dossier_channel_known:\n  description:", "dossier_channel_known:\n  descripton:", "dossier_channel_known",
     "needs description and action"),
    ('''    en: "Reports say whether basic conditions are met"
  action:
    vi: "Điền mục đáp ứng điều kiện cơ bản."
    en: "Fill in the basic-conditions answer."
''', '    en: "Reports say whether basic conditions are met"\n', "commune_basic_conditions_present",
     "needs description and action"),
])
def test_an_incomplete_or_misspelt_entry_fails_naming_the_file_and_the_key(tmp_path, right, wrong, key, says):
    path = misspelt_copy(tmp_path, TEXTS_FILE, right, wrong)
    with pytest.raises(TextsError) as caught:
        read_texts(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {key}: ") and says in message

