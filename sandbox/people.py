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
