"""Client of the National Public Service Portal's service-bus API (generation A).

Login yields a session token that goes into every call's body; a reply whose error_code
says the session expired triggers one silent re-login and a replay of the call.
"""
from __future__ import annotations

import json
import logging

from connectors.base import HealthRecorder, HttpClient, HttpPolicy, SourceError
from connectors.config import SystemConfig

log = logging.getLogger(__name__)

SYSTEM = "dvc_portal"
DEFAULT_SESSION_EXPIRED_CODES = (-2,)
MAX_RELOGINS = 3


class PortalError(RuntimeError):
    def __init__(self, service: str, error_code, message: str):
        super().__init__(f"portal service {service} answered error_code={error_code}: {message}")
        self.service, self.error_code = service, error_code


def _code(reply: dict) -> int | None:
    try:
        return int(reply.get("error_code"))
    except (TypeError, ValueError):
        return None


def _unwrap_proxy(reply):
    """A provincial LGSP proxy answers {"message": "<the reply as JSON text>"}: decode the inner reply."""
    if isinstance(reply, dict) and "error_code" not in reply and isinstance(reply.get("message"), str):
        try:
            inner = json.loads(reply["message"])
        except ValueError:
            return reply
        if isinstance(inner, dict):
            return inner
    return reply


class PortalClient:
    def __init__(self, config: SystemConfig, recorder: HealthRecorder | None = None):
        options = config.options
        self.config = config
        self.madonvi = options.get("madonvi", "")
        self.auth_path = options.get("auth_endpoint", "/auth/login")
        self.integration_path = options.get("integration_endpoint", "/integration")
        self.session_expired_codes = tuple(options.get("session_expired_codes", DEFAULT_SESSION_EXPIRED_CODES))
        self.http = HttpClient(SYSTEM, config.base_url, HttpPolicy.from_options(options), recorder,
                               headers={"dstcode": options.get("dstcode", ""), "Charset": "utf-8"})
        self._session: str | None = None
        self.logins = 0

    def login(self) -> None:
        reply = self.http.post_json(
            self.auth_path,
            {"username": self.config.username, "password": self.config.password.reveal()},
            endpoint="login",
        )
        if _code(reply) != 0 or not reply.get("session"):
            raise PortalError("login", reply.get("error_code"), str(reply.get("message", "")))
        self._session = reply["session"]
        self.logins += 1
        log.info("portal login ok", extra={"system": SYSTEM, "logins": self.logins})

    def call(self, service: str, **params) -> dict:
        if self._session is None:
            self.login()
        reply = self._post(service, params)
        for _ in range(MAX_RELOGINS):  # a fresh session can expire again; give up after a few
            if _code(reply) not in self.session_expired_codes:
                break
            log.info("portal session expired; logging in again", extra={"system": SYSTEM, "service": service})
            self.login()
            reply = self._post(service, params)
        if _code(reply) != 0:
            raise PortalError(service, reply.get("error_code"), str(reply.get("message", "")))
        return reply

    def _post(self, service: str, params: dict) -> dict:
        body = {"session": self._session, "madonvi": self.madonvi, "service": service, **params}
        reply = _unwrap_proxy(self.http.post_json(self.integration_path, body, endpoint=service))
        if not isinstance(reply, dict):
            raise SourceError(SYSTEM, service, "parse_error", "reply is not a JSON object")
        return reply

    def close(self) -> None:
        self.http.close()
