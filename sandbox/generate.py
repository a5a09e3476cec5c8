"""Deterministic dossier generator for the portal simulator.

Dossier ``i`` of a province is a pure function of (scenario seed, province, i, simulated
clock): nothing is stored, so any page can be produced on demand and memory stays flat at any
scale. Receipt times grow with ``i`` (timeline.py); the status history follows one of the
province's lifecycle templates (lifecycle.py); everything else comes from counter-based
draws (rand.py). Shares the seeds pin are exact quotas: with ``basis: received`` the online
share is exact over the received dossiers (the published definition), with the default
``basis: all`` over every generated dossier.

Fields are computed column-wise with numpy for a whole batch of indices (``columns``), so
the records of a page and the aggregates of the reporting endpoints come from the same code.
"""
from __future__ import annotations

import json

import random
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from mappings.admin_units import AdminUnits, load_admin_units

from . import people, timeline
from .catalogue import PROCEDURES, level_at
from .clock import SimClock
from .lifecycle import LIFECYCLES, NEVER, LifecycleTable, draw_lifecycles
from .rand import Draws, quota_count, quota_count_array, quota_hits
from .scenario import ProvinceVolume, Scenario
from .timeline import DAY, ReceiptSchedule

OWNER_POOL = 4096  # citizens per province who file dossiers (names come from sandbox.people)
CHUNK = 8192
MAX_COMPONENTS = max(len(p.components) for p in PROCEDURES)
_COMPONENTS = np.array([[n < len(p.components) for n in range(MAX_COMPONENTS)] for p in PROCEDURES])
_REPLACEABLE = np.array([[n < len(p.components) and p.components[n].replaceable_by is not None
                          for n in range(MAX_COMPONENTS)] for p in PROCEDURES])


@dataclass
class Columns:
    """Everything about a batch of dossiers that aggregates need, as numpy arrays."""

    index: np.ndarray
    template: np.ndarray
    receipt: np.ndarray
    status: np.ndarray
    updated: np.ndarray
    finished: np.ndarray      # NgayKetThucXuLy as served (status 9 visible, defects included), else -1
    handed_over: np.ndarray   # time of status 10 if visible, else -1
    due: np.ndarray           # -1 when refused
    refused: np.ndarray
    missing_dates: np.ndarray
    online: np.ndarray
    channel: np.ndarray       # 1 direct, 2 online, 3 postal, 0 missing
    digitised: np.ndarray
    vneid: np.ndarray         # submitter account verified through VNeID
    paid_online: np.ndarray
    reused: np.ndarray        # (n, MAX_COMPONENTS): component replaced by reused data (DuocTaiSuDung)
    from_store: np.ndarray    # (n, MAX_COMPONENTS): component taken from the citizen's store (DuocLayTuKhoDMQG)
    draws: Draws

    @property
    def received(self) -> np.ndarray:
        """Received by the published definition: not refused and placed in time (status 1 never occurs)."""
        return ~self.refused & ~self.missing_dates


