"""Time of the dossier quality checks at national size, and of an incremental re-check.

Builds a throwaway warehouse (a new PostgreSQL database, or a SQLite file), migrates it, fills
``dossier`` with synthetic rows spread over local days and the 34 provinces (a few defects of
every kind), then times: the first full check, a re-check of unchanged data, a re-check after one
day changed, and, for comparison, Great Expectations validating one day through its SQL data
source (the per-partition path the design avoids). Memory is the checking process's peak RSS
during the checks (the fill is excluded).

    .venv/bin/python bench/quality_checks.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/quality_checks.py --sqlite --rows 200000
"""
from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from datetime import date, datetime, time as clock, timedelta, timezone
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, create_engine, insert, select, text, update
from sqlalchemy.engine import make_url

from hub.quality_store import check_dossiers
from hub.warehouse.db import create_warehouse_engine
from hub.warehouse.migrate import upgrade
from hub.warehouse.schema import admin_commune, admin_province, dossier
from mappings.timeparse import LOCAL_ZONE
from quality import gx_sql
from quality.sql_checks import row_check
from quality.suites.dossiers import dossier_expectations

FIRST_DAY = date(2025, 7, 1)
CHANNELS = ("online", "online", "online", "direct", "postal")


def _defect(i: int, one_in: int, salt: int) -> bool:
    """Spread defects evenly over days and provinces (a multiplicative hash, not i % n)."""
    return (i * 2654435761 + salt * 40503) % one_in == 0


