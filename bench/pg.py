"""Throwaway PostgreSQL databases for a benchmark run, and the few figures read back from them."""
from __future__ import annotations

import uuid
from datetime import date

import psycopg
from sqlalchemy.engine import make_url


def libpq_url(url: str) -> str:
    """``postgresql+psycopg://…`` (SQLAlchemy, the hub's form) -> ``postgresql://…`` (psycopg, psycopg2, dlt)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Databases:
    """Creates fresh databases on the admin URL's server and drops them all at the end."""

    def __init__(self, admin_url: str, prefix: str):
        self.admin_url = admin_url
        self.prefix = f"{prefix}_{uuid.uuid4().hex[:8]}"
        self.created: list[str] = []

    def create(self, role: str) -> str:
        """A new empty database; returns its SQLAlchemy URL (same driver as the admin URL)."""
        name = f"{self.prefix}_{role}"
        with psycopg.connect(libpq_url(self.admin_url), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with psycopg.connect(libpq_url(self.admin_url), autocommit=True) as conn:
            for name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()


def scalar(url: str, sql: str, params: tuple = ()):
    with psycopg.connect(libpq_url(url)) as conn:
        return conn.execute(sql, params).fetchone()[0]


def database_bytes(url: str) -> int:
    return int(scalar(url, "SELECT pg_database_size(current_database())"))


def server_now(url: str):
    return scalar(url, "SELECT clock_timestamp()")


def loads_since(url: str, source: str, since) -> dict:
    """What one ``sync`` command fetched, loaded and quarantined: every load_run of the source it
    started (one, or one per partition when worker processes share the partitions)."""
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute("SELECT count(*), bool_and(status = 'succeeded'), sum(fetched), sum(loaded), "
                           "sum(quarantined), sum(unchanged) FROM load_run WHERE source = %s AND started_at >= %s",
                           (source, since)).fetchone()
    if not row[0]:
        raise RuntimeError(f"no load_run for {source}: the sync did not record a load")
    loads, ok, *counts = row
    return {"status": "succeeded" if ok else "failed", "loads": loads,
            **dict(zip(("fetched", "loaded", "quarantined", "unchanged"), (int(c or 0) for c in counts)))}


def canonical_dossiers(url: str, first: date | None = None, last: date | None = None) -> int:
    """Canonical dossiers, all or those received in [first, last] (local days): what check and publish read."""
    if first is None:
        return int(scalar(url, "SELECT count(*) FROM dossier"))
    return int(scalar(url, "SELECT count(*) FROM dossier WHERE received_date BETWEEN %s AND %s", (first, last)))

