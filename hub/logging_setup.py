"""Logs go to var/logs/lienthong.log as JSON lines; only the fields we pass, never payloads."""
from __future__ import annotations

import json
import logging
from pathlib import Path

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"at": self.formatTime(record), "level": record.levelname, "logger": record.name,
                 "message": record.getMessage()}
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["error"] = repr(record.exc_info[1])
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_path(var_dir: Path) -> Path:
    return var_dir / "logs" / "lienthong.log"


def configure_logging(var_dir: Path, level: int = logging.INFO) -> Path:
    path = log_path(var_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    ours = [h for h in root.handlers if getattr(h, "_lienthong", False)]
    if any(Path(h.baseFilename) == path.resolve() for h in ours):
        return path
    for handler in ours:  # configured again for another var/ (tests, embedded use): move the file
        root.removeHandler(handler)
        handler.close()
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(JsonLines())
    handler._lienthong = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # zeep logs whole envelopes (personal IDs) at DEBUG: never let it below WARNING.
    for noisy in ("urllib3", "great_expectations", "alembic", "zeep"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return path
