"""What each expectation checks and what to do when it fails, in every report language, from texts.yaml.

The file is read and checked once, on import: every entry holds a ``description`` and an ``action``,
each with its text in every language and nothing else. A declaration names its entry by id; an id the
file does not hold, or a ``${name}`` its declaration does not fill, fails naming the file and the key
(quality/suites/catalog.py builds every suite on import, so a misspelt id fails loading the suites).
"""
from __future__ import annotations

import difflib
from pathlib import Path
from string import Template
from typing import Mapping

import yaml

TEXTS_FILE = Path(__file__).with_name("texts.yaml")
LANGUAGES = ("vi", "en")
PARTS = ("description", "action")
Texts = dict[str, dict[str, dict[str, str]]]  # id -> part -> language -> text
Values = Mapping[str, Mapping[str, str]]  # language -> ${name} -> word


class TextsError(ValueError):
    """An expectation's texts are missing, misspelt or incomplete."""


def _problem(entry: object) -> str:
    """What is wrong with one entry, or '' when nothing is."""
    if not isinstance(entry, dict) or sorted(entry) != sorted(PARTS):
        found = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
        return f"needs {' and '.join(PARTS)}, and only those (found {found})"
    for part in PARTS:
        texts = entry[part]
        if (not isinstance(texts, dict) or sorted(texts) != sorted(LANGUAGES)
                or not all(isinstance(text, str) and text for text in texts.values())):
            return f"{part} needs its text in {', '.join(LANGUAGES)}, and only those"
    return ""


def read_texts(path: Path) -> Texts:
    """Every entry of ``path``, refused naming the file and the key when one is incomplete."""
    table = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(table, dict):
        raise TextsError(f"{path}: expected a mapping of text ids to their texts")
    for key, entry in table.items():
        if problem := _problem(entry):
            raise TextsError(f"{path}: {key}: {problem}")
    return table


TEXTS = read_texts(TEXTS_FILE)


def expectation_texts(text_id: str, values: Values | None = None) -> dict[str, str]:
    """``description_vi``, ``description_en``, ``action_vi``, ``action_en`` of ``text_id``, each
    ``${name}`` filled from ``values`` of its language."""
    if text_id not in TEXTS:
        nearest = difflib.get_close_matches(text_id, TEXTS, n=1)
        meant = f"; did you mean {nearest[0]!r}?" if nearest else ""
        raise TextsError(f"{TEXTS_FILE}: no texts for {text_id!r}{meant}")
    filled = {}
    for part in PARTS:
        for language in LANGUAGES:
            try:
                filled[f"{part}_{language}"] = Template(TEXTS[text_id][part][language]).substitute(
                    (values or {}).get(language, {}))
            except KeyError as missing:
                raise TextsError(f"{TEXTS_FILE}: {text_id}.{part}.{language}: "
                                 f"the declaration gives no value for ${{{missing.args[0]}}}") from None
    return filled
