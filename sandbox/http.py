"""Helpers the HTTP simulators share: local time, ISO-8601 text, API-key authentication."""
from __future__ import annotations

import secrets
from datetime import date, datetime, time

from fastapi import Header, HTTPException

from mappings.timeparse import LOCAL_ZONE

API_KEY_HEADER = "X-API-Key"


def local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=LOCAL_ZONE)


def iso(ts: datetime) -> str:
    return ts.astimezone(LOCAL_ZONE).isoformat(timespec="seconds")


def parse_aware(text: str, name: str) -> datetime:
    """An ISO-8601 timestamp that must carry its UTC offset (a 400 otherwise: no guessing of zones)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise HTTPException(400, f"{name}: not an ISO-8601 timestamp: {text!r}") from None
    if value.tzinfo is None:
        raise HTTPException(400, f"{name}: the timestamp must carry a UTC offset, e.g. +07:00")
    return value


def api_key_guard(valid_keys: set[str]):
    """A FastAPI dependency refusing requests without one of ``valid_keys`` in the X-API-Key header."""

    def guard(x_api_key: str | None = Header(default=None, alias=API_KEY_HEADER)) -> str:
        if not x_api_key or not any(secrets.compare_digest(x_api_key, k) for k in valid_keys):
            raise HTTPException(401, "missing or invalid API key", headers={"WWW-Authenticate": API_KEY_HEADER})
        return x_api_key

    return guard
