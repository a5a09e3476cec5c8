"""``python -m sandbox --scenario demo --state-dir var/sandbox``: serve until terminated."""
from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path

from .scenario import load_scenario
from .stack import SandboxStack


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the LienThong sandbox simulators on 127.0.0.1")
    parser.add_argument("--scenario", default="demo")
    parser.add_argument("--state-dir", type=Path, default=Path("var/sandbox"))
    parser.add_argument("--scale", type=float, default=None, help="multiply every province's volume")
    parser.add_argument("--no-ledger-keys", action="store_true",
                        help="keep only counters in the ledger (flat memory for benchmarks)")
    args = parser.parse_args()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    scenario = load_scenario(args.scenario, scale=args.scale)
    with SandboxStack(scenario, state_dir=args.state_dir, keep_keys=not args.no_ledger_keys) as stack:
        stack.write_endpoints(args.state_dir)
        (args.state_dir / "ready").write_text("ok")
        stop.wait()
    (args.state_dir / "ready").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
