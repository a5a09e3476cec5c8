"""Land registry simulator (CSDL đất đai, VBDLIS-like) over REST with cursor pagination.

GET {base}/api/v1/thua-dat?limit=&cursor=&updated_since=   header X-API-Key
-> {"data": [parcel...], "next_cursor": str | null, "has_more": bool}

GET {base}/api/v1/thua-dat/trang?page=&page_size=&updated_since=   (or offset=&limit=)
-> {"data": [parcel...], "total": int, "total_pages": int, "next": "/api/v1/thua-dat/trang?…" | null}
The same listing paged by number, by offset or by following ``next``: the paging styles a
declared REST source can use without code (connectors/sectoral/paging.py).

Parcels are listed by ``capNhatLuc`` (update time, ISO-8601 +07:00) then id; the cursor is
opaque (it carries the position and the filter). The real land systems publish no pull API
(sectoral.md section 3); field names follow the land-dossier messages (SoHieuBanDo, SoThuTuThua,
DienTich). Parcel ``i`` is a pure function of (scenario seed, i): nothing is stored.
"""
from __future__ import annotations

import base64
import binascii
import bisect
import json
import random
from datetime import date, datetime
from functools import cached_property
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, HTTPException, Query

from . import people
from .defects import DefectInjector, RecordShape
from .faults import FaultSwitches
from .http import api_key_guard, iso, parse_aware
from .ledger import Ledger
from .scenario import Scenario
from .synth import Geography, Period, random_date

SYSTEM = "land_registry"
STREAM = "thua_dat"
MAX_LIMIT = 500
LAND_USE = (("ONT", 0.30), ("ODT", 0.20), ("LUC", 0.20), ("CLN", 0.12), ("BHK", 0.08), ("NTS", 0.05), ("RSX", 0.05))

PARCEL_SHAPE = RecordShape(
    id_fields=("soDinhDanhChuSuDung",),
    name_fields=("hoTenChuSuDung",),
    date_field="ngayCapGiayChungNhan",
    format_date=date.isoformat,
    mandatory=("maXa", "soDinhDanhChuSuDung", "dienTich"),
    drift_rename=("dienTich", "dienTichM2"),
)


class Parcels:
    """The parcels of a scenario, addressable by index, in update-time order."""

    def __init__(self, scenario: Scenario):
        options = scenario.system(SYSTEM)
        self.count = int(options.get("parcels", 600))
        self.pre_merger_share = float(options.get("pre_merger_commune_share", 0.15))
        self.seed = scenario.seed * 7_919 + 17
        self.geography = Geography(scenario)
        self.period = Period.of(scenario)

    def __len__(self) -> int:
        return self.count

    def updated_at(self, i: int) -> datetime:
        # Monotone in i: the listing order is the index order, so a page is a slice.
        return self.period.ordered(self.seed, i, self.count)

    @cached_property
    def _update_times(self) -> list[datetime]:
        return [self.updated_at(i) for i in range(self.count)]

    def first_updated_since(self, since: datetime) -> int:
        return bisect.bisect_left(self._update_times, since)

    def record(self, i: int) -> dict:
        rng = random.Random(self.seed + i * 1_000_003)
        province, commune = self.geography.pick(rng)
        commune = commune.code
        if rng.random() < self.pre_merger_share:
            # Registered before 1 July 2025 and never migrated: still the old 5-digit commune code.
            commune = self.geography.old_commune_code(rng, province)
        owner = people.random_adult_id(rng, province.formed_from, 1945, 2000)
        sheet, number = rng.randint(1, 80), rng.randint(1, 900)
        use = rng.choices([u for u, _ in LAND_USE], [w for _, w in LAND_USE])[0]
        area = round(rng.uniform(40, 400) if use in ("ONT", "ODT") else rng.uniform(300, 20_000), 1)
        issued = random_date(rng, 1995, 2024)
        return {
            "maThuaDat": f"{commune}-{sheet:03d}-{number:04d}-{i}",
            "soHieuBanDo": sheet,
            "soThuTuThua": number,
            "soGiayChungNhan": f"C{rng.choice('HKPSTV')} {rng.randrange(10**6):06d}",
            "maTinh": province.code,
            "maXa": commune,
            "dienTich": area,
            "mucDichSuDung": use,
            "soDinhDanhChuSuDung": owner,
            "hoTenChuSuDung": people.citizen(owner).full_name,
            "ngayCapGiayChungNhan": issued.isoformat(),
            "capNhatLuc": iso(self.updated_at(i)),
        }


