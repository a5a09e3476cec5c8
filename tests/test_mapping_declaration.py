"""Mapping files are checked when they load: a typo names the file, the key and what was meant."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from mappings.engine import MAPPINGS_DIR, Mapping, MappingError
from mappings.registry import RULE_TYPES, Context, rule_type

MINIMAL = """
source: t
stream: s
target: dossier
record_key: K
fields:
  key: {from: K, type: string, required: true}
"""


def write(tmp_path: Path, text: str, name: str = "t_s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    with pytest.raises(MappingError) as caught:
        Mapping.load(path)
    return str(caught.value)


@pytest.mark.parametrize("path", sorted(p.name for p in MAPPINGS_DIR.glob("*.yaml") if p.name != "codes.yaml"))
def test_every_shipped_mapping_loads(path):
    mapping = Mapping.load(path)
    assert mapping.fields and mapping.target


def test_a_misspelt_rule_key_fails_with_file_key_and_suggestion(tmp_path):
    path = write(tmp_path, MINIMAL.replace("required: true", "requird: true"), "typo_rule.yaml")
    message = load_error(path)
    assert "typo_rule.yaml" in message and "fields.key" in message
    assert "'requird'" in message and "did you mean 'required'?" in message


def test_a_misspelt_top_level_key_fails_with_file_key_and_suggestion(tmp_path):
    path = write(tmp_path, MINIMAL + "unknown_feilds: quarantine\n", "typo_top.yaml")
    message = load_error(path)
    assert "typo_top.yaml" in message and "'unknown_feilds'" in message and "did you mean 'unknown_fields'?" in message


def test_a_misspelt_key_in_a_child_or_pii_section_is_caught_too(tmp_path):
    child = MINIMAL + """
children:
  - from: L
    target: dossier_attachment
    fields:
      dossier_id: {type: parent, field: key}
      attachment_id: {from: A, type: string, max_lenght: 10}
"""
    message = load_error(write(tmp_path, child))
    assert "children[0].fields.attachment_id" in message and "did you mean 'max_length'?" in message
    message = load_error(write(tmp_path, MINIMAL + "pii: {hash: [K], dorp: [Name]}\n"))
    assert "pii" in message and "did you mean 'drop'?" in message


def test_an_option_of_another_type_is_not_accepted(tmp_path):
    message = load_error(write(tmp_path, MINIMAL + "  status: {from: S, type: integer, max_length: 2}\n"))
    assert "fields.status (type integer)" in message and "'max_length'" in message
    assert "min" in message and "max" in message  # the valid keys are listed when nothing is close


def test_an_unknown_type_suggests_the_nearest_one(tmp_path):
    message = load_error(write(tmp_path, MINIMAL + "  when: {from: W, type: datetme}\n"))
    assert "'datetme'" in message and "did you mean 'datetime'?" in message


def test_option_values_and_references_are_checked_on_load(tmp_path):
    cases = {
        "  when: {from: W, type: datetime, format: '%Y%m%d%Q'}\n": "%Q",
        "  when: {from: W, type: datetime, timezone: Asia/Hanoi_City}\n": "Asia/Hanoi_City",
        "  day: {type: local_date, of: key}\n": "'key' must name an earlier field of type datetime",
        "  day: {type: local_date, of: when}\n  when: {from: W, type: datetime}\n": "'when' must name an earlier field",
        "  commune: {from: X, type: commune, ambiguous: drop}\n": "'drop' is not one of quarantine, null",
        "  channel: {from: C, type: code, codes: chanel}\n": "unknown code list 'chanel'",
        "  owner: {type: parent, field: key}\n": "only child mappings have one",
        "  kind: {type: constant}\n": "missing key 'value'",
        "  kind: {type: constant, value: x, from: K}\n": "unknown key 'from'",
    }
    for rule, expected in cases.items():
        message = load_error(write(tmp_path, MINIMAL + rule))
        assert expected in message, (rule, message)


def test_a_new_rule_type_is_one_registered_function(tmp_path):
    @rule_type("upper_text", options=("prefix",))
    def upper_text(rule, scope):
        prefix = rule.options.get("prefix", "")

        def convert(record: dict, row: dict, context: Context):
            value = record.get(rule.sources[0])
            return (prefix + value.upper(), None) if isinstance(value, str) else (None, f"{rule.label}: not text")

        return convert

    try:
        mapping = Mapping.load(write(tmp_path, MINIMAL + "  shout: {from: S, type: upper_text, prefix: '!'}\n"))
        result = mapping.apply([{"K": "1", "S": "hello"}, {"K": "2", "S": 5}])
        assert result.rows == [{"key": "1", "shout": "!HELLO"}]
        assert result.quarantined == [(1, "S: not text")]
        misspelt = MINIMAL + "  shout: {from: S, type: upper_text, prefx: x}\n"
        assert "did you mean 'prefix'?" in load_error(write(tmp_path, misspelt))
    finally:
        RULE_TYPES.pop("upper_text")