class ProvinceDossiers:
    """The dossiers of one province in one scenario, addressable by index."""

    def __init__(self, scenario: Scenario, volume: ProvinceVolume, units: AdminUnits, clock: SimClock):
        self.scenario, self.volume, self.clock = scenario, volume, clock
        self.province = units.provinces[volume.code]
        self.hxx = self.province.dvcqg_code
        self.seed = scenario.seed * 1_000_003 + int(volume.code) * 100_000_007
        self.lifecycles = LifecycleTable(draw_lifecycles(self.seed, LIFECYCLES, scenario.share("refused")))
        self.missing_rate = scenario.defect("missing_receipt_date")
        self.n = self._size()
        self.days = (scenario.period_end - scenario.period_start).days + 1
        self.schedule = ReceiptSchedule(scenario.period_start, self.days, self.n)
        self.communes = [c.code for c in units.communes_of(volume.code)]
        self.old_codes = [c for c in self.province.formed_from if c != volume.code]
        province_rng = random.Random(self.seed)
        self.digitised_rate = province_rng.uniform(0.30, 0.65)  # province-varying (dvc_portal.md, item 11)
        self._owners: list[tuple[str, str] | None] = [None] * OWNER_POOL
        self._agency = f"UBND {self.province.full_name}"

    def __len__(self) -> int:
        return self.n

    # --- sizes and ranks ---------------------------------------------------------------------
    def kept_before(self, n: int) -> int:
        """Dossiers among indices [0, n) whose lifecycle is not a refusal."""
        table = self.lifecycles
        full, rest = divmod(n, table.count)
        return full * table.kept + int(np.count_nonzero(table.kept_residues < rest))

    def received_before(self, n: int) -> int:
        kept = self.kept_before(n)
        return kept - quota_count(kept, self.missing_rate)

    def _size(self) -> int:
        if self.scenario.basis == "all":
            return self.volume.dossiers
        # basis "received": the volume counts received dossiers; add the refused and undated ones
        target, table = self.volume.dossiers, self.lifecycles
        kept = max(target, int(target / (1 - self.missing_rate)) - 2)
        while kept - quota_count(kept, self.missing_rate) < target:
            kept += 1
        last = kept - 1
        return (last // table.kept) * table.count + int(table.kept_residues[last % table.kept]) + 1

    def existing(self, as_of: int | None = None) -> int:
        """Dossiers received by the clock: a prefix of the indices."""
        return self.schedule.count_until(self.clock.now() if as_of is None else as_of)

    # --- columns -------------------------------------------------------------------------------
    def columns(self, index: np.ndarray, as_of: int) -> Columns:
        table = self.lifecycles
        template = index % table.count
        receipt = self.schedule.at(index)
        event_times = receipt[:, None] + table.offsets[template]
        last = (event_times <= as_of).sum(axis=1) - 1
        last = np.maximum(last, 0)  # a dossier asked for before its receipt shows its first event
        rows = np.arange(len(index))
        refused = table.refused[template]
        kept_rank = (index // table.count) * table.kept + table.kept_rank[template]
        missing = ~refused & quota_hits(kept_rank, self.missing_rate)
        if self.scenario.basis == "all":
            online = quota_hits(index, self.volume.online_rate)
        else:
            received_rank = kept_rank - quota_count_array(kept_rank, self.missing_rate)
            online = ~refused & ~missing & quota_hits(received_rank, self.volume.online_rate)
        draws = Draws(self.seed, index)
        roll = draws.uniform(1)
        postal, no_channel = self.scenario.share("postal"), self.scenario.share("no_channel")
        channel = np.where(online, 2, np.where(roll < postal, 3, np.where(roll < postal + no_channel, 0, 1)))
        finished = receipt + table.finished[template]
        finished = np.where((table.finished[template] < NEVER) & (finished <= as_of), finished, -1)
        early = (finished >= 0) & (draws.uniform(13) < self.scenario.defect("finish_before_receipt"))
        handed = receipt + table.handed_over[template]
        due = np.where(refused, -1, receipt + table.due[template])
        procedure = table.procedure[template]
        component_bits = draws.bits(12)
        shifts = np.arange(MAX_COMPONENTS, dtype=np.uint64) * np.uint64(8)
        reuse_roll = (component_bits[:, None] >> shifts) & np.uint64(255)
        store_roll = (component_bits[:, None] >> (shifts + np.uint64(32))) & np.uint64(255)
        return Columns(
            index=index, template=template, receipt=receipt,
            status=table.statuses[template, last], updated=event_times[rows, last],
            finished=np.where(early, receipt - 2 * DAY, finished),
            handed_over=np.where((table.handed_over[template] < NEVER) & (handed <= as_of), handed, -1),
            due=due, refused=refused, missing_dates=missing, online=online, channel=channel,
            digitised=draws.uniform(2) < self.digitised_rate,
            vneid=online & (draws.uniform(8) < 0.8), paid_online=online & (draws.uniform(9) < 0.5),
            reused=_REPLACEABLE[procedure] & (reuse_roll < 77), from_store=_COMPONENTS[procedure] & (store_roll < 26),
            draws=draws)

    # --- records -------------------------------------------------------------------------------
    def _rows(self, index: np.ndarray, as_of: int | None, build) -> list:
        as_of = self.clock.now() if as_of is None else as_of
        index = np.asarray(index, dtype=np.int64)
        if not len(index):
            return []
        cols = self.columns(index, as_of)
        draws = cols.draws
        delay = np.where(cols.online, 300 + draws.below(3, 20 * 3600 - 300), draws.below(3, 15 * 60 + 1))
        submitted = cols.receipt - delay
        day = (cols.receipt - self.schedule.start) // DAY
        first_of_day = self.schedule.count_until(self.schedule.start + day * DAY - 1)
        owner_roll, owner_bits, phone = draws.uniform(4), draws.bits(5), draws.below(6, 10**8)
        subject = np.where(draws.uniform(7) < 0.9, "1", "2")
        old_code = draws.uniform(10) < self.scenario.share("pre_merger_code")
        commune_roll = draws.bits(11)
        nine_digit = self.scenario.defect("nine_digit_owner_id")
        procedures = self.lifecycles.procedure[cols.template]
        columns = (index.tolist(), procedures.tolist(), cols.receipt.tolist(), submitted.tolist(),
                   (index - first_of_day + 1).tolist(), cols.status.tolist(), cols.updated.tolist(),
                   cols.finished.tolist(), cols.handed_over.tolist(), cols.due.tolist(), cols.refused.tolist(),
                   cols.missing_dates.tolist(), cols.online.tolist(), cols.channel.tolist(), cols.digitised.tolist(),
                   owner_roll.tolist(), owner_bits.tolist(), phone.tolist(), subject.tolist(), cols.vneid.tolist(),
                   cols.paid_online.tolist(), old_code.tolist(), commune_roll.tolist(), cols.reused.tolist(),
                   cols.from_store.tolist())
        return [build(nine_digit, *row) for row in zip(*columns)]

    def records(self, index: np.ndarray, as_of: int | None = None) -> list[dict]:
        return self._rows(index, as_of, self._record)

    def records_json(self, index: np.ndarray, as_of: int | None = None) -> list[str]:
        """The same records as ``records``, already JSON text: the fault-free listing's hot path
        skips building dicts only to encode them (``tests/test_sandbox_portal_json.py`` holds the
        two equal)."""
        return self._rows(index, as_of, self._record_json)

    def record(self, i: int) -> dict:
        return self.records(np.array([i]))[0]

    def _record(self, nine_digit, i, procedure_index, receipt, submitted, day_seq, status, updated, finished,
                handed_over, due, refused, missing_dates, online, channel, digitised, owner_roll, owner_bits,
                phone, subject, vneid, paid, old_code, commune_roll, reused, from_store) -> dict:
        text = timeline.text
        procedure = PROCEDURES[procedure_index]
        hxx = self.hxx
        if owner_roll < nine_digit:
            owner_id, owner_name = self._nine_digit_owner(owner_bits)
        else:
            owner_id, owner_name = self._owner(owner_bits % OWNER_POOL)
        receipt_text = "" if missing_dates else text(receipt)
        digitised_flag = "1" if digitised else "0"
        return {
            "MaHoSo": f"{hxx}.{1 + i % 9}-{timeline.text(receipt)[2:8]}-{day_seq:04d}",
            "MaTTHC": self._procedure_code(procedure_index),
            "TenTTHC": procedure.name,
            "MaLinhVuc": procedure.field_code,
            "TenLinhVuc": procedure.field_name,
            "KenhThucHien": _CHANNEL_TEXT[channel],
            "SoGiayToChuHoSo": owner_id,
            "ChuHoSo": owner_name,
            "LoaiDoiTuong": subject,
            "SoDienThoai": f"09{phone:08d}",
            "Email": "",
            "TrichYeuHoSo": f"{procedure.name} - hồ sơ số {i + 1}",
            "NgayNopHoSo": "" if missing_dates else text(submitted),
            "NgayTiepNhan": "" if refused else receipt_text,
            "NgayHenTra": "" if refused else text(due),
            "TrangThaiHoSo": _STATUS_TEXT[status],
            "NgayKetThucXuLy": text(finished) if finished >= 0 else "",
            "NgayTra": text(handed_over) if handed_over >= 0 else "",
            "NgayTuChoi": text(updated) if refused else "",
            "DonViXuLy": self._agency,
            "NoiNopHoSo": "1" if online else "2",
            "HoSoCoThanhPhanSoHoa": digitised_flag,
            "TaiKhoanDuocXacThucVoiVNeID": "1" if vneid else "0",
            "DuocThanhToanTrucTuyen": "1" if paid else "0",
            "MaTinh": self.old_codes[(commune_roll >> 40) % len(self.old_codes)] if old_code and self.old_codes else self.province.code,
            "MaXa": self._commune(procedure_index, online, commune_roll),
            "NgayCapNhat": text(updated),
            "DinhDanhCHS": [{"LoaiDinhDanh": "1" if len(owner_id) == 12 else "2", "SoDinhDanh": owner_id}],
            "TaiLieuNop": self._attachments(procedure_index, i, digitised_flag, reused, from_store),
        }

    def _record_json(self, nine_digit, i, procedure_index, receipt, submitted, day_seq, status, updated, finished,
                     handed_over, due, refused, missing_dates, online, channel, digitised, owner_roll, owner_bits,
                     phone, subject, vneid, paid, old_code, commune_roll, reused, from_store) -> str:
        # Mirrors _record field for field. Every dynamic value is digits, codes or a name from the
        # fixed name lists (no quote, backslash or control character), so it needs no escaping;
        # the static texts were JSON-encoded once per procedure.
        text = timeline.text
        static = self._json_static[procedure_index]
        if owner_roll < nine_digit:
            owner_id, owner_name = self._nine_digit_owner(owner_bits)
        else:
            owner_id, owner_name = self._owner(owner_bits % OWNER_POOL)
        receipt_text = text(receipt)
        shown_receipt = "" if missing_dates else receipt_text
        digitised_flag = "1" if digitised else "0"
        province = (self.old_codes[(commune_roll >> 40) % len(self.old_codes)]
                    if old_code and self.old_codes else self.province.code)
        id_prefix = f"{self.hxx}-{i}-"
        url_prefix = f"https://dichvucong.example/tep/{self.hxx}/{i}/"
        attachments = ",".join(
            f'{{"TepDinhKemId":"{id_prefix}{n}",{name_and_code},"DuongDanTaiTepTin":"{url_prefix}{n}",'
            f'"DuocSoHoa":"{digitised_flag}","DuocTaiSuDung":"{"1" if reused[n] else "0"}",'
            f'"DuocLayTuKhoDMQG":"{"1" if from_store[n] else "0"}"}}'
            for n, name_and_code in enumerate(static["attachments"]))
        return (
            f'{{"MaHoSo":"{self.hxx}.{1 + i % 9}-{receipt_text[2:8]}-{day_seq:04d}",{static["head"]},'
            f'"KenhThucHien":"{_CHANNEL_TEXT[channel]}","SoGiayToChuHoSo":"{owner_id}","ChuHoSo":"{owner_name}",'
            f'"LoaiDoiTuong":"{subject}","SoDienThoai":"09{phone:08d}","Email":"",'
            f'"TrichYeuHoSo":{static["summary"]}{i + 1}",'
            f'"NgayNopHoSo":"{"" if missing_dates else text(submitted)}",'
            f'"NgayTiepNhan":"{"" if refused else shown_receipt}","NgayHenTra":"{"" if refused else text(due)}",'
            f'"TrangThaiHoSo":"{_STATUS_TEXT[status]}",'
            f'"NgayKetThucXuLy":"{text(finished) if finished >= 0 else ""}",'
            f'"NgayTra":"{text(handed_over) if handed_over >= 0 else ""}",'
            f'"NgayTuChoi":"{text(updated) if refused else ""}",{static["agency"]},'
            f'"NoiNopHoSo":"{"1" if online else "2"}","HoSoCoThanhPhanSoHoa":"{digitised_flag}",'
            f'"TaiKhoanDuocXacThucVoiVNeID":"{"1" if vneid else "0"}",'
            f'"DuocThanhToanTrucTuyen":"{"1" if paid else "0"}","MaTinh":"{province}",'
            f'"MaXa":"{self._commune(procedure_index, online, commune_roll)}","NgayCapNhat":"{text(updated)}",'
            f'"DinhDanhCHS":[{{"LoaiDinhDanh":"{"1" if len(owner_id) == 12 else "2"}","SoDinhDanh":"{owner_id}"}}],'
            f'"TaiLieuNop":[{attachments}]}}'
        )

    @cached_property
    def _json_static(self) -> list[dict]:
        def q(value: str) -> str:
            return json.dumps(value, ensure_ascii=False)

        tables = []
        for index, procedure in enumerate(PROCEDURES):
            tables.append({
                "head": (f'"MaTTHC":{q(self._procedure_code(index))},"TenTTHC":{q(procedure.name)},'
                         f'"MaLinhVuc":{q(procedure.field_code)},"TenLinhVuc":{q(procedure.field_name)}'),
                "summary": q(f"{procedure.name} - hồ sơ số ")[:-1],  # the number follows, then the quote
                "agency": f'"DonViXuLy":{q(self._agency)}',
                "attachments": [f'"TenTepDinhKem":{q(c.name)},"IsDeleted":"0","MaThanhPhanHoSo":{q(c.code)}'
                                for c in procedure.components],
            })
        return tables

    def _attachments(self, procedure_index: int, i: int, digitised_flag: str, reused, from_store) -> list[dict]:
        # Copies of per-procedure templates (the hot path of a page: three or four per dossier).
        id_prefix = f"{self.hxx}-{i}-"
        url_prefix = f"https://dichvucong.example/tep/{self.hxx}/{i}/"
        attachments = []
        for n, template in enumerate(self._attachment_templates[procedure_index]):
            attachment = template.copy()
            attachment["TepDinhKemId"] = id_prefix + _DIGITS[n]
            attachment["DuongDanTaiTepTin"] = url_prefix + _DIGITS[n]
            attachment["DuocSoHoa"] = digitised_flag
            attachment["DuocTaiSuDung"] = "1" if reused[n] else "0"
            attachment["DuocLayTuKhoDMQG"] = "1" if from_store[n] else "0"
            attachments.append(attachment)
        return attachments

    @cached_property
    def _attachment_templates(self) -> list[list[dict]]:
        return [[{"TepDinhKemId": "", "TenTepDinhKem": component.name, "IsDeleted": "0",
                  "MaThanhPhanHoSo": component.code, "DuongDanTaiTepTin": "", "DuocSoHoa": "",
                  "DuocTaiSuDung": "", "DuocLayTuKhoDMQG": ""} for component in procedure.components]
                for procedure in PROCEDURES]

    # --- per-province tables -------------------------------------------------------------------
    @cached_property
    def _procedure_codes(self) -> list[str]:
        return [p.code.replace("H00", self.hxx) for p in PROCEDURES]

    def _procedure_code(self, procedure_index: int) -> str:
        return self._procedure_codes[procedure_index]

    @cached_property
    def online_communes(self) -> list[list[str]]:
        """Per procedure, the communes where it is offered online (level 3 or 4): online dossiers come from these."""
        tables = []
        for procedure in PROCEDURES:
            offered = [c for c in self.communes if level_at(procedure, c) >= 3]
            tables.append(offered or self.communes)
        return tables

    def _commune(self, procedure_index: int, online: bool, roll: int) -> str:
        choices = self.online_communes[procedure_index] if online else self.communes
        return choices[roll % len(choices)]

    def _owner(self, slot: int) -> tuple[str, str]:
        # A pool of citizens per province: people.citizen() costs ~10 us, far too much per dossier.
        owner = self._owners[slot]
        if owner is None:
            rng = random.Random(self.seed * 31 + slot)
            personal_id = people.new_personal_id(rng, rng.choice(self.province.formed_from),
                                                 rng.randint(1950, 2007), rng.randint(1, 2))
            owner = self._owners[slot] = (personal_id, people.citizen(personal_id).full_name)
        return owner

    @staticmethod
    def _nine_digit_owner(bits: int) -> tuple[str, str]:
        """A legacy 9-digit card: not in the population DB, so the name is drawn here."""
        names = (people.FAMILY_NAMES, people.MIDDLE_MALE, people.GIVEN_MALE)
        parts = [choices[(bits >> (8 * k + 32)) % len(choices)] for k, choices in enumerate(names)]
        return f"{bits % 10**9:09d}", " ".join(parts)

    def index_chunks(self, stop: int | None = None):
        stop = self.n if stop is None else stop
        for start in range(0, stop, CHUNK):
            yield np.arange(start, min(start + CHUNK, stop), dtype=np.int64)


_CHANNEL_TEXT = {0: "", 1: "1", 2: "2", 3: "3"}
_DIGITS = [str(n) for n in range(64)]
_STATUS_TEXT = {s: str(s) for s in range(1, 11)}


class PortalData:
    """All provinces of a scenario, keyed by the portal's department code (Hxx), on one clock."""

    def __init__(self, scenario: Scenario, units: AdminUnits | None = None, clock: SimClock | None = None):
        units = units or load_admin_units()
        self.scenario = scenario
        self.clock = clock or SimClock(scenario.as_of, scenario.clock_speed)
        self.provinces = {
            units.provinces[v.code].dvcqg_code: ProvinceDossiers(scenario, v, units, self.clock)
            for v in scenario.provinces
        }

    def all_records(self):
        """Every dossier that exists at the clock's time, province by province, in index order."""
        for hxx in self.provinces:
            yield from self.records_of(hxx)

    def records_of(self, hxx: str):
        as_of, dossiers = self.clock.now(), self.provinces[hxx]
        for chunk in dossiers.index_chunks(dossiers.existing(as_of)):
            for record in dossiers.records(chunk, as_of):
                yield hxx, record
