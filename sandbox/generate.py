"""Deterministic dossier generator for the portal simulator.

Dossier ``i`` of a province is a pure function of (scenario seed, province, i): nothing is
stored, so any page can be produced on demand. Receipt times grow with ``i``; shares that
the seeds pin (online rate) are met exactly by a low-discrepancy quota instead of dice.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from mappings.admin_units import AdminUnits, load_admin_units

from . import people
from .catalogue import PROCEDURES, Procedure
from .scenario import ProvinceVolume, Scenario

PORTAL_DATE = "%Y%m%d%H%M%S"
WORKDAY_OPEN = timedelta(hours=7, minutes=30)
WORKDAY_SECONDS = 9.5 * 3600



def fmt(ts: datetime | None) -> str:
    """The portal's date convention: yyyyMMddHHmmss local time, empty string when unknown."""
    return ts.strftime(PORTAL_DATE) if ts else ""


def quota(index: int, count: int, rate: float, salt: int) -> bool:
    """True for exactly floor(count * rate) indices of range(count), spread evenly.

    A fixed stride coprime with ``count`` permutes the indices first, so two quotas with
    different salts do not select the same dossiers.
    """
    stride = _coprime_stride(count, salt)
    j = (index * stride + salt * 7919) % count
    return math.floor((j + 1) * rate) > math.floor(j * rate)


def _coprime_stride(count: int, salt: int) -> int:
    stride = 7_368_787 + 2 * salt
    while math.gcd(stride, count) != 1:
        stride += 2
    return stride


@dataclass(frozen=True)
class StatusEvent:
    status: int
    at: datetime


