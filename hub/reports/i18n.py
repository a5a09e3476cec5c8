"""Report labels in Vietnamese (default) and English, from YAML tables of key -> {vi, en}."""
from __future__ import annotations

from importlib.resources import files

import yaml

LANGUAGES = ("vi", "en")


def load_labels(name: str) -> dict[str, dict[str, str]]:
    """Per language, every key's text, from ``hub/reports/<name>`` (each key holds its text in every language)."""
    table = yaml.safe_load(files("hub.reports").joinpath(name).read_text(encoding="utf-8"))
    incomplete = [key for key, texts in table.items()
                  if not isinstance(texts, dict) or sorted(texts) != sorted(LANGUAGES)
                  or not all(isinstance(text, str) for text in texts.values())]
    if incomplete:
        raise ValueError(f"{name}: every key needs its text in {', '.join(LANGUAGES)}, and only those: {incomplete}")
    return {language: {key: texts[language] for key, texts in table.items()} for language in LANGUAGES}


LABELS = load_labels("labels.yaml")


def labels(language: str) -> dict[str, str]:
    if language not in LABELS:
        raise ValueError(f"unsupported report language {language!r}; choose one of {', '.join(LABELS)}")
    return LABELS[language]
