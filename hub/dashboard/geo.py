"""The province map as inline-SVG geometry, projected server-side from the shipped boundaries.

hub/dashboard/static/provinces_2025.geojson is the project's copy of
/work/shared/data/provinces_2025.geojson (thanglequoc/vietnamese-provinces-database, MIT; the licence
is beside it). Projection: equirectangular scaled by cos(15°N), the latitude of the country's middle,
which keeps the shapes recognisable at this size without a projection library. Coordinates are
rounded to whole pixels (about 2.5 km) and repeated points dropped, so the page carries ~80 kB of
path data, not the file's 93 k points.

The Hoàng Sa (Paracel) islands belong to Đà Nẵng's Hoàng Sa special zone and the Trường Sa
(Spratly) islands to Khánh Hòa's Trường Sa special zone; they are drawn as their own groups, framed
and labelled as Vietnam's, because at map scale the islands are smaller than a pixel.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from mappings import admin_units

PIXELS_PER_DEGREE = 40.0
MID_LATITUDE = 15.0
MARGIN = 12.0
# Islands east of this longitude belong to the two archipelagos (the mainland coast ends near 109.5°E).
ARCHIPELAGO_EAST_OF = 110.5
ARCHIPELAGOS = {"48": "hoang-sa", "56": "truong-sa"}  # province code → archipelago key


@dataclass(frozen=True)
class Province:
    """A province's shape on the map; its codes and names are the reference unit's (mappings/admin_units.py)."""
    unit: admin_units.Province
    path: str  # SVG path data


@dataclass(frozen=True)
class Archipelago:
    key: str  # hoang-sa | truong-sa
    province_code: str
    islands: tuple[tuple[float, float], ...]  # pixel centres
    frame: tuple[float, float, float, float]  # x, y, width, height


@dataclass(frozen=True)
class MapGeometry:
    width: float
    height: float
    provinces: tuple[Province, ...]
    archipelagos: tuple[Archipelago, ...]


def _load() -> dict:
    return json.loads(files("hub.dashboard").joinpath("static/provinces_2025.geojson").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def map_geometry() -> MapGeometry:
    features = _load()["features"]
    points = [p for f in features for poly in f["geometry"]["coordinates"] for ring in poly for p in ring]
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    x_scale = PIXELS_PER_DEGREE * math.cos(math.radians(MID_LATITUDE))

    def project(lon: float, lat: float) -> tuple[float, float]:
        return round(MARGIN + (lon - west) * x_scale), round(MARGIN + (north - lat) * PIXELS_PER_DEGREE)

    units = admin_units.load_admin_units().provinces
    provinces, archipelagos = [], []
    for feature in features:
        props = feature["properties"]
        mainland, islands = [], []
        for polygon in feature["geometry"]["coordinates"]:
            outer = polygon[0]
            centre_lon = sum(p[0] for p in outer) / len(outer)
            if props["code"] in ARCHIPELAGOS and centre_lon > ARCHIPELAGO_EAST_OF:
                islands.append(project(centre_lon, sum(p[1] for p in outer) / len(outer)))
            else:
                mainland.append(polygon)
        provinces.append(Province(units[props["code"]], _path(mainland, project)))
        if islands:
            xs, ys = [x for x, _ in islands], [y for _, y in islands]
            pad = 8.0
            archipelagos.append(Archipelago(
                ARCHIPELAGOS[props["code"]], props["code"], tuple(sorted(set(islands))),
                (min(xs) - pad, min(ys) - pad, max(xs) - min(xs) + 2 * pad, max(ys) - min(ys) + 2 * pad)))
    width, height = project(east, south)
    return MapGeometry(round(width + MARGIN, 1), round(height + MARGIN, 1), tuple(provinces),
                       tuple(sorted(archipelagos, key=lambda a: a.key)))


def _path(polygons: list, project) -> str:
    parts = []
    for polygon in polygons:
        for ring in polygon:
            pixels = []
            for lon, lat in ring:
                point = project(lon, lat)
                if not pixels or pixels[-1] != point:
                    pixels.append(point)
            if len(pixels) >= 3:
                parts.append("M" + "L".join(f"{x:g},{y:g}" for x, y in pixels) + "Z")
    return "".join(parts)