class ProvinceDossiers:
    """The dossiers of one province in one scenario, addressable by index."""

    def __init__(self, scenario: Scenario, volume: ProvinceVolume, units: AdminUnits):
        self.scenario = scenario
        self.volume = volume
        self.province = units.provinces[volume.code]
        self.communes = [c.code for c in units.communes_of(volume.code)]
        self.old_codes = [c for c in self.province.formed_from if c != volume.code]
        self.days = (scenario.period_end - scenario.period_start).days + 1
        self.start = datetime.combine(scenario.period_start, datetime.min.time())
        self._procedure_weights = [p.weight for p in PROCEDURES]
        self._seed_base = scenario.seed * 1_000_003 + int(volume.code) * 100_000_007

    def __len__(self) -> int:
        return self.volume.dossiers

    def submitted_at(self, i: int, rng: random.Random) -> datetime:
        position = (i + rng.random()) * self.days / self.volume.dossiers
        day = int(position)
        within = position - day
        return self.start + timedelta(days=day) + WORKDAY_OPEN + timedelta(seconds=int(within * WORKDAY_SECONDS))

    def record(self, i: int) -> dict:
        scenario = self.scenario
        rng = random.Random(self._seed_base + i)
        submitted = self.submitted_at(i, rng)
        procedure: Procedure = rng.choices(PROCEDURES, self._procedure_weights)[0]
        online = quota(i, len(self), self.volume.online_rate, salt=1)
        channel = "2" if online else self._offline_channel(rng)
        received = submitted + (timedelta(minutes=rng.randint(5, 20 * 60)) if online else timedelta(minutes=rng.randint(0, 15)))
        refused = rng.random() < scenario.share("refused")
        history = self._history(procedure, received, refused, rng)
        visible = [e for e in history if e.at <= scenario.as_of]
        last = visible[-1] if visible else history[0]
        finished = next((e.at for e in visible if e.status == 9), None)
        handed_over = next((e.at for e in visible if e.status == 10), None)
        due = received + timedelta(days=procedure.processing_days * 7 / 5 + 1)

        receipt_text = fmt(received)
        submit_text = fmt(submitted)
        if rng.random() < scenario.defect("missing_receipt_date"):
            receipt_text = submit_text = ""
        if finished and rng.random() < scenario.defect("finish_before_receipt"):
            finished = received - timedelta(days=2)

        province_code = self.province.code
        if self.old_codes and rng.random() < scenario.share("pre_merger_code"):
            province_code = rng.choice(self.old_codes)
        owner_id = self._owner_id(rng)
        hxx = self.province.dvcqg_code
        day_seq = i - math.floor((submitted - self.start).days * len(self) / self.days)
        digitised = rng.random() < 0.45
        return {
            "MaHoSo": f"{hxx}.{1 + i % 9}-{submitted:%y%m%d}-{day_seq + 1:04d}",
            "MaTTHC": procedure.code.replace("H00", hxx),
            "TenTTHC": procedure.name,
            "MaLinhVuc": procedure.field_code,
            "TenLinhVuc": procedure.field_name,
            "KenhThucHien": channel,
            "SoGiayToChuHoSo": owner_id,
            "ChuHoSo": self._owner_name(owner_id, rng),
            "LoaiDoiTuong": "1" if rng.random() < 0.9 else "2",
            "SoDienThoai": f"09{rng.randrange(10**8):08d}",
            "Email": "",
            "TrichYeuHoSo": f"{procedure.name} - hồ sơ số {i + 1}",
            "NgayNopHoSo": submit_text,
            "NgayTiepNhan": receipt_text if not refused else "",
            "NgayHenTra": fmt(due) if not refused else "",
            "TrangThaiHoSo": str(last.status),
            "NgayKetThucXuLy": fmt(finished),
            "NgayTra": fmt(handed_over),
            "NgayTuChoi": fmt(last.at) if refused else "",
            "DonViXuLy": f"UBND {self.province.full_name}",
            "NoiNopHoSo": "1" if online else "2",
            "HoSoCoThanhPhanSoHoa": "1" if digitised else "0",
            "TaiKhoanDuocXacThucVoiVNeID": "1" if online and rng.random() < 0.8 else "0",
            "DuocThanhToanTrucTuyen": "1" if online and rng.random() < 0.5 else "0",
            "MaTinh": province_code,
            "MaXa": rng.choice(self.communes),
            "NgayCapNhat": fmt(last.at),
            "DinhDanhCHS": [{"LoaiDinhDanh": "1" if len(owner_id) == 12 else "2", "SoDinhDanh": owner_id}],
            "TaiLieuNop": [
                {
                    "TepDinhKemId": f"{hxx}-{i}-{n}",
                    "TenTepDinhKem": component.name,
                    "IsDeleted": "0",
                    "MaThanhPhanHoSo": component.code,
                    "DuongDanTaiTepTin": f"https://dichvucong.example/tep/{hxx}/{i}/{n}",
                    "DuocSoHoa": "1" if digitised else "0",
                    "DuocTaiSuDung": "1" if component.replaceable_by and rng.random() < 0.3 else "0",
                    "DuocLayTuKhoDMQG": "1" if rng.random() < 0.1 else "0",
                }
                for n, component in enumerate(procedure.components)
            ],
        }

    def _offline_channel(self, rng: random.Random) -> str:
        roll = rng.random()
        if roll < self.scenario.share("postal"):
            return "3"
        if roll < self.scenario.share("postal") + self.scenario.share("no_channel"):
            return ""
        return "1"

    def _history(self, procedure: Procedure, received: datetime, refused: bool, rng: random.Random) -> list[StatusEvent]:
        if refused:
            return [StatusEvent(3, received)]
        events = [StatusEvent(2, received), StatusEvent(4, received + timedelta(hours=rng.uniform(0.5, 8)))]
        at = events[-1].at
        if rng.random() < 0.08:  # supplement requested, then resumed
            at += timedelta(days=rng.uniform(0.5, 3))
            events.append(StatusEvent(5, at))
            at += timedelta(days=rng.uniform(1, 5))
            events.append(StatusEvent(4, at))
        if rng.random() < 0.01:
            events.append(StatusEvent(7, at + timedelta(days=rng.uniform(0.5, 2))))
            return events
        at += timedelta(days=rng.uniform(0.2, procedure.processing_days * 1.3 + 0.5))
        events.append(StatusEvent(9, at))
        events.append(StatusEvent(10, at + timedelta(days=rng.uniform(0.1, 3))))
        return events

    def _owner_id(self, rng: random.Random) -> str:
        if rng.random() < self.scenario.defect("nine_digit_owner_id"):
            return f"{rng.randrange(10**9):09d}"
        birth_province = rng.choice(self.province.formed_from)
        return people.new_personal_id(rng, birth_province, rng.randint(1950, 2007), rng.randint(1, 2))

    @staticmethod
    def _owner_name(owner_id: str, rng: random.Random) -> str:
        """The population DB's name for the owner's ID, so verifications can match."""
        person = people.citizen(owner_id)
        if person is not None:
            return person.full_name
        return f"{rng.choice(people.FAMILY_NAMES)} {rng.choice(people.MIDDLE_MALE)} {rng.choice(people.GIVEN_MALE)}"


class PortalData:
    """All provinces of a scenario, keyed by the portal's department code (Hxx)."""

    def __init__(self, scenario: Scenario, units: AdminUnits | None = None):
        units = units or load_admin_units()
        self.scenario = scenario
        self.provinces = {
            units.provinces[v.code].dvcqg_code: ProvinceDossiers(scenario, v, units) for v in scenario.provinces
        }

    @cached_property
    def _update_index(self) -> dict[str, list[tuple[str, int]]]:
        # (NgayCapNhat, index) sorted: the listing order. Built once per province on first use.
        index = {}
        for hxx, dossiers in self.provinces.items():
            index[hxx] = sorted((dossiers.record(i)["NgayCapNhat"], i) for i in range(len(dossiers)))
        return index

    def updated_between(self, hxx: str, updated_from: str, updated_to: str) -> list[int]:
        """Indices of the dossiers last updated in [updated_from, updated_to), in listing order."""
        import bisect

        rows = self._update_index[hxx]
        lo = bisect.bisect_left(rows, (updated_from, -1))
        hi = bisect.bisect_left(rows, (updated_to, -1))
        return [i for _, i in rows[lo:hi]]

    def all_records(self):
        for hxx, dossiers in self.provinces.items():
            for i in range(len(dossiers)):
                yield hxx, dossiers.record(i)
