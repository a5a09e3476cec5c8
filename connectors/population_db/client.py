"""Batch verification against the National Population Database (SOAP, zeep).

Personal IDs and names reach this module in memory only, on their way to the population
service; what comes back is a per-person outcome that the hub keeps under the ID's keyed hash.
A SOAP fault on a batch never fails the sync: the batch is split and retried down to single
people, and a person whose own call still faults gets the outcome ``fault``.

The WSDL the client was built against ships beside it (population.wsdl); ``options.wsdl``
points at the live one when the service publishes it.
"""
from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pybreaker
import requests
import zeep
from lxml.etree import XMLSyntaxError
from zeep.exceptions import DTDForbidden, EntitiesForbidden, Fault, TransportError, XMLParseError
from zeep.exceptions import XMLSyntaxError as ZeepXMLSyntaxError
from zeep.transports import Transport

from connectors.base import (HealthRecorder, HttpClient, HttpPolicy, SourceError, circuit_breaker, elapsed_ms,
                             outcome_of_error, outcome_of_status, retry_transient,
                             transport_failure)
from connectors.config import SystemConfig

log = logging.getLogger(__name__)
SYSTEM = "population_db"
BUNDLED_WSDL = Path(__file__).parent / "population.wsdl"
FOUND, NOT_REGISTERED, MALFORMED = "00", "01", "02"


@dataclass(frozen=True)
class Verification:
    personal_id: str
    outcome: str  # match | mismatch | not_found | malformed_id | fault
    exists: bool | None
    name_matches: bool | None
    birth_date_matches: bool | None


class PopulationClient:
    def __init__(self, config: SystemConfig, recorder: HealthRecorder | None = None):
        options = config.options
        self.options = options
        self.recorder = recorder or HealthRecorder()
        # SOAP 1.1 answers a fault with HTTP 500: that is a reply to read, not a transport failure to retry.
        self.policy = HttpPolicy.from_options({"retry_statuses": (429, 502, 503, 504), **options})
        self.batch_max = int(options.get("batch_max", 100))
        self.http = HttpClient(SYSTEM, config.base_url, self.policy, self.recorder)  # pooled, retrying session
        transport = Transport(session=self.http.session, timeout=self.policy.connect_timeout,
                              operation_timeout=self.policy.read_timeout)
        # Hardened XML: no DTDs, no entities, no external resources, no huge trees; strict, because a
        # lenient parser "recovers" a truncated reply into a plausible but partial answer.
        settings = zeep.Settings(strict=True, xml_huge_tree=False, forbid_dtd=True, forbid_entities=True,
                                 forbid_external=True)
        wsdl = options.get("wsdl") or str(BUNDLED_WSDL)
        self.client = self._observed("wsdl", lambda: zeep.Client(wsdl, transport=transport, settings=settings))
        if not options.get("wsdl"):
            self.service = self.client.create_service(
                next(iter(self.client.wsdl.bindings)), config.base_url)
        else:
            self.service = self.client.service

    def verify(self, people: list[tuple[str, str]]) -> list[Verification]:
        """(personal ID, full name) pairs -> one outcome each, in chunks of ``batch_max``."""
        results: list[Verification] = []
        for start in range(0, len(people), self.batch_max):
            results += self._verify_chunk(people[start:start + self.batch_max])
        return results

    def _verify_chunk(self, chunk: list[tuple[str, str]]) -> list[Verification]:
        try:
            reply = self._observed("XacThucThongTinCongDanTheoLo", lambda: self.service.XacThucThongTinCongDanTheoLo(
                MaYeuCau=f"LT-{uuid.uuid4().hex}", MaDichVu=self.options.get("ma_dich_vu", "033"),
                MaCanBo=self.options.get("ma_can_bo", "LIENTHONG_HUB"),
                DanhSach={"CongDan": [{"SoDinhDanh": pid, "HoVaTen": name} for pid, name in chunk]}))
        except SourceError as exc:
            if exc.outcome != "soap_fault":
                raise
            if len(chunk) == 1:
                return [Verification(chunk[0][0], "fault", None, None, None)]
            middle = len(chunk) // 2  # split: one bad person must not cost the others their answer
            return self._verify_chunk(chunk[:middle]) + self._verify_chunk(chunk[middle:])
        by_id = {item["SoDinhDanh"]: item for item in (reply["KetQua"] or [])}
        return [self._outcome(pid, by_id.get(pid)) for pid, _ in chunk]

    @staticmethod
    def _outcome(personal_id: str, item) -> Verification:
        if item is None:
            return Verification(personal_id, "fault", None, None, None)
        code = item["MaKetQua"]
        if code == MALFORMED:
            return Verification(personal_id, "malformed_id", False, None, None)
        if code == NOT_REGISTERED or not item["TonTai"]:
            return Verification(personal_id, "not_found", False, None, None)
        name, birth = bool(item["KhopHoTen"]), item["KhopNgaySinh"]
        outcome = "match" if name and birth is not False else "mismatch"
        return Verification(personal_id, outcome, True, name, birth)

    def _observed(self, endpoint: str, call):
        """Run one SOAP exchange behind the circuit breaker, recording each attempt's outcome."""

        def attempt():
            started = time.perf_counter()
            try:
                result = call()
            except Fault as fault:
                self._record(endpoint, "soap_fault", started)
                raise SourceError(SYSTEM, endpoint, "soap_fault", str(fault.code or "Fault")) from None
            except TransportError as exc:
                # zeep reports an unreadable 2xx reply as a transport error with that status
                outcome = outcome_of_status(exc.status_code) if exc.status_code >= 400 else "parse_error"
                self._record(endpoint, outcome, started, exc.status_code)
                raise SourceError(SYSTEM, endpoint, outcome, f"HTTP {exc.status_code}") from None
            except requests.RequestException as exc:
                self._record(endpoint, outcome_of_error(exc), started)
                raise transport_failure(SYSTEM, endpoint, exc) from None
            except (XMLParseError, XMLSyntaxError, ZeepXMLSyntaxError, DTDForbidden, EntitiesForbidden,
                    ValueError) as exc:  # DTDs and entities are refused, never expanded or fetched
                self._record(endpoint, "parse_error", started)
                raise SourceError(SYSTEM, endpoint, "parse_error", type(exc).__name__) from None
            self._record(endpoint, "ok", started)
            return result

        def guarded():
            try:
                return circuit_breaker(SYSTEM, self.policy).call(attempt)
            except pybreaker.CircuitBreakerError:
                raise SourceError(SYSTEM, endpoint, "circuit_open", "too many consecutive failures; calls paused") from None

        return retry_transient(self.policy, guarded)

    def _record(self, endpoint: str, outcome: str, started: float, status: int | None = None) -> None:
        self.recorder.record(SYSTEM, endpoint, outcome, status, elapsed_ms(started))

    def close(self) -> None:
        self.http.close()
