"""Building blocks the sectoral generators share: where records live and when they change."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time

from mappings.admin_units import Province, load_admin_units

from .http import local
from .old_units import old_communes
from .scenario import Scenario


class Geography:
    """The provinces of a scenario and their (post-merger) communes."""

    def __init__(self, scenario: Scenario):
        units = load_admin_units()
        self.provinces: list[Province] = [units.provinces[v.code] for v in scenario.provinces]
        self.communes = {p.code: list(units.communes_of(p.code)) for p in self.provinces}

    def pick(self, rng: random.Random):
        """(province, commune) drawn uniformly by province, then by commune."""
        province = rng.choice(self.provinces)
        return province, rng.choice(self.communes[province.code])

    @staticmethod
    def old_commune_code(rng: random.Random, province: Province) -> str:
        """A pre-merger 5-digit commune code inside one of the old provinces the new one absorbed."""
        return rng.choice(old_communes(rng.choice(province.formed_from))).code


@dataclass(frozen=True)
class Period:
    """Working hours of a scenario period, local time, so a fraction maps to a moment inside it."""

    start: datetime
    end: datetime

    @classmethod
    def of(cls, scenario: Scenario) -> "Period":
        return cls(local(scenario.period_start, time(7, 30)), local(scenario.period_end, time(17, 0)))

    def at(self, fraction: float) -> datetime:
        return (self.start + (self.end - self.start) * fraction).replace(microsecond=0)

    def ordered(self, seed: int, i: int, count: int) -> datetime:
        """The moment of item ``i`` of ``count``: monotone in i, jittered inside its slot."""
        return self.at((i + random.Random(seed * 31 + i).random()) / count)


def random_date(rng: random.Random, first_year: int, last_year: int) -> date:
    return date(rng.randint(first_year, last_year), rng.randint(1, 12), rng.randint(1, 28))
