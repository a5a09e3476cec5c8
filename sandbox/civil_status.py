"""Civil-status (hộ tịch) simulator: one CSV export per day dropped into a directory.

File ``hotich_YYYYMMDD.csv`` holds the birth, marriage and death registrations of that day:
UTF-8 with BOM, ``;`` as delimiter, CRLF line ends, Vietnamese headers, dates dd/MM/yyyy. The
file of a day appears once the day is over (days before the scenario clock). The Ministry of
Justice's real link is a REST interlink (sectoral.md section 3); the daily file drop is the
simulator's stand-in for the export provinces receive.
"""
from __future__ import annotations

import csv
import os
import random
from datetime import date, timedelta
from pathlib import Path

from . import people
from .defects import RECORD_DEFECTS, DefectInjector, RecordShape, rename_key
from .faults import FaultSwitches
from .ledger import Ledger
from .scenario import Scenario
from .synth import Geography

SYSTEM = "civil_status"
STREAM = "hotich"
DELIMITER = ";"
ENCODING = "utf-8-sig"  # UTF-8 with BOM, as Excel-era exports are
DATE_FORMAT = "%d/%m/%Y"
FILE_PATTERN = "hotich_{day:%Y%m%d}.csv"
COLUMNS = ("Mã sự kiện", "Loại sự kiện", "Ngày đăng ký", "Số định danh", "Họ và tên", "Giới tính", "Ngày sinh",
           "Ngày sự kiện", "Số định danh người liên quan", "Họ và tên người liên quan", "Quan hệ", "Mã xã",
           "Nơi đăng ký")
# Schema drift is a new export template: one column renamed, one added, for a whole file.
DRIFT_RENAME = ("Số định danh", "Số định danh cá nhân")
DRIFT_ADDED = "Ghi chú"
EVENT_WEIGHTS = (("Khai sinh", 0.55), ("Kết hôn", 0.25), ("Khai tử", 0.20))
SEX = {1: "Nam", 2: "Nữ"}

ROW_SHAPE = RecordShape(
    id_fields=("Số định danh",),
    name_fields=("Họ và tên", "Họ và tên người liên quan"),
    date_field="Ngày sự kiện",
    format_date=lambda d: d.strftime(DATE_FORMAT),
    mandatory=("Số định danh", "Ngày đăng ký", "Mã xã"),
)


def _dmy(day: date) -> str:
    return day.strftime(DATE_FORMAT)


class CivilStatusExport:
    def __init__(self, scenario: Scenario, switches: FaultSwitches, ledger: Ledger):
        self.scenario = scenario
        self.per_day = int(scenario.system(SYSTEM).get("events_per_day", 30))
        self.geography = Geography(scenario)
        self.injector = DefectInjector(SYSTEM, switches, ledger, ROW_SHAPE, scenario.as_of.date())
        self.ledger = ledger

    def days(self) -> list[date]:
        """Days whose export exists: inside the period and already over at the scenario clock."""
        last = min(self.scenario.period_end, self.scenario.as_of.date() - timedelta(days=1))
        count = (last - self.scenario.period_start).days + 1
        return [self.scenario.period_start + timedelta(days=n) for n in range(max(count, 0))]

    def rows(self, day: date) -> list[dict]:
        rng = random.Random(self.scenario.seed * 1_000_033 + day.toordinal())
        return [self._event(rng, day, n) for n in range(self.per_day)]

    def _event(self, rng: random.Random, day: date, n: int) -> dict:
        kind = rng.choices([k for k, _ in EVENT_WEIGHTS], [w for _, w in EVENT_WEIGHTS])[0]
        province, commune = self.geography.pick(rng)
        if kind == "Khai sinh":
            happened = day - timedelta(days=rng.randint(0, 60))
            person_id = people.new_personal_id(rng, rng.choice(province.formed_from), happened.year, rng.randint(1, 2))
            related_id = people.new_personal_id(rng, rng.choice(province.formed_from), rng.randint(1985, 2004), 2)
            relation = "Mẹ"
        elif kind == "Kết hôn":
            happened = day
            person_id = people.random_adult_id(rng, province.formed_from, 1975, 2003)
            spouse_sex = 3 - people.citizen(person_id).sex
            related_id = people.new_personal_id(rng, rng.choice(province.formed_from), rng.randint(1975, 2003), spouse_sex)
            relation = "Vợ/chồng"
        else:
            happened = day - timedelta(days=rng.randint(0, 15))
            person_id = people.random_adult_id(rng, province.formed_from, 1925, 1965)
            related_id = people.random_adult_id(rng, province.formed_from, 1955, 1990)
            relation = "Người đi đăng ký"
        person, related = people.citizen(person_id), people.citizen(related_id)
        birth = happened if kind == "Khai sinh" else person.birth_date
        return {
            "Mã sự kiện": f"HT{day:%Y%m%d}{n + 1:04d}",
            "Loại sự kiện": kind,
            "Ngày đăng ký": _dmy(day),
            "Số định danh": person_id,
            "Họ và tên": person.full_name,
            "Giới tính": SEX[person.sex],
            "Ngày sinh": _dmy(birth),
            "Ngày sự kiện": _dmy(happened),
            "Số định danh người liên quan": related_id,
            "Họ và tên người liên quan": related.full_name,
            "Quan hệ": relation,
            "Mã xã": commune.code,
            "Nơi đăng ký": f"UBND {commune.full_name}",
        }

    def write(self, directory: Path) -> list[Path]:
        """Write (or rewrite) every daily file under the current fault switches; the paths written."""
        directory.mkdir(parents=True, exist_ok=True)
        return [self.write_day(directory, day) for day in self.days()]

    def write_day(self, directory: Path, day: date) -> Path:
        path = directory / FILE_PATTERN.format(day=day)
        rows = self.rows(day)
        keys = [row["Mã sự kiện"] for row in rows]
        record_defects = tuple(d for d in RECORD_DEFECTS if d != "schema_drift")
        rows = [self.injector.apply(row, key, record_defects) for row, key in zip(rows, keys)]
        columns = list(COLUMNS)
        if self.injector.hit("schema_drift", path.name):
            columns = [DRIFT_RENAME[1] if c == DRIFT_RENAME[0] else c for c in columns] + [DRIFT_ADDED]
            rows = [rename_key(row, *DRIFT_RENAME) | {DRIFT_ADDED: ""} for row in rows]
            self.injector.record_defect("schema_drift", keys)
        temporary = path.with_suffix(".csv.part")  # readers never see a half-written file
        with open(temporary, "w", encoding=ENCODING, newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns, delimiter=DELIMITER)
            writer.writeheader()
            writer.writerows(rows)
        os.replace(temporary, path)
        self.ledger.served(SYSTEM, STREAM, keys)
        return path


def write_civil_status_files(scenario: Scenario, directory: Path, switches: FaultSwitches, ledger: Ledger) -> list[Path]:
    return CivilStatusExport(scenario, switches, ledger).write(directory)
