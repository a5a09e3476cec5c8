"""Throughput and memory of the portal simulator at national scale, seen by a plain requests client.

Starts the sandbox as a separate process (``python -m sandbox``) on a >= 5 M dossier scenario,
logs in and pages through every province with page size 1000, then prints dossiers/s, the
server's resident memory after the first page and its peak (VmHWM), and two baselines
measured in the same run: the client's own JSON decoding of the same pages (the ceiling a
client can reach) and the round trip of a trivial call (LayDanhSachTTHC).

    .venv/bin/python bench/portal_throughput.py [--scenario bench-5m] [--max-dossiers N]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def start_sandbox(scenario: str, state: Path) -> tuple[subprocess.Popen, dict]:
    process = subprocess.Popen([sys.executable, "-m", "sandbox", "--scenario", scenario, "--state-dir", str(state),
                                "--no-ledger-keys"], cwd=ROOT)
    deadline = time.monotonic() + 120
    while not (state / "ready").exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("sandbox did not start")
        time.sleep(0.1)
    return process, json.loads((state / "endpoints.json").read_text())["dvc_portal"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="bench-5m")
    parser.add_argument("--max-dossiers", type=int, default=0, help="stop after this many (0: every dossier)")
    parser.add_argument("--page-size", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        process, portal = start_sandbox(args.scenario, Path(tmp))
        try:
            run(process.pid, portal, args)
        finally:
            process.terminate()
            process.wait(timeout=30)


def run(pid: int, portal: dict, args) -> None:
    http = requests.Session()
    http.headers["dstcode"] = portal["options"]["dstcode"]
    url = portal["url"]
    session = http.post(f"{url}/auth/login", json={"username": portal["username"], "password": portal["password"]},
                        timeout=30).json()["session"]

    def call(**body) -> requests.Response:
        return http.post(f"{url}/integration", json={"session": session, "madonvi": "BENCH", **body}, timeout=60)

    started = time.perf_counter()
    trivial = 200
    for _ in range(trivial):
        call(service="LayDanhSachTTHC").json()
    trivial_seconds = (time.perf_counter() - started) / trivial

    dossiers = pages = 0
    decode_seconds = 0.0
    rss_first = 0
    started = time.perf_counter()
    for hxx in portal["options"]["partitions"]:
        page = 1
        while True:
            response = call(service="LayDanhSachHoSo", matinh=hxx, tungay="20250101000000", denngay="20991231000000",
                            trang=str(page), sobanghi=str(args.page_size))
            t0 = time.perf_counter()
            reply = response.json()
            decode_seconds += time.perf_counter() - t0
            records = reply["result"]
            dossiers += len(records)
            pages += 1
            if not rss_first:
                rss_first = memory_kib(pid, "VmRSS")
            if not records or page * args.page_size >= int(reply["tongsobanghi"]):
                break
            if args.max_dossiers and dossiers >= args.max_dossiers:
                break
            page += 1
        if args.max_dossiers and dossiers >= args.max_dossiers:
            break
    elapsed = time.perf_counter() - started
    rate = dossiers / elapsed
    decode_rate = dossiers / decode_seconds
    print(f"scenario            {args.scenario}")
    print(f"dossiers paged      {dossiers:,} in {pages:,} pages of {args.page_size} ({elapsed:.1f} s)")
    print(f"throughput          {rate:,.0f} dossiers/s")
    print(f"server memory       RSS after first page {rss_first / 1024:.0f} MiB, "
          f"at the end {memory_kib(pid, 'VmRSS') / 1024:.0f} MiB, peak (VmHWM) {memory_kib(pid, 'VmHWM') / 1024:.0f} MiB")
    print(f"baseline: decode    client JSON decoding alone {decode_rate:,.0f} dossiers/s; "
          f"ratio throughput/decode = {rate / decode_rate:.2f}")
    print(f"baseline: trivial   LayDanhSachTTHC round trip {trivial_seconds * 1000:.2f} ms; "
          f"a 1000-dossier page costs {args.page_size / rate / trivial_seconds:.1f} trivial calls")


if __name__ == "__main__":
    main()
