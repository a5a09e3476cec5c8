"""Social-insurance (BHXH) simulator: a SQL database the hub reads with SQLAlchemy.

One SQLite file holding table ``tham_gia_bhxh`` (participation records, one row per insured
person), watermark column ``ngay_cap_nhat`` (naive local time, Asia/Ho_Chi_Minh). Vietnam
Social Security publishes no interface (sectoral.md section 1): the table and its snake-case
Vietnamese column names are the simulator's invention of a replicated reporting database.
"""
from __future__ import annotations

import os
import random
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Column, Date, DateTime, Integer, MetaData, String, Table, create_engine

from . import people
from .defects import RECORD_DEFECTS, DefectInjector, RecordShape, rename_key
from .faults import FaultSwitches
from .ledger import Ledger
from .scenario import Scenario
from .synth import Geography, Period, random_date

SYSTEM = "social_insurance"
STREAM = "tham_gia_bhxh"
TABLE = "tham_gia_bhxh"
STATUSES = (("Đang tham gia", 0.82), ("Tạm dừng đóng", 0.08), ("Dừng tham gia", 0.10))
# Schema drift is a migration the hub was not told about: a column renamed, another added.
DRIFT_RENAME = ("ma_xa", "ma_phuong_xa")
DRIFT_ADDED = "ghi_chu"

ROW_SHAPE = RecordShape(
    id_fields=("so_dinh_danh",),
    name_fields=("ho_ten",),
    date_field="ngay_sinh",
    format_date=lambda d: d,
    mandatory=("so_dinh_danh", "ma_tinh", "tu_ngay"),
)


def participation_table(metadata: MetaData, drifted: bool = False) -> Table:
    commune_column = DRIFT_RENAME[1] if drifted else DRIFT_RENAME[0]
    columns = [
        Column("ma_so_bhxh", String(10), primary_key=True),  # 10-digit social-insurance number
        Column("so_dinh_danh", String(12), index=True),
        Column("ho_ten", String(100)),
        Column("ngay_sinh", Date),
        Column("gioi_tinh", Integer),  # 1 male, 2 female, as the population DB
        Column("ma_tinh", String(2)),
        Column(commune_column, String(5)),
        Column("ma_don_vi", String(10)),  # employer / collecting unit
        Column("loai_hinh", String(2)),  # BB compulsory, TN voluntary
        Column("muc_dong", Integer),  # monthly contribution base, VND
        Column("tu_ngay", Date),
        Column("den_ngay", Date, nullable=True),
        Column("trang_thai", String(30)),
        Column("ngay_cap_nhat", DateTime, index=True),  # watermark for incremental reads
    ]
    if drifted:
        columns.append(Column(DRIFT_ADDED, String(200)))
    return Table(TABLE, metadata, *columns)


class InsuranceRegister:
    def __init__(self, scenario: Scenario, switches: FaultSwitches, ledger: Ledger):
        self.scenario = scenario
        self.count = int(scenario.system(SYSTEM).get("participants", 800))
        self.seed = scenario.seed * 104_729 + 3
        self.geography = Geography(scenario)
        self.period = Period.of(scenario)
        self.injector = DefectInjector(SYSTEM, switches, ledger, ROW_SHAPE, scenario.as_of.date())
        self.ledger = ledger

    def row(self, i: int) -> dict:
        rng = random.Random(self.seed + i * 1_000_037)
        province, commune = self.geography.pick(rng)
        person_id = people.random_adult_id(rng, province.formed_from, 1962, 2006)
        person = people.citizen(person_id)
        status = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0]
        start = max(random_date(rng, 2000, 2025), person.birth_date + timedelta(days=18 * 366))
        start = min(start, self.scenario.period_start)
        compulsory = rng.random() < 0.8
        return {
            # Province prefix + a permutation of i (stride coprime with 10**8): unique, random-looking.
            "ma_so_bhxh": f"{province.code}{(i * 7_919_993 + self.seed) % 10**8:08d}",
            "so_dinh_danh": person_id,
            "ho_ten": person.full_name,
            "ngay_sinh": person.birth_date,
            "gioi_tinh": person.sex,
            "ma_tinh": province.code,
            "ma_xa": commune.code,
            "ma_don_vi": f"{'TA' if compulsory else 'TN'}{rng.randrange(10**4):04d}{rng.choice('ABCDEFGH')}",
            "loai_hinh": "BB" if compulsory else "TN",
            "muc_dong": rng.randrange(4_960_000, 30_000_000, 10_000) if compulsory else 1_500_000,
            "tu_ngay": start,
            "den_ngay": None if status == "Đang tham gia" else start + (self.scenario.period_start - start) * rng.random(),
            "trang_thai": status,
            "ngay_cap_nhat": self.period.ordered(self.seed, i, self.count).replace(tzinfo=None),
        }

    def build(self, path: Path) -> str:
        """Create the database file under the current fault switches; its SQLAlchemy URL."""
        rows = [self.row(i) for i in range(self.count)]
        keys = [row["ma_so_bhxh"] for row in rows]
        record_defects = tuple(d for d in RECORD_DEFECTS if d != "schema_drift")
        rows = [self.injector.apply(row, key, record_defects) for row, key in zip(rows, keys)]
        drifted = self.injector.hit("schema_drift", TABLE)
        if drifted:
            rows = [rename_key(row, *DRIFT_RENAME) | {DRIFT_ADDED: None} for row in rows]
            self.injector.record_defect("schema_drift", keys)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".part")  # readers never open a half-built database
        temporary.unlink(missing_ok=True)
        engine = create_engine(f"sqlite:///{temporary}")
        try:
            metadata = MetaData()
            table = participation_table(metadata, drifted)
            metadata.create_all(engine)
            with engine.begin() as conn:
                conn.execute(table.insert(), rows)
        finally:
            engine.dispose()
        os.replace(temporary, path)
        self.ledger.served(SYSTEM, STREAM, keys)
        return f"sqlite:///{path}"


def build_insurance_db(scenario: Scenario, path: Path, switches: FaultSwitches, ledger: Ledger) -> str:
    return InsuranceRegister(scenario, switches, ledger).build(path)