def encode_cursor(offset: int, since: str | None) -> str:
    raw = json.dumps({"o": offset, "s": since}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str | None]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        offset, since = int(raw["o"]), raw["s"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise HTTPException(400, "invalid cursor") from None
    if offset < 0:
        raise HTTPException(400, "invalid cursor")
    return offset, since


def create_land_app(scenario: Scenario, api_keys: set[str], switches: FaultSwitches, ledger: Ledger) -> FastAPI:
    parcels = Parcels(scenario)
    injector = DefectInjector(SYSTEM, switches, ledger, PARCEL_SHAPE, scenario.as_of.date())
    app = FastAPI(title="Land registry simulator (CSDL đất đai)", description=__doc__, version="1.0")
    app.state.parcels = parcels

    @app.get("/api/v1/thua-dat", dependencies=[Depends(api_key_guard(api_keys))])
    def list_parcels(
        limit: int = Query(100, ge=1, le=MAX_LIMIT, description="records per page"),
        cursor: str | None = Query(None, description="opaque; from the previous page's next_cursor"),
        updated_since: str | None = Query(None, description="ISO-8601 with offset; records updated at or after it"),
    ):
        if cursor:
            offset, since = decode_cursor(cursor)
        else:
            since = updated_since
            offset = parcels.first_updated_since(parse_aware(since, "updated_since")) if since else 0
        end = min(offset + limit, len(parcels))
        indices = list(range(offset, end))
        if indices and offset > 0 and switches.roll("duplicate_records"):
            # The page boundary slipped: the last record of the previous page comes again.
            indices.insert(0, offset - 1)
        records = [parcels.record(i) for i in indices]
        keys = [r["maThuaDat"] for r in records]
        page = [injector.apply(r, key) for r, key in zip(records, keys)]
        if len(indices) > end - offset:
            injector.record_defect("duplicate_records", keys[:1])
        if len(page) > 1 and switches.roll("out_of_order"):
            page.reverse()
            injector.record_defect("out_of_order", keys)
        ledger.served(SYSTEM, STREAM, keys)
        more = end < len(parcels)
        return {"data": page, "next_cursor": encode_cursor(end, since) if more else None, "has_more": more}

    @app.get("/api/v1/thua-dat/trang", dependencies=[Depends(api_key_guard(api_keys))])
    def list_parcel_pages(
        page: int | None = Query(None, ge=1, description="page number, from 1"),
        page_size: int = Query(100, ge=1, le=MAX_LIMIT),
        offset: int | None = Query(None, ge=0, description="instead of page: records to skip"),
        limit: int | None = Query(None, ge=1, le=MAX_LIMIT, description="with offset: records per page"),
        updated_since: str | None = Query(None, description="ISO-8601 with offset; records updated at or after it"),
    ):
        first = parcels.first_updated_since(parse_aware(updated_since, "updated_since")) if updated_since else 0
        size = limit if offset is not None and limit else page_size
        skip = offset if offset is not None else ((page or 1) - 1) * size
        start, total = first + skip, len(parcels) - first
        end = min(start + size, len(parcels))
        keys = [parcels.record(i)["maThuaDat"] for i in range(start, end)]
        ledger.served(SYSTEM, STREAM, keys)
        records = [injector.apply(parcels.record(i), key) for i, key in zip(range(start, end), keys)]
        query = {"offset": skip + size, "limit": size} if offset is not None else {"page": (page or 1) + 1,
                                                                                     "page_size": size}
        if updated_since:
            query["updated_since"] = updated_since
        following = f"/api/v1/thua-dat/trang?{urlencode(query)}" if end < len(parcels) else None
        return {"data": records, "total": total, "total_pages": -(-total // size), "next": following}

    return app
