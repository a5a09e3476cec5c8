"""Incremental state, one typed object for every connector's style, stored as JSON text.

A ``Position`` says where a partition's next read starts: the latest update read (``watermark``),
and per style what else resuming needs. Its ``style`` names the strategy that reads and moves it:

- ``portal_window``: portal timestamps (yyyyMMddHHmmss, local); an unfinished update window also
  keeps its end and the update time to resume from;
- ``iso_watermark``: ISO-8601 instants (REST sources);
- ``keyset``: (watermark, key) of the last row stored (SQL sources);
- ``lookback_days``: the last report date read; the next run reads the last days again;
- ``full_read``: a stream read whole every time (a catalogue): when it was last read; a read made
  in pieces (the procedure levels, a procedure at a time) also keeps the last piece stored (``key``)
  until it finishes, and an interrupted read resumes after it;
- ``last_file``: the name of the last file of a drop stored (files are read in name order).

Every style starts a new sync an overlap earlier than its watermark (records committed late with an
older update time): ``Position.next_start`` asks the style's registered function (``STYLES``). Checkpoints stored before this module, as plain text ("end>resume>watermark",
an ISO instant, ``{"mark", "key"}``, a date), are still read (``Position.decode``).

An ``UpdateWindow`` (a scheduler's data interval) bounds one read instead of the checkpoint and the
clock: ``window_read_start`` says where such a read starts and whether its checkpoints may be
stored. The portal's dossiers, the monitoring reports and REST listings with an ISO watermark read
windows; a keyset (SQL), a file drop and a catalogue read whole always read from their checkpoint.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Iterable

from connectors.registry import registrar

PORTAL_FORMAT = "%Y%m%d%H%M%S"


@dataclass(frozen=True)
class Position:
    style: str
    watermark: str | None = None
    window_end: str | None = None  # portal_window: the end of a window not read whole yet
    resume_from: str | None = None  # portal_window: the update time to resume that window from
    key: str | None = None  # keyset: the key of the last row stored; full_read: the last piece stored

    @property
    def unfinished(self) -> bool:
        return self.resume_from is not None

    def encode(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None}, sort_keys=True,
                          ensure_ascii=False)

    @classmethod
    def decode(cls, text: str | None, style: str) -> "Position":
        """The stored checkpoint of a partition read in ``style`` (None: never synced)."""
        if not text:
            return cls(style)
        if text.startswith("{"):
            data = json.loads(text)
            if "style" in data:
                return cls(**data)
            return cls(style, watermark=data.get("mark"), key=data.get("key"))  # keyset's first form
        if style == "portal_window" and ">" in text:  # "end>resume>watermark"
            end, resume, watermark = (text.split(">") + [""])[:3]
            return cls(style, watermark=watermark or None, window_end=end, resume_from=resume)
        return cls(style, watermark=text)

    def next_start(self, overlap: Any) -> Any:
        """Where a new read starts: the watermark less ``overlap`` in the style's own terms (None
        when there is no watermark yet, or it is unreadable)."""
        return STYLES[self.style](self.watermark, overlap) if self.watermark else None

    # --- moving it -------------------------------------------------------------------------------

    def finished(self, watermark: str | None) -> "Position":
        """After a whole read: only the watermark remains."""
        return Position(self.style, watermark=watermark)

    def within(self, window_end: str, resume_from: str, watermark: str | None) -> "Position":
        return replace(self, window_end=window_end, resume_from=resume_from, watermark=watermark)

    def at_row(self, watermark: str, key: str) -> "Position":
        return replace(self, watermark=watermark, key=key)


@dataclass(frozen=True)
class UpdateWindow:
    """The updates one scheduled run is responsible for: updated from ``start`` to ``end`` (aware
    instants, a scheduler's data interval). A connector reads from its overlap before ``start``, so
    late commits are read again, and no further than ``end``: re-running the same window reads the
    same records."""

    start: datetime
    end: datetime

    def __post_init__(self):
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("an update window needs time-zone-aware instants")
        if self.end <= self.start:
            raise ValueError(f"an update window ends after it starts: {self.start.isoformat()} .. {self.end.isoformat()}")

    def local(self, zone) -> tuple[datetime, datetime]:
        """Its bounds as naive wall-clock times of ``zone`` (sources that timestamp in local time)."""
        return (self.start.astimezone(zone).replace(tzinfo=None), self.end.astimezone(zone).replace(tzinfo=None))


def window_read_start(checkpoint_start, window_start):
    """Where a window read starts and whether the checkpoints it yields may be stored.

    Both starts are in the style's own comparable terms (None: from the beginning). A checkpoint
    behind the window (never synced, or a gap since the last sync) is read from, so nothing before
    the window is skipped; the read then is the plain sync's, bounded by the window's end, and moves
    the checkpoint forward like it. A checkpoint already past the window's start is left alone: the
    window is read again, and the next plain sync starts where it would have started anyway."""
    if checkpoint_start is None or checkpoint_start <= window_start:
        return checkpoint_start, True
    return window_start, False


# --- the time axis of each style -----------------------------------------------------------------

def parse_instant(value) -> datetime | None:
    """An ISO-8601 instant (naive = UTC), or None when the value is not one."""
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


def newest_instant(current: str | None, candidates: Iterable) -> str | None:
    """The latest of the current watermark and the candidates' well-formed instants."""
    best = parse_instant(current)
    for value in candidates:
        moment = parse_instant(value)
        if moment is not None and (best is None or moment > best):
            best = moment
    return best.isoformat() if best else current


STYLES: dict[str, Callable[[str, Any], Any]] = {}
style = registrar(STYLES)  # @style("name"): the decorated function starts that style's next read


@style("iso_watermark", "keyset")
def instant_less(watermark: str | None, overlap: timedelta) -> str | None:
    moment = parse_instant(watermark)
    return (moment - overlap).isoformat() if moment else None


@style("portal_window")
def portal_less(stamp: str, overlap: timedelta) -> str:
    return (datetime.strptime(stamp, PORTAL_FORMAT) - overlap).strftime(PORTAL_FORMAT)


@style("lookback_days")
def days_less(day: str, lookback_days: int) -> date:
    """The first date to read again: the ``lookback_days`` dates ending with ``day``."""
    return date.fromisoformat(day) - timedelta(days=lookback_days - 1)


@style("full_read", "last_file")
def as_stored(watermark: str, overlap: Any = None) -> str:
    """Styles without an overlap: a catalogue is read whole, a file drop from the next file."""
    return watermark
