"""Records the mappings rejected, counted against their source's scores under their reasons' dimensions.

A quarantine reason is the mapping rules' messages joined by "; " (mappings/engine.py,
mappings/converters.py). Each message belongs to a dimension: a required value missing is đủ
(incomplete), a value the code lists, units or ranges do not accept, a date in the future or a
shape the published structure does not have is đúng (incorrect). A record fails every dimension
one of its messages belongs to; a reason no rule here names counts as đúng, so no rejection is
left out of the scores. Counted in SQL, grouped by source and local day of rejection.
"""
from __future__ import annotations

from datetime import date
from typing import Sequence

from sqlalchemy import ColumnElement, Connection, Date, Table, and_, case, func, literal_column, not_, or_, select

from quality.scores import NO_UNIT, UnitScore, mask

# (dimension, text found in the reason), most specific first.
REASON_DIMENSIONS: tuple[tuple[str, str], ...] = (
    ("du", "required value missing"),
    ("sach", "longer than"),
    ("sach", "placeholder"),
    ("dung", "schema drift"),
    ("dung", "in the future"),
    ("dung", "unknown code"),
    ("dung", "unknown province code"),
    ("dung", "unknown commune code"),
    ("dung", "pre-merger commune split"),
    ("dung", "not one of"),
    ("dung", "outside"),
    ("dung", "not an integer"),
    ("dung", "not a number"),
    ("dung", "not a date"),
)
DEFAULT_DIMENSION = "dung"


def reason_dimensions(reason: str) -> set[str]:
    """The dimensions a rejection reason counts under (the same rule as the SQL below, for one reason)."""
    found = {name for name, text in REASON_DIMENSIONS if text in reason}
    return found or {DEFAULT_DIMENSION}


def _condition(reason: ColumnElement, name: str) -> ColumnElement[bool]:
    matches = [reason.contains(text, autoescape=True) for dim, text in REASON_DIMENSIONS if dim == name]
    if name != DEFAULT_DIMENSION:
        return or_(*matches)
    # a reason no rule names counts as đúng
    unnamed = not_(or_(*(reason.contains(text, autoescape=True) for _, text in REASON_DIMENSIONS)))
    return or_(*matches, unnamed)


def local_day(conn: Connection, timestamp: ColumnElement) -> ColumnElement:
    """The Asia/Ho_Chi_Minh day of a UTC timestamp (UTC+7 all year, no daylight saving)."""
    # literals, not parameters: the expression must be the same in SELECT and GROUP BY
    if conn.dialect.name == "postgresql":
        return func.date(func.timezone(literal_column("'Asia/Ho_Chi_Minh'"), timestamp), type_=Date)
    return func.date(timestamp, literal_column("'+7 hours'"), type_=Date)


QUARANTINE_DIMENSIONS = tuple(dict.fromkeys([DEFAULT_DIMENSION, *(name for name, _ in REASON_DIMENSIONS)]))


def quarantine_scores(conn: Connection, quarantine: Table, streams: Sequence[tuple[str, str]],
                      dimensions: Sequence[str] = QUARANTINE_DIMENSIONS) -> list[UnitScore]:
    """Per source, local day of rejection and dimension: records rejected, and those whose reason names it."""
    if not streams or not dimensions:
        return []
    day = local_day(conn, quarantine.c.quarantined_at)
    reason = quarantine.c.reason
    columns = [quarantine.c.source, day, func.count()]
    for name in dimensions:
        condition = _condition(reason, name)
        columns += [func.count().filter(condition), func.min(_keyed(condition, quarantine))]
    wanted = or_(*(and_(quarantine.c.source == source, quarantine.c.stream == stream) for source, stream in streams))
    scores = []
    for row in conn.execute(select(*columns).where(wanted).group_by(quarantine.c.source, day)):
        for i, name in enumerate(dimensions):
            failing, example = row[3 + 2 * i], row[4 + 2 * i]
            key, _, why = (example or "").partition("\x1f")
            scores.append(UnitScore(_as_date(row[1]), row[0], NO_UNIT, NO_UNIT, name, "quarantine", int(row[2]),
                                    int(failing), mask(why[:256]) if example else None,
                                    mask(key) if example else None))
    return scores


def _keyed(condition: ColumnElement[bool], quarantine: Table) -> ColumnElement:
    """One rejected record of the dimension: its key and reason in one value (the smallest key wins)."""
    return case((condition, quarantine.c.record_key.concat("\x1f").concat(quarantine.c.reason)))


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
