"""Dates and times in source text, read as the earlier pandas-based engine read them.

Two syntaxes, chosen by a rule's ``format``:

- a strptime format built from %Y %m %d %H %M %S %f (and %%) and literal text. As in
  ``time.strptime``, a field may be shorter than its width when the value allows it ("2025-7-1"),
  and a seconds value of 60 or 61 rolls over into the next minute (as pandas does);
- ``ISO8601``: the ISO 8601 dialect of pandas' parser: "YYYY", "YYYY-MM", "YYYY-MM-DD" (separator
  - . / \\ or space, one-digit month and day allowed) or "YYYYMMDD", then optionally "T" or a space,
  the hour, minutes and seconds with or without colons, up to 18 decimals (microseconds kept),
  and an offset ("Z", "+07", "+0700", "+07:00").

Parsers return naive datetimes (and, for ISO 8601, the offset in minutes or None); ``LocalTime``
turns a naive wall time into UTC, refusing times that a daylight-saving change skips or repeats.
Everything here is called once per value, so parsers are compiled once per format.
"""
from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mappings.registry import MappingError

ISO8601 = "ISO8601"
# Viet Nam's one time zone (no daylight saving): the portal's local times, local days, report cut-offs.
LOCAL_TZ = "Asia/Ho_Chi_Minh"
LOCAL_ZONE = ZoneInfo(LOCAL_TZ)
UTC = timezone.utc

# The regular expressions of time.strptime (CPython's _strptime.TimeRE), with pandas' %f (to 9 digits).
_DIRECTIVES = {
    "Y": r"(?P<Y>\d\d\d\d)",
    "m": r"(?P<m>1[0-2]|0[1-9]|[1-9])",
    "d": r"(?P<d>3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9])",
    "H": r"(?P<H>2[0-3]|[0-1]\d|\d)",
    "M": r"(?P<M>[0-5]\d|\d)",
    "S": r"(?P<S>6[0-1]|[0-5]\d|\d)",
    "f": r"(?P<f>[0-9]{1,9})",
}
# A time with more than 6 decimals is held in nanoseconds by pandas, whose range is narrower.
_NANOSECOND_RANGE = (datetime(1677, 9, 21, 0, 12, 43, 145225), datetime(2262, 4, 11, 23, 47, 16, 854775))


def _in_range(moment: datetime, decimals: str | None) -> datetime | None:
    if decimals and len(decimals) > 6 and not _NANOSECOND_RANGE[0] <= moment <= _NANOSECOND_RANGE[1]:
        return None
    return moment


# The portal's local timestamps (and the default format): 14 ASCII digits are sliced, not matched.
PORTAL_FORMAT = "%Y%m%d%H%M%S"


def _strptime_pattern(fmt: str) -> re.Pattern:
    parts, i, seen = [], 0, set()
    while i < len(fmt):
        char = fmt[i]
        if char == "%":
            code = fmt[i + 1:i + 2]
            if code == "%":
                parts.append("%")
            elif code in _DIRECTIVES and code not in seen:
                seen.add(code)
                parts.append(_DIRECTIVES[code])
            else:
                problem = "repeats" if code in seen else "has an unsupported directive in"
                raise MappingError(f"format {fmt!r} {problem} %{code} (supported: %Y %m %d %H %M %S %f %%, or ISO8601)")
            i += 2
        elif char.isspace():
            while i < len(fmt) and fmt[i].isspace():
                i += 1
            parts.append(r"\s+")
        else:
            parts.append(re.escape(char))
            i += 1
    return re.compile("".join(parts), re.IGNORECASE)


def strptime_parser(fmt: str) -> Callable[[str], datetime | None]:
    """A parser of ``fmt`` returning a naive datetime, or None when the text does not match."""
    pattern = _strptime_pattern(fmt)

    def parse(text: str) -> datetime | None:
        found = pattern.match(text)
        if found is None or found.end() != len(text):
            return None
        fields = found.groupdict()
        fraction = fields.get("f")
        try:
            moment = datetime(int(fields.get("Y") or 1900), int(fields.get("m") or 1), int(fields.get("d") or 1),
                              int(fields.get("H") or 0), int(fields.get("M") or 0))
            moment += timedelta(seconds=int(fields.get("S") or 0),
                                microseconds=int(fraction.ljust(9, "0")[:6]) if fraction else 0)
        except (ValueError, OverflowError):
            return None
        return _in_range(moment, fraction)

    return parse


