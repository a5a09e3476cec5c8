"""Alembic migrations, then the reference data (admin units), in one transaction.

Unlocked mechanics: callers go through hub.warehouse.ready, which serialises migrations
between processes.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine

from mappings.admin_units import MERGER_EFFECTIVE, load_admin_units

from .db import upsert
from .schema import admin_commune, admin_commune_crosswalk, admin_province, admin_province_crosswalk

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    # One transaction: on PostgreSQL (transactional DDL) a warehouse at head always has its
    # reference data; an interrupted upgrade leaves the previous revision, never half of one.
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        seed_reference(conn)


def seed_reference(conn: Connection) -> None:
    units = load_admin_units()
    upsert(conn, admin_province, [
        {"code": p.code, "name": p.name, "full_name": p.full_name, "name_en": p.name_en,
         "unit_type": p.unit_type, "dvcqg_code": p.dvcqg_code, "valid_from": MERGER_EFFECTIVE}
        for p in units.provinces.values()
    ])
    upsert(conn, admin_commune, [
        {"code": c.code, "province_code": c.province_code, "name": c.name, "full_name": c.full_name,
         "unit_type": c.unit_type, "valid_from": MERGER_EFFECTIVE}
        for c in units.communes.values()
    ])
    upsert(conn, admin_province_crosswalk, [
        {"old_code": o.code, "old_full_name": o.full_name, "new_code": o.new_code,
         "valid_to": date(2025, 6, 30)}
        for o in units.old_provinces.values()
    ])
    upsert(conn, admin_commune_crosswalk, [
        {"old_code": link.old_code, "new_code": link.new_code, "partial": link.partial,
         "valid_to": date(2025, 6, 30)}
        for link in units.commune_links
    ])
