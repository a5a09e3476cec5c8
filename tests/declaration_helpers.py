"""Helpers for the tests of declarations checked on load."""
from __future__ import annotations

from pathlib import Path


def misspelt_copy(tmp_path: Path, source: Path, right: str, wrong: str) -> Path:
    """A copy of ``source`` in ``tmp_path`` with the first ``right`` (which must be there) written ``wrong``."""
    text = source.read_text(encoding="utf-8")
    assert right in text
    path = tmp_path / source.name
    path.write_text(text.replace(right, wrong, 1), encoding="utf-8")
    return path
