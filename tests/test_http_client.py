"""The shared HTTP client: retries with Retry-After, one health observation per attempt, circuit breaker."""
from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from connectors import base
from connectors.base import HealthRecorder, HttpClient, HttpPolicy, SourceError


class ScriptedServer:
    """A loopback server answering from a script of (status, headers, body) replies."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.times: list[float] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.times.append(time.monotonic())
                status, headers, body = outer.replies.pop(0) if outer.replies else (200, {}, b"{}")
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(autouse=True)
def fresh_breakers(monkeypatch):
    monkeypatch.setattr(base, "_BREAKERS", {})


def _client(url, recorder, **policy):
    return HttpClient("test_system", url, HttpPolicy(backoff_factor=0.01, backoff_jitter=0, **policy), recorder)


def test_429_is_retried_after_the_delay_the_server_asks_for():
    server = ScriptedServer([(429, {"Retry-After": "1"}, b""), (200, {}, b'{"ok": 1}')])
    recorder = HealthRecorder()
    try:
        assert _client(server.url, recorder).post_json("/x", {}) == {"ok": 1}
    finally:
        server.close()
    assert server.times[1] - server.times[0] >= 0.95
    assert [(o.outcome, o.http_status) for o in recorder.observations] == [("http_4xx", 429), ("ok", 200)]


def test_5xx_bursts_are_retried_and_every_attempt_is_observed():
    server = ScriptedServer([(503, {}, b""), (500, {}, b""), (200, {}, b"[]")])
    recorder = HealthRecorder()
    try:
        assert _client(server.url, recorder).post_json("/x", {}, endpoint="op") == []
    finally:
        server.close()
    assert [o.outcome for o in recorder.observations] == ["http_5xx", "http_5xx", "ok"]
    assert {o.endpoint for o in recorder.observations} == {"op"}


def test_retries_are_bounded_and_the_failure_is_reported_without_the_payload():
    server = ScriptedServer([(500, {}, b"")] * 10)
    recorder = HealthRecorder()
    try:
        with pytest.raises(SourceError) as caught:
            _client(server.url, recorder, retries=2).post_json("/x", {"password": "never-shown"})
    finally:
        server.close()
    assert caught.value.outcome == "http_5xx" and "never-shown" not in str(caught.value)
    assert len(server.times) == 3 and len(recorder.observations) == 3


def test_a_truncated_reply_is_asked_for_again():
    server = ScriptedServer([(200, {}, b'{"truncated": '), (200, {}, b'{"whole": true}')])
    recorder = HealthRecorder()
    try:
        assert _client(server.url, recorder).post_json("/x", {}) == {"whole": True}
    finally:
        server.close()
    assert [o.outcome for o in recorder.observations] == ["parse_error", "ok"]


def test_a_reply_that_stays_unreadable_is_a_parse_error_after_bounded_retries():
    server = ScriptedServer([(200, {}, b'{"truncated": ')] * 10)
    recorder = HealthRecorder()
    try:
        with pytest.raises(SourceError) as caught:
            _client(server.url, recorder, reply_retries=2).post_json("/x", {})
    finally:
        server.close()
    assert caught.value.outcome == "parse_error" and [o.outcome for o in recorder.observations] == ["parse_error"] * 3


def test_a_refused_connection_is_observed_as_a_reset():
    recorder = HealthRecorder()
    with pytest.raises(SourceError) as caught:
        _client("http://127.0.0.1:9", recorder, retries=0, reply_retries=0).post_json("/x", {})
    assert caught.value.outcome == "reset" and [o.outcome for o in recorder.observations] == ["reset"]


def test_the_circuit_opens_after_consecutive_failures_and_then_fails_fast():
    server = ScriptedServer([(500, {}, b"")] * 10)
    recorder = HealthRecorder()
    client = _client(server.url, recorder, retries=0, reply_retries=0, breaker_fail_max=2, breaker_reset_seconds=60)
    try:
        for _ in range(2):
            with pytest.raises(SourceError):
                client.post_json("/x", {})
        calls_before = len(server.times)
        with pytest.raises(SourceError) as caught:
            client.post_json("/x", {})
    finally:
        server.close()
    assert caught.value.outcome == "circuit_open" and len(server.times) == calls_before


def test_client_errors_do_not_trip_the_circuit():
    server = ScriptedServer([(404, {}, b"")] * 5 + [(200, {}, b"{}")])
    client = _client(server.url, HealthRecorder(), retries=0, breaker_fail_max=2)
    try:
        for _ in range(5):
            with pytest.raises(SourceError):
                client.post_json("/x", {})
        assert client.post_json("/x", {}) == {}
    finally:
        server.close()


def test_each_retry_is_announced_with_its_reason_number_and_wait_before_the_back_off():
    server = ScriptedServer([(503, {}, b""), (429, {"Retry-After": "1"}, b""), (200, {}, b"{}")])
    notices = []
    try:
        assert _client(server.url, HealthRecorder(on_retry=notices.append), retries=4).post_json(
            "/x", {}, endpoint="login") == {}
    finally:
        server.close()
    assert [str(n) for n in notices] == ["test_system login: HTTP 503, retry 1/4 in 0 s",
                                         "test_system login: HTTP 429, retry 2/4 in 1 s"]


def test_a_refused_connection_is_announced_in_words_and_the_give_up_says_how_many_tries_and_how_long():
    server = ScriptedServer([])
    url = server.url
    server.close()  # nothing listens there any more: every attempt is refused
    notices, recorder = [], HealthRecorder()
    recorder.on_retry = notices.append
    with pytest.raises(SourceError) as caught:
        _client(url, recorder, retries=2, reply_retries=3).post_json("/x", {}, endpoint="login")
    # urllib3's retries are the only ones: the re-asks for cut replies leave a refused call alone
    assert [(n.reason, n.retry, n.retries) for n in notices] == [("connection refused", 1, 2),
                                                                ("connection refused", 2, 2)]
    assert [o.outcome for o in recorder.observations] == ["reset"] * 3
    assert "gave up after 3 tries in" in str(caught.value)


class DroppingServer:
    """A port that accepts each connection and closes it without a word, counting them."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections = 0
        threading.Thread(target=self._drop, daemon=True).start()

    def _drop(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()

    def close(self):
        self.listener.close()


@pytest.mark.parametrize("retries", [0, 3])
def test_a_system_that_never_answers_gets_exactly_the_policys_tries_with_its_back_off(retries):
    server = DroppingServer()
    started = time.monotonic()
    try:
        with pytest.raises(SourceError) as caught:
            HttpClient("test_system", server.url, HttpPolicy(retries=retries, backoff_factor=0.1, backoff_jitter=0,
                                                             reply_retries=3)).post_json("/x", {}, endpoint="login")
    finally:
        server.close()
    assert server.connections == retries + 1  # not (retries + 1) x (reply_retries + 1)
    # urllib3's back-off: none before the first retry, then 0.1 s doubling (0.2, 0.4)
    assert time.monotonic() - started >= sum(0.1 * 2 ** n for n in range(1, retries))
    assert caught.value.outcome == "reset"
    assert (f"gave up after {retries + 1} tries in" in str(caught.value)) == (retries > 0)
