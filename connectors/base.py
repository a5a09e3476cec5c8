"""The connector contract and the shared HTTP machinery every connector uses.

A connector reads one source, partition by partition, and yields ``Batch``es of raw records
(source field names, as received) each with the checkpoint that becomes true once the batch
is stored. The pipeline commits batch and checkpoint in one transaction.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterator, Protocol

import pybreaker
import requests
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from connectors.incremental import Position, UpdateWindow

log = logging.getLogger(__name__)

OUTCOMES = ("ok", "http_4xx", "http_5xx", "timeout", "reset", "soap_fault", "parse_error")


@dataclass(frozen=True)
class Checkpoint:
    stream: str
    partition: str
    value: str  # as stored: an encoded ``connectors.incremental.Position``

    @property
    def position(self) -> Position:
        return Position.decode(self.value, "unknown")


@dataclass(frozen=True)
class ReadCount:
    """The end of a read (one query of a partition, all its pages): the records it handed over and the
    total the source itself reported for that query (``reported``: None when the source reports none).
    Which pages' total is meant, and why, is the connector's to say (the portal: its last page's)."""

    fetched: int
    reported: int | None
    read_from: str | None = None  # the query's bounds as the source was asked them, when it has any
    read_to: str | None = None


@dataclass
class Batch:
    stream: str
    partition: str
    records: list[dict]
    checkpoint: Checkpoint | None = None
    # Items the connector could not even turn into records (undecodable bytes, broken rows),
    # each with its reason: they are counted as fetched and land in quarantine.
    rejects: list[tuple[dict, str]] = field(default_factory=list)
    read_end: ReadCount | None = None  # on a read's last batch: what the read fetched and the source's total

    @property
    def fetched(self) -> int:
        return len(self.records) + len(self.rejects)


class SourceConnector(Protocol):
    source: str

    def partitions(self) -> list[str]: ...

    def read(self, stream: str, partition: str, checkpoint: str | None,
             window: UpdateWindow | None = None) -> Iterator[Batch]:
        """The batches from the checkpoint on; with a ``window`` (a scheduled run's data interval),
        those of that window where the stream's incremental style can bound a read by update time
        (connectors/incremental.py)."""
        ...

    def probe(self) -> None:
        """One cheap call proving the system answers; its observation goes to the recorder.
        Raises SourceError when the system does not answer properly."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class CallObservation:
    system: str
    endpoint: str
    outcome: str
    http_status: int | None
    latency_ms: float | None
    bytes: int
    observed_at: datetime


@dataclass(frozen=True)
class RetryNotice:
    """A failed call about to be retried: what a waiting user is told (no URL, payload or secret)."""

    system: str
    endpoint: str
    reason: str  # "connection refused", "HTTP 503", ...
    retry: int  # 1 for the first retry
    retries: int  # how many this layer allows
    wait_seconds: float

    def __str__(self) -> str:
        return (f"{self.system} {self.endpoint}: {self.reason}, retry {self.retry}/{self.retries} "
                f"in {self.wait_seconds:.0f} s")


@dataclass
class HealthRecorder:
    """Collects one observation per HTTP attempt; the pipeline drains them into the warehouse.
    ``on_retry``, when set, hears each retry before its back-off starts (the CLI's progress line):
    the caller passes it in, so connectors need nothing from the hub.

    Fetching, verification and loading run in different threads, hence the lock.
    """

    observations: list[CallObservation] = field(default_factory=list)
    on_retry: Callable[[RetryNotice], None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def retrying(self, notice: RetryNotice) -> None:
        if self.on_retry is not None:
            self.on_retry(notice)

    def record(self, system: str, endpoint: str, outcome: str, http_status: int | None = None,
               latency_ms: float | None = None, size: int = 0) -> None:
        observation = CallObservation(system, endpoint, outcome, http_status, latency_ms, size,
                                      datetime.now(timezone.utc))
        with self._lock:
            self.observations.append(observation)

    def drain(self) -> list[CallObservation]:
        with self._lock:
            taken, self.observations = self.observations, []
        return taken


def outcome_of_status(status: int) -> str:
    if status >= 500:
        return "http_5xx"
    if status >= 400:
        return "http_4xx"
    return "ok"


def outcome_of_error(error: BaseException | None) -> str:
    text = type(error).__name__ + " " + str(error)
    if "Timeout" in text or "timed out" in text:
        return "timeout"
    return "reset"


_REASONS = (("refused", "connection refused"), ("timed out", "timed out"), ("timeout", "timed out"),
            ("name or service not known", "host not found"), ("nameresolution", "host not found"),
            ("reset", "connection reset"), ("disconnected", "connection reset"), ("aborted", "connection reset"))


def failure_reason(error: BaseException | None, status: int | None = None) -> str:
    """A few words on why an attempt failed, fit to show a user: fixed phrases, never the error's
    own text (it can hold a URL with its query)."""
    if status:
        return f"HTTP {status}"
    text = f"{type(error).__name__} {error}".lower()
    return next((reason for marker, reason in _REASONS if marker in text), type(error).__name__)


class ObservedRetry(Retry):
    """urllib3 Retry that reports each attempt it retries, so health sees every failed call.

    The final attempt is reported by the client itself (success, returned error status, or
    exception), which keeps one observation per attempt and none twice.
    """

    def __init__(self, *args, on_retry: Callable[[str, int | None], None] | None = None,
                 on_wait: Callable[[str, int, float], None] | None = None, reason: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.on_retry, self.on_wait = on_retry, on_wait
        self.reason = reason  # why the last attempt failed

    def new(self, **kwargs):
        retry = super().new(**kwargs)
        retry.on_retry, retry.on_wait, retry.reason = self.on_retry, self.on_wait, self.reason
        return retry

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        status = response.status if response is not None and response.status else None
        retry.reason = failure_reason(error, status)
        if self.on_retry is not None:
            self.on_retry(outcome_of_status(status) if status else outcome_of_error(error), status)
        return retry

    def sleep(self, response=None) -> None:
        """Back off as urllib3 does (Retry-After first), telling ``on_wait`` how long first."""
        wait = self.get_retry_after(response) if self.respect_retry_after_header and response else None
        wait = wait or self.get_backoff_time()
        if self.on_wait is not None:
            self.on_wait(self.reason, len(self.history), wait)
        if wait > 0:
            time.sleep(wait)


@dataclass(frozen=True)
class HttpPolicy:
    connect_timeout: float = 5.0
    read_timeout: float = 60.0  # the portal's clients use 60 s
    retries: int = 5
    backoff_factor: float = 0.5
    backoff_max: float = 30.0
    backoff_jitter: float = 0.5
    pool_size: int = 8
    verify: bool | str = True  # TLS verification on; a path selects a CA bundle
    retry_statuses: tuple[int, ...] = (429, 500, 502, 503, 504)
    reply_retries: int = 3  # re-asks for a reply cut mid-body or truncated
    breaker_fail_max: int = 5  # consecutive failed calls (after retries) that open the circuit
    breaker_reset_seconds: float = 60.0  # how long an open circuit fails fast before a trial call

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> "HttpPolicy":
        known = {k: options[k] for k in cls.__dataclass_fields__ if k in options}
        return cls(**known)


_BREAKERS: dict[str, pybreaker.CircuitBreaker] = {}


def _transient(error: BaseException) -> bool:
    return (isinstance(error, SourceError) and error.outcome in ("reset", "timeout", "parse_error")
            and not error.retries_spent)


def retry_transient(policy: "HttpPolicy", call: Callable[[], Any],
                    on_wait: Callable[[str, int, float], None] | None = None) -> Any:
    """urllib3 retries what fails before a reply is handed over; a reply cut mid-body (reset) or
    truncated only shows when it is read, so those get a bounded, jittered retry here. A failure
    urllib3 already retried (``SourceError.retries_spent``: refused, reset or timed out before a
    reply) is not retried again: one policy, ``retries`` + 1 tries, governs it.
    ``on_wait(reason, retry, seconds)`` hears each retry before its back-off."""

    def announce(state) -> None:
        error = state.outcome.exception()
        reason = f"{error.outcome} ({error.detail})" if isinstance(error, SourceError) else type(error).__name__
        on_wait(reason, state.attempt_number, state.next_action.sleep)

    retrying = Retrying(retry=retry_if_exception(_transient), stop=stop_after_attempt(policy.reply_retries + 1),
                        wait=wait_exponential_jitter(initial=policy.backoff_factor, max=policy.backoff_max),
                        before_sleep=announce if on_wait else None, reraise=True)
    return retrying(call)


def _client_side(error: BaseException) -> bool:
    # The system answered (a 4xx, a SOAP fault, an unparsable reply): that is about the request,
    # not the system's reachability, so it does not trip the circuit.
    return isinstance(error, SourceError) and error.outcome in ("http_4xx", "parse_error", "soap_fault")


def circuit_breaker(system: str, policy: "HttpPolicy") -> pybreaker.CircuitBreaker:
    """One breaker per system per process, shared by every client of that system."""
    if system not in _BREAKERS:
        _BREAKERS[system] = pybreaker.CircuitBreaker(
            fail_max=policy.breaker_fail_max, reset_timeout=policy.breaker_reset_seconds,
            exclude=[_client_side], name=system, throw_new_error_on_trip=False)
    return _BREAKERS[system]


class HttpClient:
    """A pooled keep-alive session with bounded, jittered retries honouring Retry-After,
    behind the system's circuit breaker."""

    def __init__(self, system: str, base_url: str, policy: HttpPolicy | None = None,
                 recorder: HealthRecorder | None = None, headers: dict[str, str] | None = None):
        self.system = system
        self.base_url = base_url.rstrip("/")
        self.policy = policy or HttpPolicy()
        self.recorder = recorder or HealthRecorder()
        self._endpoint = ""
        self._attempts = 0  # of the current call, through every retry layer
        self.session = requests.Session()
        self.session.headers.update(headers or {})
        self.session.verify = self.policy.verify
        retry = ObservedRetry(
            total=self.policy.retries,
            backoff_factor=self.policy.backoff_factor,
            backoff_max=self.policy.backoff_max,
            backoff_jitter=self.policy.backoff_jitter,
            status_forcelist=self.policy.retry_statuses,
            allowed_methods=frozenset({"GET", "POST"}),  # the pull operations are reads
            respect_retry_after_header=True,
            raise_on_status=False,
            on_retry=self._failed_attempt,
            on_wait=lambda reason, number, wait: self._announce(reason, number, self.policy.retries, wait),
        )
        adapter = HTTPAdapter(max_retries=retry, pool_connections=self.policy.pool_size,
                              pool_maxsize=self.policy.pool_size)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def post_json(self, path: str, payload: dict, endpoint: str | None = None) -> Any:
        """POST JSON and return the decoded reply (see ``request_json``)."""
        return self.request_json("POST", path, endpoint=endpoint, json=payload)

    def get_json(self, path: str, params: dict | None = None, endpoint: str | None = None) -> Any:
        """GET with query parameters and return the decoded reply (see ``request_json``)."""
        return self.request_json("GET", path, endpoint=endpoint, params=params)

    def request_json(self, method: str, path: str, endpoint: str | None = None, **kwargs) -> Any:
        """Send, return the decoded JSON reply; raise ``SourceError`` on transport or HTTP failure,
        or at once (outcome ``circuit_open``) while the system's circuit is open."""
        return self._guarded(method, path, endpoint, kwargs, decode=True)

    def request_raw(self, method: str, path: str, endpoint: str | None = None, **kwargs) -> bytes:
        """Like ``request_json`` for replies that are not JSON (SOAP, files): the body as bytes."""
        return self._guarded(method, path, endpoint, kwargs, decode=False)

    def _guarded(self, method: str, path: str, endpoint: str | None, kwargs: dict, decode: bool) -> Any:
        self._endpoint = endpoint or path
        self._attempts, started = 0, time.monotonic()
        try:
            return retry_transient(self.policy, lambda: self._once(method, path, kwargs, decode),
                                   lambda reason, number, wait: self._announce(reason, number,
                                                                              self.policy.reply_retries, wait))
        except SourceError as exc:
            if self._attempts > 1:  # say how long the caller waited before this failure
                raise exc.given_up(self._attempts, time.monotonic() - started) from None
            raise

    def _failed_attempt(self, outcome: str, status: int | None) -> None:
        """An attempt urllib3 will retry: recorded for health, counted for the give-up message."""
        self._attempts += 1
        self.recorder.record(self.system, self._endpoint, outcome, status)

    def _announce(self, reason: str, number: int, retries: int, wait: float) -> None:
        self.recorder.retrying(RetryNotice(self.system, self._endpoint, reason, number, retries, wait))

    def _once(self, method: str, path: str, kwargs: dict, decode: bool) -> Any:
        try:
            return circuit_breaker(self.system, self.policy).call(self._request, method, path, kwargs, decode)
        except pybreaker.CircuitBreakerError:
            raise SourceError(self.system, self._endpoint, "circuit_open",
                              "too many consecutive failures; calls paused") from None

    def _request(self, method: str, path: str, kwargs: dict, decode: bool = True) -> Any:
        self._attempts += 1
        started = time.perf_counter()
        try:
            response = self.session.request(
                method, f"{self.base_url}{path}",
                timeout=(self.policy.connect_timeout, self.policy.read_timeout), **kwargs)
        except requests.RequestException as exc:
            self.recorder.record(self.system, self._endpoint, outcome_of_error(exc), None, elapsed_ms(started))
            raise transport_failure(self.system, self._endpoint, exc) from None
        latency = elapsed_ms(started)
        size = len(response.content)
        outcome = outcome_of_status(response.status_code)
        if outcome != "ok":
            self.recorder.record(self.system, self._endpoint, outcome, response.status_code, latency, size)
            raise SourceError(self.system, self._endpoint, outcome, f"HTTP {response.status_code}")
        if not decode:
            self.recorder.record(self.system, self._endpoint, "ok", response.status_code, latency, size)
            return response.content
        try:  # the standard library's decoder: requests prefers simplejson when installed, 1.5x slower here
            body = json.loads(response.content)
        except ValueError:
            self.recorder.record(self.system, self._endpoint, "parse_error", response.status_code, latency, size)
            raise SourceError(self.system, self._endpoint, "parse_error", "reply is not valid JSON") from None
        self.recorder.record(self.system, self._endpoint, "ok", response.status_code, latency, size)
        return body

    def close(self) -> None:
        self.session.close()


class SourceError(RuntimeError):
    """A call to a source failed after its retries; carries no payload, credentials or personal data.

    ``retries_spent``: the transport's own retries (urllib3) already gave up on it, so no outer
    layer retries it again; ``attempts`` and ``seconds`` say how long a call that gave up tried."""

    def __init__(self, system: str, endpoint: str, outcome: str, detail: str, retries_spent: bool = False,
                 attempts: int = 1, seconds: float = 0.0):
        given_up = f"; gave up after {attempts} tries in {seconds:.0f} s" if attempts > 1 else ""
        super().__init__(f"{system} {endpoint}: {outcome} ({detail}{given_up})")
        self.system, self.endpoint, self.outcome, self.detail = system, endpoint, outcome, detail
        self.retries_spent, self.attempts, self.seconds = retries_spent, attempts, seconds

    def given_up(self, attempts: int, seconds: float) -> "SourceError":
        """The same failure, saying how many tries and how long it took to give up."""
        return SourceError(self.system, self.endpoint, self.outcome, self.detail, self.retries_spent, attempts, seconds)


def transport_failure(system: str, endpoint: str, error: requests.RequestException) -> SourceError:
    """The SourceError for a call that got no usable reply, marked ``retries_spent`` when urllib3's
    Retry had already made every try the policy allows (its MaxRetryError inside requests' error)."""
    spent = any(isinstance(cause, MaxRetryError) for cause in (*error.args[:1], error.__context__))
    return SourceError(system, endpoint, outcome_of_error(error), type(error).__name__, retries_spent=spent)


def elapsed_ms(started: float) -> float:
    """Milliseconds since ``started`` (a ``time.perf_counter()`` reading), as health observations keep them."""
    return round((time.perf_counter() - started) * 1000, 3)
