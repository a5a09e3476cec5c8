"""Expectation suites, one per canonical dataset, each expectation tagged with its dimension."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

import great_expectations as gx


@dataclass(frozen=True)
class DatasetSuite:
    """A suite and how its dataset is partitioned: by a local-day column, changes seen in a load-time column."""
    dataset: str
    name: str
    partition_column: str  # a DATE column: the local (Asia/Ho_Chi_Minh) day of the record
    change_column: str  # stamped by every load that writes a row (lineage ``loaded_at``)
    expectations: Callable[[datetime], list[gx.expectations.Expectation]]  # built for the check time