# pandas' ISO 8601 reader, as one expression: possessive and atomic groups keep its
# digit-by-digit greed (a field never gives digits back to let the rest match).
_ISO = re.compile(r"""
    (?P<Y>[0-9]{4})
    (?: (?P<sep>[-./\\ ])(?P<m>[0-9]{1,2}+)(?:(?P=sep)(?P<d>[0-9]{1,2}+))?    # separated: 1 or 2 digits
      | (?P<mc>[0-9]{2})(?P<dc>[0-9]{2}) )?                                   # compact: YYYYMMDD
    (?: [T\ ]
        (?P<H>(?>[0-9]{2}|[0-9](?=:)))                                        # one digit only before ':'
        (?: :(?P<M>[0-9]{1,2}+)(?::(?P<S>[0-9]{1,2}+)(?:\.(?P<f>[0-9]{0,18}+))?)?
          | (?P<Mc>[0-9]{2})(?:(?P<Sc>[0-9]{2})(?:\.(?P<fc>[0-9]{0,18}+))?)? )?
        (?:[\ \t\n\v\f\r]*
           (?: (?P<utc>Z) | (?P<sign>[+-])(?P<zh>(?>[0-9]{2}|[0-9]))(?::?(?P<zm>(?>[0-9]{2}|[0-9])))? ))?
    )?
""", re.VERBOSE)


def parse_iso8601(text: str) -> tuple[datetime, int | None] | None:
    """(naive wall time, offset in minutes or None), or None when the text is not ISO 8601."""
    found = _ISO.fullmatch(text)
    if found is None:
        return None
    parts = found.groupdict()
    day = parts["d"] or parts["dc"]
    if parts["H"] is not None and day is None:  # a time only after a full date
        return None
    year, month, day = int(parts["Y"]), int(parts["m"] or parts["mc"] or 1), int(day or 1)
    hour, minute, second = int(parts["H"] or 0), int(parts["M"] or parts["Mc"] or 0), int(parts["S"] or parts["Sc"] or 0)
    if year == 0 or not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None  # (year 0 exists for pandas, not for Python)
    if hour > 23 or minute > 59 or second > 59:
        return None
    decimals = parts["f"] or parts["fc"]
    if parts["utc"]:
        offset = 0
    elif parts["sign"]:
        hours, minutes = parts["zh"], parts["zm"] or "0"
        if int(hours) > 23 or int(minutes) > 59:
            return None
        offset = (-1 if parts["sign"] == "-" else 1) * (60 * int(hours) + int(minutes))
    else:
        offset = None
    micro = int((decimals or "").ljust(6, "0")[:6])
    wall = _in_range(datetime(year, month, day, hour, minute, second, micro), decimals)
    return None if wall is None else (wall, offset)


class LocalTime:
    """Wall times of one time zone to UTC. A wall time that a clock change skips or repeats has no
    single instant and gives None (pandas' ambiguous/nonexistent "NaT")."""

    def __init__(self, name: str):
        try:
            self.zone = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise MappingError(f"unknown time zone {name!r}") from exc

    def offset(self, wall: datetime) -> timedelta | None:
        """The UTC offset of a naive wall time; None when a clock change skips or repeats it."""
        offset = wall.replace(tzinfo=self.zone).utcoffset()
        return offset if offset == wall.replace(tzinfo=self.zone, fold=1).utcoffset() else None

    def to_utc(self, wall: datetime) -> datetime | None:
        offset = self.offset(wall)
        return None if offset is None else _shifted(wall.replace(tzinfo=UTC), offset)

    def hour_offset(self, wall: datetime) -> timedelta | None:
        """The offset of every wall time in ``wall``'s hour, or None when a clock change touches it
        (clock changes are months apart: one inside the hour changes the offset at its end)."""
        start = wall.replace(minute=0, second=0, microsecond=0, tzinfo=None)
        offset = self.offset(start)
        return offset if offset is not None and offset == self.offset(start + _LAST_OF_HOUR) else None

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    def wall_time(self, instant: datetime) -> datetime:
        """The naive wall time of an aware instant."""
        return instant.astimezone(self.zone).replace(tzinfo=None)


