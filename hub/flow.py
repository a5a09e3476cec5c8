"""Overlapping stages: run an iterator in a thread, a bounded queue ahead of its consumer.

Fetching (network), mapping (Python) and loading (the database server) each wait on something
different; with a stage per thread they overlap, and memory stays bounded by the queues, never by
the data. Order is kept, so a checkpoint is still stored after every batch before it.
"""
from __future__ import annotations

import queue
import threading
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")
_DONE = object()
_POLL_SECONDS = 0.1


class _Failure:
    def __init__(self, error: BaseException):
        self.error = error


def prefetch(items: Iterable[T], depth: int = 2, name: str = "stage") -> Iterator[T]:
    """Yield what ``items`` yields, produced ahead in a thread (at most ``depth`` waiting).

    An exception in the producer is raised in the consumer at the point it happened; a consumer
    that stops early (break, exception) stops the producer at its next item.
    """
    waiting: queue.Queue = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                waiting.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as error:  # handed to the consumer, raised there
            put(_Failure(error))
            return
        finally:
            close = getattr(items, "close", None)
            if close is not None and stop.is_set():
                close()
        put(_DONE)

    worker = threading.Thread(target=produce, name=f"lienthong-{name}", daemon=True)
    worker.start()
    try:
        while True:
            item = waiting.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item
    finally:
        stop.set()
        worker.join(timeout=60)
