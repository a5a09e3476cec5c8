"""Partitions synced in worker processes: both cores busy on Python work the GIL would serialise.

Each partition is one ``sync_source`` call in a worker (its own load run, exactly what an Airflow
mapped task per province does), taken from a shared queue so a large province never holds up the
rest. Progress and retry notices travel back through one queue to the caller's callbacks, so a
worker waiting on a system that does not answer says so on the parent's progress line.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Callable

_progress_queue = None  # in a worker: where its progress events and retry notices go
PROGRESS, RETRY = "progress", "retry"  # the kinds of event on that queue
PR_SET_PDEATHSIG = 1


def _init_worker(events) -> None:
    global _progress_queue
    _progress_queue = events
    _die_with_parent()


def _die_with_parent() -> None:
    """A worker whose parent was killed stops too (Linux), instead of finishing its partition
    unattended: what it committed stays, and the next sync resumes from its checkpoints."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: workers end with their current partition
        pass


def _report_progress(partition: str, fetched: int) -> None:
    _progress_queue.put((PROGRESS, (partition, fetched)))


def _report_retry(notice) -> None:
    _progress_queue.put((RETRY, (notice,)))


def _sync_one(source_name: str, settings, partition: str, system, window):
    from hub.pipeline import sync_source

    return sync_source(source_name, settings, [partition], _report_progress, system, on_retry=_report_retry,
                       window=window)


def sync_partitions_in_processes(source_name: str, settings, partitions: list[str], workers: int,
                                 progress: Callable[[str, int], None] | None, system,
                                 on_retry: Callable[[object], None] | None = None, window=None) -> list:
    """The reports of every partition's sync, in the order given; ``on_retry`` hears the workers'
    retry notices (``connectors.base.RetryNotice``) as they happen; ``window``: as sync_source's."""
    context = multiprocessing.get_context("spawn")  # no inherited connections, locks or threads
    events = context.Queue()
    relay = threading.Thread(target=_relay, args=(events, {PROGRESS: progress, RETRY: on_retry}),
                             name="lienthong-progress", daemon=True)
    relay.start()
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker,
                                 initargs=(events,)) as pool:
            futures = [pool.submit(_sync_one, source_name, settings, partition, system, window) for partition in partitions]
            return [future.result() for future in futures]
    finally:
        events.put(None)
        relay.join(timeout=10)


def _relay(events, callbacks: dict) -> None:
    while True:
        event = events.get()
        if event is None:
            return
        kind, arguments = event
        if callbacks[kind] is not None:
            callbacks[kind](*arguments)
