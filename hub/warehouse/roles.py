"""The read-only dashboard role (PostgreSQL): SELECT on the published metric_* tables, nothing else.

``lienthong db grant-dashboard ROLE`` (re-run it after a migration that adds a metric table;
PostgreSQL's default privileges cannot select tables by name prefix). ``--print`` shows the SQL.
"""
from __future__ import annotations

from sqlalchemy import Engine, inspect, text

from hub.settings import InvalidSetting


def dashboard_grants(engine: Engine, role: str, password: str | None = None) -> list[str]:
    preparer = engine.dialect.identifier_preparer
    quoted = preparer.quote_identifier(role)
    tables = sorted(t for t in inspect(engine).get_table_names() if t.startswith("metric_"))
    statements = [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {_literal(role)}) "
        f"THEN CREATE ROLE {quoted} LOGIN; END IF; END $$",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quoted}",
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
    ]
    statements += [f"GRANT SELECT ON {preparer.quote_identifier(t)} TO {quoted}" for t in tables]
    return statements


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def grant_dashboard_role(engine: Engine, role: str) -> list[str]:
    if engine.dialect.name != "postgresql":
        raise InvalidSetting("the dashboard role is a PostgreSQL feature; SQLite has no roles: point "
                             "LIENTHONG_DB_URL at the PostgreSQL warehouse (or use --print to see the SQL)")
    statements = dashboard_grants(engine, role)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    return statements
