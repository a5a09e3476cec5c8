"""The base of every YAML declaration (sectoral sources, mappings, scenarios): typed pydantic models
that refuse unknown keys, naming the file, the key's place and the nearest valid name.

pydantic's own ``extra="forbid"`` says only "extra inputs are not permitted"; a before-validator on
the base class checks the keys first, so a misspelt ``recrods_field`` reads
``sources.yaml: sources.land_registry: unknown key 'recrods_field' (did you mean 'records_field'?)``.
"""
from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Iterable, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

Model = TypeVar("Model", bound=BaseModel)


def nearest(key: Any, valid: Iterable[str], what: str = "keys") -> str:
    """' (did you mean 'x'?)', or the list of valid names when none is close."""
    valid = tuple(valid)
    close = difflib.get_close_matches(str(key), valid, n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (valid {what}: {', '.join(valid)})"


class StrictModel(BaseModel):
    """A declaration section: every key is declared, values are checked, instances are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys_only(cls, data: Any) -> Any:
        if isinstance(data, dict):
            valid = [field.alias or name for name, field in cls.model_fields.items()]
            for key in data:
                if key not in valid and key not in cls.model_fields:
                    raise ValueError(f"unknown key {key!r}{nearest(key, valid)}")
        return data


def describe(error: ValidationError) -> str:
    """Each problem as "place: message", the place a dotted path into the document."""
    lines = []
    for problem in error.errors(include_url=False):
        place = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "missing":
            message = f"missing key {problem['loc'][-1]!r}"
            place = ".".join(str(part) for part in problem["loc"][:-1])
        lines.append(f"{place}: {message}" if place else message)
    return "; ".join(dict.fromkeys(lines))


def validate(model: type[Model], data: Any, source: str | Path | None, error: type[Exception] = ValueError) -> Model:
    """``model`` from parsed YAML, or ``error`` naming ``source`` (the file, unless the caller adds
    it) and every problem."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error(f"{source}: {describe(exc)}" if source else describe(exc)) from None


def load(model: type[Model], path: Path, error: type[Exception] = ValueError) -> Model:
    """Read and validate one YAML declaration file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML ({exc})") from None
    return validate(model, data, path, error)