_LAST_OF_HOUR = timedelta(minutes=59, seconds=59, microseconds=999999)
# Offsets of the hours seen, per reader: a portal page spans a few hundred hours.
_HOUR_CACHE_LIMIT = 100_000


def _shifted(moment: datetime, offset: timedelta) -> datetime | None:
    try:
        return moment - offset
    except OverflowError:
        return None


# The pandas engine honoured an ISO-8601 offset only when the text ended like this; the wall time
# of a text ending "+07" or "+7" was read in the rule's time zone.
_OFFSET_AT_END = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")


@lru_cache(maxsize=None)
def local_time(name: str) -> LocalTime:
    return LocalTime(name)


@lru_cache(maxsize=None)
def instant_reader(fmt: str, zone_name: str) -> Callable[[str], datetime | None]:
    """Text -> aware UTC instant, or None: naive times are wall times in the zone. One reader (and
    cache of hours) per format and zone, shared by the rules that use them."""
    zone = local_time(zone_name)
    if fmt.upper() == ISO8601:
        def read_iso(text: str) -> datetime | None:
            parsed = parse_iso8601(text)
            if parsed is None:
                return None
            wall, minutes = parsed
            if not _OFFSET_AT_END.search(text):
                return zone.to_utc(wall)
            return _shifted(wall.replace(tzinfo=UTC), timedelta(minutes=minutes or 0))

        return read_iso

    parse = strptime_parser(fmt)

    def read(text: str) -> datetime | None:
        wall = parse(text)
        return None if wall is None else zone.to_utc(wall)

    if fmt != PORTAL_FORMAT:
        return read
    hours: dict[str, datetime | None] = {}

    def hour_start(hour: str) -> datetime | None:
        """The UTC instant starting a "yyyyMMddHH" hour; None when invalid or touched by a clock change."""
        try:
            wall = datetime(int(hour[:4]), int(hour[4:6]), int(hour[6:8]), int(hour[8:10]), tzinfo=UTC)
        except ValueError:
            return None
        offset = zone.hour_offset(wall)
        return None if offset is None else _shifted(wall, offset)

    def read_portal(text: str) -> datetime | None:
        """The hot path (six timestamps per dossier): the instant starting the text's hour, computed
        once per hour seen, plus its minutes and seconds; anything unusual takes the general parser."""
        if len(text) == 14 and text.isdigit() and text.isascii():
            hour = text[:10]
            start = hours.get(hour, _UNSEEN)
            if start is _UNSEEN:
                start = hour_start(hour)
                if len(hours) < _HOUR_CACHE_LIMIT:
                    hours[hour] = start
            within = _MINUTES_SECONDS.get(text[10:])
            if start is not None and within is not None:
                try:
                    return start + within
                except OverflowError:
                    return None
        return read(text)

    return read_portal


_UNSEEN = object()
_MINUTES_SECONDS = {f"{m:02d}{s:02d}": timedelta(minutes=m, seconds=s) for m in range(60) for s in range(60)}


def wall_reader(fmt: str, local: LocalTime) -> Callable[[str], datetime | None]:
    """Text -> naive wall time, or None; an ISO-8601 time with an offset is moved to ``local`` time."""
    if fmt.upper() != ISO8601:
        return strptime_parser(fmt)

    def read_iso(text: str) -> datetime | None:
        parsed = parse_iso8601(text)
        if parsed is None:
            return None
        wall, minutes = parsed
        if minutes is None:
            return wall
        instant = _shifted(wall.replace(tzinfo=UTC), timedelta(minutes=minutes))
        return None if instant is None else local.wall_time(instant)

    return read_iso
