"""Plain-requests helpers for the sandbox tests: log in, call a service, page through a window."""
from __future__ import annotations

import requests

from connectors.config import Secret, SystemConfig

HEADERS = {"dstcode": "DVCQG"}


def login(stack) -> str:
    entry = stack.endpoints["dvc_portal"]
    return requests.post(f"{entry['url']}/auth/login", json={"username": entry["username"], "password": entry["password"]},
                         headers=HEADERS, timeout=10).json()["session"]


def call(stack, session: str, path: str = "/integration", timeout: float = 10, **body) -> requests.Response:
    url = stack.endpoints["dvc_portal"]["url"]
    return requests.post(f"{url}{path}", json={"session": session, "madonvi": "T", **body}, headers=HEADERS,
                         timeout=timeout)


def page_through(stack, hxx: str, size: int = 100, tungay: str = "20250101000000",
                 denngay: str = "20991231000000") -> list[dict]:
    session, seen, page = login(stack), [], 1
    while True:
        reply = call(stack, session, service="LayDanhSachHoSo", matinh=hxx, tungay=tungay, denngay=denngay,
                     trang=str(page), sobanghi=str(size)).json()
        assert reply["error_code"] == 0, reply
        seen += reply["result"]
        if not reply["result"] or page * size >= int(reply["tongsobanghi"]):
            return seen
        page += 1


def control(stack, path: str, payload: dict | None = None) -> dict:
    url = stack.endpoints["dvc_portal"]["url"] + "/_sandbox" + path
    response = requests.post(url, json=payload, timeout=10) if payload is not None else requests.get(url, timeout=10)
    response.raise_for_status()
    return response.json()


def config_of(stack, **options) -> SystemConfig:
    """The hub's portal configuration for a running stack, with extra connector options."""
    entry = stack.endpoints["dvc_portal"]
    return SystemConfig("dvc_portal", entry["url"], entry["username"], Secret(entry["password"]),
                        {**entry["options"], **options})
