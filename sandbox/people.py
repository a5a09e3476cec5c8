"""The simulated population: every citizen is a pure function of their 12-digit personal ID.

Any simulator that mentions a person (portal dossiers, population DB, land, civil status,
insurance) derives name, sex and birth date from the ID here, so the systems agree with each
other the way the real ones do. IDs follow the real structure (population_db.md section 2):
PPP (0 + pre-merger province of birth registration) G (century + sex) YY (birth year) RRRRRR.
No real personal data is used: every ID and name is generated.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

FAMILY_NAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
                "Hồ", "Ngô", "Dương", "Lý")
MIDDLE_MALE = ("Văn", "Hữu", "Đức", "Minh", "Quang", "Xuân", "Thanh", "Gia")
MIDDLE_FEMALE = ("Thị", "Ngọc", "Thu", "Thanh", "Hoài", "Minh", "Kim", "Mai")
GIVEN_MALE = ("An", "Bình", "Dũng", "Giang", "Hải", "Hùng", "Khánh", "Long", "Nam", "Phúc", "Quân", "Sơn",
              "Tuấn", "Tâm", "Thắng", "Việt")
GIVEN_FEMALE = ("Chi", "Hà", "Hạnh", "Hương", "Lan", "Linh", "Mai", "Nga", "Thảo", "Trang", "Vy", "Yến",
                "Ngân", "Phương", "Quỳnh", "Tuyết")


@dataclass(frozen=True)
class Citizen:
    personal_id: str
    family_name: str
    middle_name: str
    given_name: str
    sex: int  # 1 male, 2 female (the population DB's GioiTinh)
    birth_date: date
    birth_province_old: str  # pre-merger GSO code of birth registration

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.middle_name} {self.given_name}"


def new_personal_id(rng: random.Random, birth_province_old: str, year: int, sex: int) -> str:
    """A structurally valid 12-digit personal ID; ``sex`` 1 male, 2 female."""
    century = (year // 100) - 19
    gender_digit = century * 2 + (sex - 1)
    return f"0{birth_province_old}{gender_digit}{year % 100:02d}{rng.randrange(10**6):06d}"


def parse_personal_id(personal_id: str) -> tuple[str, int, int] | None:
    """(pre-merger province code, sex, birth year) of a well-formed domestic ID, else None."""
    if len(personal_id) != 12 or not personal_id.isdigit() or personal_id[0] != "0":
        return None
    gender_digit = int(personal_id[3])
    year = (19 + gender_digit // 2) * 100 + int(personal_id[4:6])
    return personal_id[1:3], 1 + gender_digit % 2, year


def citizen(personal_id: str) -> Citizen | None:
    parsed = parse_personal_id(personal_id)
    if parsed is None:
        return None
    province, sex, year = parsed
    rng = random.Random(int(personal_id) * 2_654_435_761 + 97)
    male = sex == 1
    birth = date(year, rng.randint(1, 12), rng.randint(1, 28))
    return Citizen(
        personal_id=personal_id,
        family_name=rng.choice(FAMILY_NAMES),
        middle_name=rng.choice(MIDDLE_MALE if male else MIDDLE_FEMALE),
        given_name=rng.choice(GIVEN_MALE if male else GIVEN_FEMALE),
        sex=sex,
        birth_date=birth,
        birth_province_old=province,
    )


# --- Extended profile: what the population DB holds beyond the core identity -----------------
# Derived from the ID with a salt of its own, so ``citizen()`` above is untouched.

def _profile_rng(personal_id: str, salt: int) -> random.Random:
    return random.Random(int(personal_id) * 40_503 + salt * 1_000_000_007)


def known_province_prefix(personal_id: str) -> bool:
    """Digits 2-3 name one of the 63 pre-merger provinces (population_db.md section 2.1)."""
    from .old_units import old_communes_by_province

    return personal_id[1:3] in old_communes_by_province()


def valid_personal_id(personal_id: str, today: date) -> bool:
    """Structure, province table and a birth year not in the future (population_db.md section 2)."""
    parsed = parse_personal_id(personal_id)
    return parsed is not None and known_province_prefix(personal_id) and parsed[2] <= today.year


def in_population_db(personal_id: str, missing_share: float = 0.03) -> bool:
    """Whether a well-formed ID is registered: a fixed share of generated IDs is not (not-found answers)."""
    return _profile_rng(personal_id, 1).random() >= missing_share


def old_id_card(personal_id: str) -> str:
    """The legacy 9-digit CMND number; empty for people who never had one (born 2000 or later)."""
    parsed = parse_personal_id(personal_id)
    if parsed is None or parsed[2] >= 2000:
        return ""
    return f"{_profile_rng(personal_id, 2).randrange(10**8, 10**9):09d}"


def permanent_residence(personal_id: str):
    """The pre-merger commune of permanent residence (an ``old_units.OldCommune``).

    Most people live in the province where their birth was registered; one in five moved.
    """
    from .old_units import old_communes, old_communes_by_province

    rng = _profile_rng(personal_id, 3)
    province = personal_id[1:3]
    provinces = sorted(old_communes_by_province())
    if province not in provinces or rng.random() < 0.2:
        province = rng.choice(provinces)
    return rng.choice(old_communes(province))


def street_detail(personal_id: str) -> str:
    rng = _profile_rng(personal_id, 4)
    return f"Số {rng.randint(1, 250)}, tổ {rng.randint(1, 30)}"


def parent_names(personal_id: str) -> tuple[str, str] | None:
    """(father, mother) full names; the father shares the family name."""
    person = citizen(personal_id)
    if person is None:
        return None
    rng = _profile_rng(personal_id, 5)
    father = f"{person.family_name} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}"
    mother = f"{rng.choice(FAMILY_NAMES)} {rng.choice(MIDDLE_FEMALE)} {rng.choice(GIVEN_FEMALE)}"
    return father, mother


def random_adult_id(rng: random.Random, birth_provinces, first_year: int = 1950, last_year: int = 2005) -> str:
    """A new personal ID for a generated adult, born in one of ``birth_provinces`` (pre-merger codes)."""
    return new_personal_id(rng, rng.choice(list(birth_provinces)), rng.randint(first_year, last_year),
                           rng.randint(1, 2))
