"""Labels of the data-quality report, Vietnamese (default) and English (hub/reports/quality_labels.yaml)."""
from __future__ import annotations

from hub.reports.i18n import load_labels

QUALITY_LABELS = load_labels("quality_labels.yaml")


def quality_labels(language: str) -> dict[str, str]:
    return QUALITY_LABELS["en" if language == "en" else "vi"]
