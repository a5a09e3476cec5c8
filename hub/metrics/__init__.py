"""Metrics publish: aggregates computed in the database, upserted into metric_* tables."""


def percent(part: int, whole: int) -> float | None:
    """100 × part ÷ whole to 2 decimals; None (not 0) when there is nothing to divide by."""
    return round(100.0 * part / whole, 2) if whole else None