def synthetic_dossiers(engine: Engine, rows: int, days: int, loaded_at: datetime) -> Iterator[tuple]:
    with engine.connect() as conn:
        provinces = conn.execute(select(admin_province.c.code, admin_province.c.dvcqg_code)
                                 .order_by(admin_province.c.code)).all()
        communes: dict[str, list[str]] = {}
        for code, province in conn.execute(select(admin_commune.c.code, admin_commune.c.province_code)
                                           .order_by(admin_commune.c.code)):
            communes.setdefault(province, []).append(code)
    day_starts = [datetime.combine(FIRST_DAY + timedelta(days=d), clock(8), LOCAL_ZONE).astimezone(timezone.utc)
                  for d in range(days)]
    for i in range(rows):
        d = i % days
        province, portal_code = provinces[(i // days) % len(provinces)]
        commune = communes[province][i % len(communes[province])]
        received = day_starts[d] + timedelta(seconds=(i * 7919) % 32400)
        status = 1 + (i * 31) % 10
        finished = received + (timedelta(days=-1) if _defect(i, 30011, 3) else timedelta(days=3)) if status >= 9 else None
        yield (
            f"bad number {i}" if _defect(i, 200003, 9) else
            f"{portal_code}.{i % 7}-{FIRST_DAY + timedelta(days=d):%y%m%d}-{i:07d}",
            "dvc_portal", f"1.{i % 997:06d}", province, portal_code,
            None if _defect(i, 1000, 6) else commune, commune,
            "fax" if _defect(i, 20011, 2) else CHANNELS[i % 5],
            12 if _defect(i, 10007, 1) else status, ("citizen", "business")[i % 2],
            received - timedelta(hours=2), received, FIRST_DAY + timedelta(days=d),
            None if _defect(i, 40, 8) else received + timedelta(days=10), finished,
            received + timedelta(days=4) if status == 10 else None,
            loaded_at + timedelta(days=30) if _defect(i, 100003, 5) else received + timedelta(days=1),
            f"{i:064x}", "id_card_9" if _defect(i, 50, 4) else "personal_id",
            i % 3 == 0, i % 4 == 0, i % 3, "bench-load", loaded_at,
        )


COLUMNS = ("dossier_id", "source", "procedure_code", "province_code", "province_code_as_received", "commune_code",
           "commune_code_as_received", "channel", "status_code", "subject_type", "submitted_at", "received_at",
           "received_date", "due_at", "finished_at", "returned_at", "updated_at", "owner_id_hash", "owner_id_kind",
           "has_digitised_component", "vneid_verified", "online_payment", "load_id", "loaded_at")


def fill(engine: Engine, rows: int, days: int, loaded_at: datetime) -> None:
    generated = synthetic_dossiers(engine, rows, days, loaded_at)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            cursor = conn.connection.driver_connection.cursor()
            with cursor.copy(f"COPY dossier ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in generated:
                    copy.write_row(row)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE dossier"))
        return
    batch: list[dict] = []
    with engine.begin() as conn:
        for row in generated:
            batch.append(dict(zip(COLUMNS, row)))
            if len(batch) == 10_000:
                conn.execute(insert(dossier), batch)
                batch = []
        if batch:
            conn.execute(insert(dossier), batch)


def reset_peak_rss() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def memory_mib(field: str) -> float:
    """VmRSS (now) or VmHWM (peak since the last reset) of this process."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def timed(label: str, action):
    started = time.monotonic()
    result = action()
    elapsed = time.monotonic() - started
    print(f"{label:<44} {elapsed:8.1f} s", flush=True)
    return result, elapsed


def run(engine: Engine, args) -> None:
    upgrade(engine)
    loaded_at = datetime.now(timezone.utc) - timedelta(hours=1)
    timed(f"fill {args.rows:,} dossiers over {args.days} days", lambda: fill(engine, args.rows, args.days, loaded_at))
    reset_peak_rss()
    before = memory_mib("VmRSS")
    full, _ = timed("first check (every day)", lambda: check_dossiers(engine))
    print(f"  rows checked {full.rows_checked:,}, days {full.partitions}, failed expectations "
          f"{sum(not r.success for r in full.results)} of {len(full.results)}")
    timed("re-check, nothing changed", lambda: check_dossiers(engine))
    changed_day = FIRST_DAY + timedelta(days=args.days // 2)
    with engine.begin() as conn:
        some = select(dossier.c.dossier_id).where(dossier.c.received_date == changed_day).limit(100).scalar_subquery()
        conn.execute(update(dossier).where(dossier.c.dossier_id.in_(some))
                     .values(status_code=0, loaded_at=datetime.now(timezone.utc)))
    one, _ = timed(f"re-check after 100 dossiers of {changed_day} changed", lambda: check_dossiers(engine))
    print(f"  days re-checked {len(one.rechecked)}, rows re-checked {one.rows_rechecked:,}")
    print(f"{'RSS before the checks, peak during them':<44} {before:8.0f} / {memory_mib('VmHWM'):.0f} MiB")
    if args.gx_days:
        expectations = [(n, e) for n, e in enumerate(dossier_expectations(datetime.now(timezone.utc)))
                        if row_check(n, e, dossier)]
        days = [FIRST_DAY + timedelta(days=d) for d in range(args.gx_days)]
        _, elapsed = timed(f"GE SQL data source, {args.gx_days} day(s), {len(expectations)} expectations",
                           lambda: gx_sql.validate_partitions(engine, dossier, "received_date", days, expectations))
        print(f"  = {elapsed / args.gx_days:.1f} s per day, {elapsed / args.gx_days * args.days:.0f} s for {args.days} days")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--pg", metavar="ADMIN_URL", help="PostgreSQL server to create the throwaway database on")
    target.add_argument("--sqlite", action="store_true", help="a SQLite file in a temporary directory")
    parser.add_argument("--rows", type=int, default=4_300_000)
    parser.add_argument("--days", type=int, default=50)
    parser.add_argument("--gx-days", type=int, default=1, help="days validated through GE for comparison (0: none)")
    args = parser.parse_args()
    if args.sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            engine = create_warehouse_engine(f"sqlite:///{tmp}/bench.db")
            run(engine, args)
            engine.dispose()
        return
    name = f"lienthong_bench_quality_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        engine = create_warehouse_engine(make_url(args.pg).set(database=name).render_as_string(hide_password=False))
        run(engine, args)
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
