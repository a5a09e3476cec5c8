"""Derive the pre-merger -> July-2025 commune crosswalk from the merger table's prose.

``python -m mappings.crosswalk_build`` rewrites mappings/reference/commune_crosswalk_2025.csv.
merger_2025.json says, per new commune, in Vietnamese prose which old units (or parts of them)
formed it ("Xã A, Xã B, một phần diện tích TN, quy mô dân số của Xã C"; "giữ nguyên" =
unchanged). We look for every old commune of the absorbed provinces by its full name in that
prose, read the district hint "(huyện X)" when a name is not unique, and mark the mention
partial when the prose says so. The CSV is committed: the derivation runs once, reviewably.
"""
from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections import defaultdict

from mappings.admin_units import REFERENCE_DIR, load_admin_units

OUTPUT = REFERENCE_DIR / "commune_crosswalk_2025.csv"
PARTIAL_BEFORE = re.compile(r"một phần[^,]*(?:,[^,]*?quy mô dân số)?\s*(?:của)?\s*(?:các\s+(?:phường|xã|thị trấn)\s+)?$")
PARTIAL_AFTER = re.compile(r"^\s*⟨partial⟩")
DISTRICT_HINT = re.compile(r"^(?:huyện|quận|thị xã|thành phố|tp\.?)\s")


def _clean_parentheses(prose: str) -> str:
    """Keep district hints "(huyện X)", turn "(một phần …)" / "(phần còn lại …)" into a partial marker,
    and drop the rest: those asides name *new* communes ("… sáp nhập vào phường X") and would
    otherwise be read as predecessors."""
    def replace(match: re.Match) -> str:
        inner = match.group(1).strip()
        if inner.startswith(("một phần", "phần còn lại")):
            return " ⟨partial⟩"
        if DISTRICT_HINT.match(inner):
            return match.group(0)
        return " "
    return re.sub(r"\(([^()]*)\)", replace, prose)
REMAINDER_BEFORE = re.compile(r"phần còn lại của\s*(?:các\s+(?:phường|xã|thị trấn)\s+)?$")
UNIT_PREFIXES = ("Phường ", "Xã ", "Thị trấn ")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower().replace("thuỵ", "thụy").replace("hoà", "hòa")
    return re.sub(r"\s+", " ", text)


def _old_communes() -> dict[str, list[dict]]:
    """Old province code -> its communes with district names."""
    raw = json.loads((REFERENCE_DIR / "admin_units_pre2025.json").read_text(encoding="utf-8"))
    result: dict[str, list[dict]] = defaultdict(list)
    for province in raw:
        for district in province["District"]:
            for ward in district["Ward"] or ():
                result[province["Code"]].append({
                    "code": ward["Code"], "full_name": ward["FullName"], "district": district["FullName"]})
    return result


def _mentions(text: str, name: str) -> list[re.Match]:
    return list(re.finditer(r"(?<![\w])" + re.escape(name) + r"(?![\w])", text))


def _names(full_name: str) -> list[str]:
    """The full name, and the bare name used after "các phường/xã …" lists."""
    names = [normalise(full_name)]
    for prefix in UNIT_PREFIXES:
        if full_name.startswith(prefix):
            names.append(normalise(full_name[len(prefix):]))
    return names


def build() -> list[dict]:
    units = load_admin_units()
    old_by_province = _old_communes()
    merger = json.loads((REFERENCE_DIR / "merger_2025.json").read_text(encoding="utf-8"))
    rows: list[dict] = []
    for entry in merger:
        if entry["magoc"] == "0":
            continue
        new_code, province = entry["ma"], entry["magoc"]
        prose = _clean_parentheses(normalise(entry["truocsapnhap"]))
        candidates = [c for old in units.provinces[province].formed_from for c in old_by_province[old]]
        if prose.strip() in ("giữ nguyên", ""):
            same = [c for c in candidates if c["code"] == new_code]
            rows += [{"old_code": c["code"], "new_code": new_code, "partial": 0, "how": "unchanged"} for c in same]
            continue
        by_name: dict[str, list[dict]] = defaultdict(list)
        for c in candidates:
            by_name[normalise(c["full_name"])].append(c)
        found: dict[str, dict] = {}
        for full_name, homonyms in by_name.items():
            for name in _names(full_name) if len(full_name.split()) > 1 else [full_name]:
                matches = _mentions(prose, name)
                if not matches:
                    continue
                for match in matches:
                    chosen = _disambiguate(homonyms, prose[match.end():], new_code)
                    before, after = prose[:match.start()], prose[match.end():]
                    partial = bool(PARTIAL_BEFORE.search(before[-120:]) or PARTIAL_AFTER.search(after)
                                   or REMAINDER_BEFORE.search(before[-60:]))
                    found.setdefault(chosen["code"], {"old_code": chosen["code"], "new_code": new_code,
                                                      "partial": int(partial), "how": "name"})
                break  # the full name matched: do not also try the bare name
        rows += found.values()
    rows.sort(key=lambda r: (r["old_code"], r["new_code"]))
    return rows


def _disambiguate(homonyms: list[dict], after: str, new_code: str) -> dict:
    if len(homonyms) == 1:
        return homonyms[0]
    hint = re.match(r"\s*\(([^)]*)\)", after)
    if hint:
        for c in homonyms:
            district = normalise(c["district"])
            if district in hint.group(1) or district.split(" ", 1)[-1] in hint.group(1):
                return c
    # Codes run in geographic order: the nearest code to the new unit's is the likeliest namesake.
    return min(homonyms, key=lambda c: abs(int(c["code"]) - int(new_code)))


def main() -> None:
    rows = build()
    with OUTPUT.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["old_code", "new_code", "partial", "how"])
        writer.writeheader()
        writer.writerows(rows)
    mapped = {r["old_code"] for r in rows}
    total = sum(len(v) for v in _old_communes().values())
    print(f"{len(rows)} links, {len(mapped)} of {total} old communes mapped -> {OUTPUT}")


if __name__ == "__main__":
    main()
