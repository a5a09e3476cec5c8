"""ISO-8601 watermarks shared by the sectoral kinds: the newest update seen, and the overlap."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone


def parse_instant(value) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None  # an unreadable timestamp is the mapping's to quarantine, not the watermark's
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def newest(current: str | None, candidates) -> str | None:
    best = parse_instant(current)
    for value in candidates:
        moment = parse_instant(value)
        if moment is not None and (best is None or moment > best):
            best = moment
    return best.isoformat() if best else current


def start_of_window(checkpoint: str | None, overlap: timedelta) -> str | None:
    moment = parse_instant(checkpoint)
    return (moment - overlap).isoformat() if moment else None
