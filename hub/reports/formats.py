"""Number and date formats of the reports and the dashboard.

Vietnamese writes 1.234.567 and 62,10 and dates day first (30/11/2026); English 1,234,567, 62.10
and ISO dates. A missing value is an en dash, never 0.
"""
from __future__ import annotations

from datetime import date, datetime

from jinja2 import Environment

MISSING = "–"


def number(value, language: str) -> str:
    if value is None:
        return MISSING
    text = f"{int(value):,}"
    return text.replace(",", ".") if language == "vi" else text


def percent(value, language: str) -> str:
    if value is None:
        return MISSING
    text = f"{value:.2f}"
    return text.replace(".", ",") if language == "vi" else text


def day(value, language: str) -> str:
    if value is None:
        return MISSING
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M" if language == "vi" else "%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y") if language == "vi" else value.isoformat()
    return str(value)


def install_filters(env: Environment, language: str) -> Environment:
    env.filters["num"] = lambda v: number(v, language)
    env.filters["pct"] = lambda v: percent(v, language)
    env.filters["day"] = lambda v: day(v, language)
    return env
