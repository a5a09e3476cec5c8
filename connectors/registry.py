"""Behaviour chosen by name: source kinds, paginators, incremental styles each register in a table."""
from __future__ import annotations

from typing import Callable, TypeVar

Item = TypeVar("Item")


def registrar(table: dict[str, Item]) -> Callable[..., Callable[[Item], Item]]:
    """A decorator factory: ``@registers("name", "other")`` puts the decorated object in ``table``."""

    def registers(*names: str) -> Callable[[Item], Item]:
        def register(item: Item) -> Item:
            for name in names:
                table[name] = item
            return item

        return register

    return registers
