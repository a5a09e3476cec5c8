"""One benchmark stage = one child process: its wall time and its peak resident memory.

Every stage (the hub's CLI commands and the baselines alike) runs as its own process, so the
peak RSS of one stage is not inflated by another and every figure is measured the same way:
``os.wait4`` returns the child's rusage, whose ``ru_maxrss`` (KiB on Linux) is the largest
resident set of the child and of the descendants it waited for.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ChildRun:
    argv: list[str]
    wall_s: float
    peak_rss_mib: float
    returncode: int
    log: Path


class StageFailed(RuntimeError):
    def __init__(self, run: ChildRun):
        tail = run.log.read_text(errors="replace").splitlines()[-15:] if run.log.exists() else []
        super().__init__(f"{' '.join(run.argv)} exited {run.returncode}; log {run.log}:\n" + "\n".join(tail))
        self.run = run


def run_child(argv: list[str], *, env: dict[str, str], cwd: Path, log: Path) -> ChildRun:
    """Run ``argv`` to completion with its output in ``log``; raise StageFailed on a non-zero exit.

    Ctrl-C reaches the child too (same process group); if the wait is interrupted the child is
    terminated and reaped before the interruption goes on, so nothing is left running.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            process.send_signal(signal.SIGTERM)
            os.wait4(process.pid, 0)
            process.returncode = -signal.SIGTERM
            raise
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4: keep Popen from waiting again
    run = ChildRun(argv, wall, usage.ru_maxrss / 1024, process.returncode, log)
    if run.returncode != 0:
        raise StageFailed(run)
    return run


def peak_rss_mib(pid: int) -> float:
    """A running process's peak resident memory so far (VmHWM), for the sandbox that outlives stages."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0
