"""The registry of rule types: each type's name, the options it declares, and its converter builder.

A converter is built once per field rule, when the mapping loads, and then called once per
record: ``convert(record, row, context) -> (value, error)``, where ``row`` holds the values of the
rules before it and ``context`` the batch's clock (and, for a child row, its parent's row). The
error is one message or None. Adding a rule type is one function registered with ``@rule_type``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

if TYPE_CHECKING:
    from mappings.declaration import FieldRule


class MappingError(ValueError):
    """The mapping file itself is wrong (not the data)."""


class Context(NamedTuple):
    """What a converter sees beyond its record: the batch's clock, a child row's parent row, and the
    listing the batch came from (a source partition, such as the portal's province code)."""

    utc_now: datetime  # "in the future" means later than this
    local_today: datetime  # midnight starting the local day, naive (for dates)
    parent: dict | None = None
    listing: str | None = None


Converter = Callable[[dict, dict, Context], tuple[Any, "str | None"]]


@dataclass(frozen=True)
class Scope:
    """What a rule may refer to: the rules declared before it, and the parent's output fields (for a
    child). A rule parsed on its own has no context yet: its references are checked later."""

    earlier: dict[str, "FieldRule"]
    parent: dict[str, "FieldRule"]
    checks_references: bool = True

    def earlier_of_type(self, rule: "FieldRule", option: str, types: tuple[str, ...]) -> str:
        name = rule.options[option]
        found = self.earlier.get(name)
        if self.checks_references and (found is None or found.type not in types):
            raise MappingError(f"{option}: {name!r} must name an earlier field of type {' or '.join(types)}")
        return name

    def parent_field(self, rule: "FieldRule", option: str) -> str:
        name = rule.options[option]
        if self.checks_references and name not in self.parent:
            where = "the parent's output fields" if self.parent else "a parent: only child mappings have one"
            raise MappingError(f"{option}: {name!r} is not one of {where}")
        return name


UNRESOLVED = Scope({}, {}, checks_references=False)


@dataclass(frozen=True)
class RuleType:
    name: str
    build: Callable[["FieldRule", Scope], Converter]
    options: tuple[str, ...]  # keys a rule of this type may carry beyond the common ones
    required_options: tuple[str, ...]
    reads_source: bool  # True: the rule names its source field(s) with ``from``


RULE_TYPES: dict[str, RuleType] = {}


def rule_type(name: str, *, options: tuple[str, ...] = (), required: tuple[str, ...] = (), reads_source: bool = True):
    """Register the decorated builder as the converter of rule type ``name``."""

    def register(build: Callable[["FieldRule", Scope], Converter]):
        if name in RULE_TYPES:
            raise ValueError(f"rule type {name!r} registered twice")
        RULE_TYPES[name] = RuleType(name, build, tuple(options) + tuple(required), tuple(required), reads_source)
        return build

    return register
