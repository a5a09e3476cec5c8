"""What the hub's portal sync is compared with, each run as its own process by bench/national.py.

    python -m bench.baselines {fetch,copy-merge,dlt-merge} --endpoints var/.../endpoints.json \
        --partition H24 --partition H17 --start 20250101000000 --end 20250824160000 --result out.json

- ``fetch``: requests + orjson over the pages, nothing stored (the ceiling of any client).
- ``copy-merge``: the same, plus COPY of every page into an unlogged staging table and one
  ``INSERT … ON CONFLICT ("MaHoSo") DO UPDATE`` merge per MERGE_EVERY_PAGES pages into the
  dossier table: the raw limit of a merge into PostgreSQL. The dossier's scalar fields are text
  columns; its attachments (TaiLieuNop) are one jsonb column on the same row (no child table).
- ``dlt-merge``: a ``@dlt.resource`` generator over the same fetch loop, merged on MaHoSo into
  PostgreSQL with dlt's documented performance settings (DLT_TUNING, loader file format csv,
  which dlt loads into PostgreSQL with COPY). dlt normalises TaiLieuNop into a child table.

Personal fields are dropped before storing (portal_pages.without_personal). The result file gets
``{"records": <dossiers read>}``.
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Iterable, Iterator

import orjson
import psycopg
from sqlalchemy.engine import make_url

from bench.pg import libpq_url
from bench.portal_pages import PortalPages, without_personal

SCALAR_COLUMNS = ("MaHoSo", "MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "KenhThucHien", "LoaiDoiTuong",
                  "TrichYeuHoSo", "NgayNopHoSo", "NgayTiepNhan", "NgayHenTra", "TrangThaiHoSo", "NgayKetThucXuLy",
                  "NgayTra", "NgayTuChoi", "DonViXuLy", "NoiNopHoSo", "HoSoCoThanhPhanSoHoa",
                  "TaiKhoanDuocXacThucVoiVNeID", "DuocThanhToanTrucTuyen", "MaTinh", "MaXa", "NgayCapNhat")
ATTACHMENTS = "TaiLieuNop"
MERGE_EVERY_PAGES = 50  # bounded staging: memory and transaction size stay flat at any volume

# dlt's documented tuning (docs "Optimizing dlt"): uncompressed intermediate files, extract files
# rotated so normalize has several to share between its worker processes, one worker per core,
# several load files per table so the loader's COPY jobs run in parallel. Not tuning but isolation:
# no telemetry (no network), and no Airflow secrets provider (Airflow is installed beside the hub;
# dlt would import it and query its variables on every configuration lookup).
DLT_TUNING = {
    "DATA_WRITER__DISABLE_COMPRESSION": "true",
    "EXTRACT__DATA_WRITER__FILE_MAX_ITEMS": "100000",
    "NORMALIZE__WORKERS": str(os.cpu_count() or 2),
    "NORMALIZE__DATA_WRITER__FILE_MAX_ITEMS": "100000",
    "RUNTIME__DLTHUB_TELEMETRY": "false",
    "PROVIDERS__ENABLE_AIRFLOW_SECRETS": "false",
}
# dlt insists on a password in PostgreSQL credentials; a server with trust authentication (the
# local test server) ignores it.
TRUST_AUTH_PASSWORD = "unused-with-trust-auth"


def _quoted(columns: Iterable[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def fetch(pages: Iterator[list[dict]]) -> int:
    return sum(len(page) for page in pages)


def copy_merge(pages: Iterator[list[dict]], db_url: str) -> int:
    columns = (*SCALAR_COLUMNS, ATTACHMENTS)
    definitions = ", ".join([f'"{c}" text' for c in SCALAR_COLUMNS] + [f'"{ATTACHMENTS}" jsonb'])
    updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in columns[1:])
    # DISTINCT ON: a key read twice between two merges (a listing that shifted under paging) must
    # not make ON CONFLICT touch one row twice.
    merge = (f'INSERT INTO dossier ({_quoted(columns)}) SELECT DISTINCT ON ("MaHoSo") {_quoted(columns)} '
             f'FROM dossier_stage ON CONFLICT ("MaHoSo") DO UPDATE SET {updates}')
    records = 0
    with psycopg.connect(libpq_url(db_url)) as conn, conn.cursor() as cur:
        cur.execute(f'CREATE TABLE dossier ({definitions}, PRIMARY KEY ("MaHoSo"))')
        cur.execute("CREATE UNLOGGED TABLE dossier_stage (LIKE dossier)")
        conn.commit()
        for number, page in enumerate(pages, 1):
            with cur.copy(f"COPY dossier_stage ({_quoted(columns)}) FROM STDIN") as copy:
                for record in page:
                    copy.write_row([record.get(c) for c in SCALAR_COLUMNS]
                                   + [orjson.dumps(record.get(ATTACHMENTS) or []).decode()])
            records += len(page)
            if number % MERGE_EVERY_PAGES == 0:
                _merge(cur, merge)
                conn.commit()
        _merge(cur, merge)
        conn.commit()
    return records


def _merge(cur, merge_sql: str) -> None:
    cur.execute(merge_sql)
    cur.execute("TRUNCATE dossier_stage")


def dlt_merge(pages: Iterator[list[dict]], db_url: str, work_dir: Path) -> int:
    os.environ.update(DLT_TUNING)
    import dlt  # the bench extra; imported here so `fetch` and `copy-merge` run without it

    records = 0

    @dlt.resource(name="dossiers", primary_key="MaHoSo", write_disposition="merge")
    def dossiers():
        nonlocal records
        for page in pages:
            records += len(page)
            yield [without_personal(record) for record in page]

    url = make_url(libpq_url(db_url))
    credentials = url.set(password=url.password or TRUST_AUTH_PASSWORD).render_as_string(hide_password=False)
    pipeline = dlt.pipeline(pipeline_name="lienthong_bench", pipelines_dir=str(work_dir),
                            destination=dlt.destinations.postgres(credentials=credentials),
                            dataset_name="portal")
    pipeline.run(dossiers(), loader_file_format="csv")
    return records


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("baseline", choices=("fetch", "copy-merge", "dlt-merge"))
    parser.add_argument("--endpoints", type=Path, required=True, help="the sandbox's endpoints.json")
    parser.add_argument("--partition", action="append", required=True, help="portal province code (Hxx)")
    parser.add_argument("--start", required=True, help="update window start, yyyyMMddHHmmss")
    parser.add_argument("--end", required=True, help="update window end, yyyyMMddHHmmss")
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--db-url", help="an empty PostgreSQL database (copy-merge, dlt-merge)")
    parser.add_argument("--work-dir", type=Path, help="dlt's pipelines_dir (dlt-merge)")
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)
    portal = PortalPages(json.loads(args.endpoints.read_text())["dvc_portal"], args.page_size)
    pages = portal.all_pages(args.partition, args.start, args.end)
    try:
        if args.baseline == "fetch":
            records = fetch(pages)
        elif args.baseline == "copy-merge":
            records = copy_merge(pages, args.db_url)
        else:
            records = dlt_merge(pages, args.db_url, args.work_dir)
    finally:
        portal.close()
    args.result.write_text(json.dumps({"records": records}))


if __name__ == "__main__":
    main()
