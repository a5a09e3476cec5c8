"""The baselines' fetch loop over the portal's dossier listing: requests + orjson, nothing else.

The same pages the hub's connector reads (connectors/dvc_portal): login with the ``dstcode``
header, then ``LayDanhSachHoSo`` per province over one update window, page by page until
``tongsobanghi`` is covered. Personal fields are dropped from every record before anything is
stored, as the hub does (it hashes the ID and drops names and phones), so no baseline database
ever holds personal data.
"""
from __future__ import annotations

from typing import Iterator

import orjson
import requests

PORTAL_DATE = "%Y%m%d%H%M%S"
# The fields the hub's mapping hashes or drops (mappings/dvc_portal_dossiers.yaml, section pii);
# the baselines drop them all.
PERSONAL_FIELDS = frozenset({"SoGiayToChuHoSo", "DinhDanhCHS", "ChuHoSo", "SoDienThoai", "Email", "Fax",
                             "ThongTinKhac"})


def without_personal(record: dict) -> dict:
    return {key: value for key, value in record.items() if key not in PERSONAL_FIELDS}


class PortalPages:
    def __init__(self, portal: dict, page_size: int):
        """``portal`` is the dvc_portal entry of the sandbox's endpoints.json."""
        options = portal.get("options", {})
        self.url = portal["url"]
        self.integration_path = options.get("integration_endpoint", "/integration")
        self.madonvi = options.get("madonvi", "")
        self.page_size = page_size
        self.http = requests.Session()
        self.http.headers["dstcode"] = options.get("dstcode", "")
        reply = orjson.loads(self.http.post(f"{self.url}{options.get('auth_endpoint', '/auth/login')}",
                                            json={"username": portal["username"], "password": portal["password"]},
                                            timeout=30).content)
        if str(reply.get("error_code")) != "0":
            raise RuntimeError(f"portal login failed: {reply.get('message')}")
        self.session = reply["session"]

    def pages(self, partition: str, start: str, end: str) -> Iterator[list[dict]]:
        """Every page of one province's listing for the update window [start, end), as decoded records."""
        page = 1
        while True:
            body = {"session": self.session, "madonvi": self.madonvi, "service": "LayDanhSachHoSo",
                    "matinh": partition, "tungay": start, "denngay": end, "trang": str(page),
                    "sobanghi": str(self.page_size)}
            reply = orjson.loads(self.http.post(f"{self.url}{self.integration_path}", json=body, timeout=120).content)
            if str(reply.get("error_code")) != "0":
                raise RuntimeError(f"LayDanhSachHoSo {partition} page {page}: {reply.get('message')}")
            records = reply.get("result") or []
            if records:
                yield records
            if not records or page * self.page_size >= int(reply.get("tongsobanghi") or 0):
                return
            page += 1

    def all_pages(self, partitions: list[str], start: str, end: str) -> Iterator[list[dict]]:
        for partition in partitions:
            yield from self.pages(partition, start, end)

    def close(self) -> None:
        self.http.close()
