"""Transport faults around any simulator app (pure ASGI middleware).

Per request, in this order, each switch of ``FaultSwitches`` may fire: ``timeout`` (hang for
``timeout_seconds``, longer than the client's read timeout, then answer 504), ``latency``
(answer late by ``latency_seconds``), ``http_5xx`` (503), ``http_429`` (429 with Retry-After),
``reset`` (start the real answer, then drop the connection mid-body: the client sees an
incomplete read) and ``truncated_json`` (the real answer cut in half, complete as HTTP).
Every injected fault is recorded in the ledger. Paths under ``exempt`` (the control
endpoints) are never faulted, so a test can always switch the faults off again.
"""
from __future__ import annotations

import asyncio
import json
import logging

from .faults import FaultSwitches
from .ledger import Ledger


class ConnectionDropped(Exception):
    """Raised after a partial body: the server closes the connection without finishing it."""


def _not_injected(record: logging.LogRecord) -> bool:
    """Keep the server log for real errors: an injected reset is recorded in the ledger instead."""
    return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


logging.getLogger("uvicorn.error").addFilter(_not_injected)


class FaultMiddleware:
    def __init__(self, app, system: str, switches: FaultSwitches, ledger: Ledger, exempt: tuple[str, ...] = ("/_sandbox",)):
        self.app, self.system, self.switches, self.ledger, self.exempt = app, system, switches, ledger, exempt

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        switches, path = self.switches, scope["path"]
        if switches.roll("timeout"):
            self.ledger.fault(self.system, "timeout", path)
            await asyncio.sleep(switches.timeout_seconds)
            await _answer(send, 504, {"error": "gateway timeout"})
            return
        if switches.roll("latency"):
            self.ledger.fault(self.system, "latency", path)
            await asyncio.sleep(switches.latency_seconds)
        if switches.roll("http_5xx"):
            self.ledger.fault(self.system, "http_5xx", path)
            await _answer(send, 503, {"error": "service unavailable"})
            return
        if switches.roll("http_429"):
            self.ledger.fault(self.system, "http_429", path)
            retry_after = str(max(0, round(switches.retry_after_seconds)))
            await _answer(send, 429, {"error": "too many requests"}, [(b"retry-after", retry_after.encode())])
            return
        if switches.roll("reset"):
            self.ledger.fault(self.system, "reset", path)
            await self.app(scope, receive, _dropping(send))
            return
        if switches.roll("truncated_json"):
            self.ledger.fault(self.system, "truncated_json", path)
            await self.app(scope, receive, _truncating(send))
            return
        await self.app(scope, receive, send)


async def _answer(send, status: int, body: dict, headers: list | None = None) -> None:
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": payload})


def _buffering(send, finish):
    """A ``send`` that collects the app's answer, then hands start message and whole body to ``finish``."""
    start, chunks = {}, []

    async def wrapped(message):
        if message["type"] == "http.response.start":
            start.update(message)
            return
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            await finish(start, b"".join(chunks))

    return wrapped


def _dropping(send):
    async def finish(start, body):
        await send(start)  # the original Content-Length promises the whole body
        await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
        raise ConnectionDropped("connection reset by the sandbox (fault injection)")

    return _buffering(send, finish)


def _truncating(send):
    async def finish(start, body):
        cut = body[: len(body) // 2]
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        await send({**start, "headers": [*headers, (b"content-length", str(len(cut)).encode())]})
        await send({"type": "http.response.body", "body": cut})

    return _buffering(send, finish)
