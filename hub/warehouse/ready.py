"""A warehouse is never half-ready: every user of it goes through ``ensure_current`` first.

At the code's Alembic head: return at once (checked once per engine and process). Behind: migrate
under a cross-process lock, or, when automatic migration is off, stop with a clear error naming the
command to run. Migrations never race: PostgreSQL holds an advisory lock on a dedicated connection,
SQLite an exclusive flock on ``<database file>.migrate.lock``; whoever gets the lock second finds
the work done. The lock file is left in place on purpose: unlinking it would let a waiter lock an
inode nobody else sees.
"""
from __future__ import annotations

import enum
import fcntl
import logging
import threading
import weakref
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Iterator

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from hub.messages import Explained
from .migrate import alembic_config, upgrade

log = logging.getLogger(__name__)

UPGRADE_COMMAND = "lienthong db upgrade"
# pg_advisory_lock key: "LienThon" as a big-endian bigint, fixed so every process agrees.
MIGRATION_LOCK_KEY = int.from_bytes(b"LienThon", "big")
_in_process = threading.Lock()  # :memory: databases and threads sharing one lock file descriptor
_current: weakref.WeakSet[Engine] = weakref.WeakSet()


class WarehouseError(Explained, RuntimeError):
    """The warehouse cannot be used as it is; the message says why and what to do."""


class WarehouseNotReady(WarehouseError):
    pass


class WarehouseNewerThanCode(WarehouseError):
    pass


class WarehouseUnreachable(WarehouseError):
    pass


class _State(enum.Enum):
    CURRENT = "current"
    BEHIND = "behind"
    NEWER = "newer"


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


@cache
def code_heads() -> frozenset[str]:
    return frozenset(_scripts().get_heads())


@cache
def _known_revisions() -> frozenset[str]:
    return frozenset(script.revision for script in _scripts().walk_revisions())


def display_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def ensure_current(engine: Engine, auto_migrate: bool) -> None:
    """Return when the warehouse matches the code; migrate it first when it is behind and
    ``auto_migrate``; otherwise raise a WarehouseError whose message names the fix."""
    if engine in _current:
        return
    state, stored = _state(engine)
    if state is _State.BEHIND:
        if not auto_migrate:
            raise WarehouseNotReady("warehouse_behind", url=display_url(engine), stored=_revisions(stored),
                                    needed=_revisions(code_heads()), command=UPGRADE_COMMAND)
        _migrate_under_lock(engine, always=False)
    elif state is _State.NEWER:
        raise _newer(engine, stored)
    _current.add(engine)


def schema_status(engine: Engine) -> tuple[str, str, str]:
    """For ``lienthong doctor``, changing nothing: "current", "behind" or "newer", the stored
    revisions and the code's (WarehouseUnreachable when it cannot connect)."""
    state, stored = _state(engine)
    return state.value, _revisions(stored), _revisions(code_heads())


def upgrade_locked(engine: Engine) -> None:
    """``lienthong db upgrade``: migrate to head and reload the reference data, one process at a time."""
    _migrate_under_lock(engine, always=True)
    _current.add(engine)


def _migrate_under_lock(engine: Engine, always: bool) -> None:
    with migration_lock(engine):
        state, stored = _state(engine)  # again: another process may have migrated while we waited
        if state is _State.NEWER:
            raise _newer(engine, stored)
        if state is _State.BEHIND or always:
            log.info("migrating the warehouse", extra={"from_revision": _revisions(stored),
                                                      "to_revision": _revisions(code_heads())})
            upgrade(engine)


def _state(engine: Engine) -> tuple[_State, frozenset[str]]:
    with _connection(engine) as conn:
        stored = frozenset(MigrationContext.configure(conn).get_current_heads())
    if stored == code_heads():
        return _State.CURRENT, stored
    if stored - _known_revisions():
        return _State.NEWER, stored
    return _State.BEHIND, stored


def _newer(engine: Engine, stored: frozenset[str]) -> WarehouseNewerThanCode:
    return WarehouseNewerThanCode("warehouse_newer", url=display_url(engine), stored=_revisions(stored),
                                  known=_revisions(code_heads()))


def _revisions(revisions: frozenset[str]) -> str:
    return ", ".join(sorted(revisions)) or "none (empty database)"


@contextmanager
def _connection(engine: Engine) -> Iterator[Connection]:
    """A connection, or WarehouseUnreachable with the driver's reason and no password."""
    try:
        conn = engine.connect()
    except DBAPIError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        if engine.url.password:
            reason = reason.replace(str(engine.url.password), "***")
        raise WarehouseUnreachable("warehouse_unreachable", url=display_url(engine), reason=reason) from None
    with conn:
        yield conn


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Held by one process (and thread) at a time per database, across processes and hosts for
    PostgreSQL, across processes on this host for a SQLite file."""
    with _in_process:
        if engine.dialect.name == "postgresql":
            with _advisory_lock(engine):
                yield
        elif engine.url.database and engine.url.database != ":memory:":
            with _file_lock(Path(engine.url.database + ".migrate.lock")):
                yield
        else:
            yield


@contextmanager
def _advisory_lock(engine: Engine) -> Iterator[None]:
    # A dedicated autocommit connection: the lock belongs to its session, so it lasts exactly as
    # long as we hold that connection, and no transaction stays open while we wait or migrate.
    with _connection(engine) as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        key = {"key": MIGRATION_LOCK_KEY}
        if not conn.execute(text("SELECT pg_try_advisory_lock(:key)"), key).scalar():
            log.info("waiting for the migration lock", extra={"lock": f"pg_advisory_lock({MIGRATION_LOCK_KEY})"})
            conn.execute(text("SELECT pg_advisory_lock(:key)"), key)
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), key)


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("waiting for the migration lock", extra={"lock": str(path)})
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
