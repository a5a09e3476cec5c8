"""Expectation suites, one per canonical dataset, each expectation tagged with its dimension.

A suite names the warehouse table it reads (or builds a selection over the tables, e.g. one
source's rows of a shared table, or attachments with their dossier's day and commune), how the
data is cut into day partitions and which columns name the source, province and commune its
scores are given for. quality/ never imports the hub: the caller hands the tables in.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Mapping

import great_expectations as gx
from sqlalchemy import ColumnElement, Date, FromClause, Table, func

from quality.suites.texts import Values, expectation_texts

Tables = Mapping[str, Table]


@dataclass(frozen=True)
class DatasetSuite:
    """A suite and how its dataset is partitioned: by a local-day column, changes seen in a load-time column."""
    dataset: str
    name: str
    partition_column: str  # a DATE column: the local (Asia/Ho_Chi_Minh) day of the record
    change_column: str  # stamped by every load that writes a row (lineage ``loaded_at``)
    expectations: Callable[[datetime], list[gx.expectations.Expectation]]  # built for the check time
    table: str | None = None  # the warehouse table read; None: the table named like the dataset
    selection: Callable[[Tables], FromClause] | None = None  # rows and columns read instead of ``table``
    source_column: str | None = "source"  # the column naming the source system, else ``source``
    source: str = ""  # the source of every row when there is no source column
    province_column: str | None = "province_code"  # None: the dataset has no province
    commune_column: str | None = "commune_code"  # None: the dataset has no commune
    quarantine_streams: tuple[tuple[str, str], ...] = ()  # (source, stream) whose rejects count against it
    key_column: str | None = None  # names a row in examples; None: the table's one-column primary key

    def data(self, tables: Tables) -> FromClause:
        """What the suite reads, given the warehouse's tables by name."""
        if self.selection is not None:
            return self.selection(tables)
        return tables[self.table or self.dataset]


def tagged(expectation: gx.expectations.Expectation, dimension: str, text: str, *, critical: bool = False,
           values: Values | None = None) -> gx.expectations.Expectation:
    """An expectation with its dimension, whether a failure stops publishing (``critical``) and, from
    texts.yaml entry ``text`` (``${name}`` filled from ``values``), its plain descriptions and what the
    locality should do when it fails."""
    texts = expectation_texts(text, values)
    expectation.meta = {"dimension": dimension, "description_vi": texts["description_vi"],
                        "description_en": texts["description_en"], "critical": critical,
                        "action_vi": texts["action_vi"], "action_en": texts["action_en"]}
    return expectation


# Stand-ins typed to get past a required field: not a value.
PLACEHOLDERS = ["N/A", "NA", "0", "00000", "000000", "Chưa có", "chua co", "-", ""]
# The heat-map colours the monitoring system's statuses take.
STATUS_COLOURS = ["green", "yellow", "red"]


def present(column: str, text: str, *, values: Values | None = None, **kwargs) -> gx.expectations.Expectation:
    """Đủ: the column is filled in (in at least a share ``mostly`` of the rows, when given)."""
    return tagged(gx.expectations.ExpectColumnValuesToNotBeNull(column=column, **kwargs), "du", text, values=values)


def no_rows_where(query: str, dimension: str, text: str, *,
                  values: Values | None = None) -> gx.expectations.Expectation:
    """Every row the query (``SELECT * FROM {batch} WHERE …``) finds fails; quality/sql_checks.py counts them."""
    return tagged(gx.expectations.UnexpectedRowsExpectation(unexpected_rows_query=query), dimension, text,
                  values=values)


def not_placeholder(column: str, text: str) -> gx.expectations.Expectation:
    """Sạch: the column holds a real value, not one of the PLACEHOLDERS."""
    return tagged(gx.expectations.ExpectColumnValuesToNotBeInSet(column=column, value_set=PLACEHOLDERS), "sach", text)


def status_colour(column: str, text: str) -> gx.expectations.Expectation:
    """Đúng: a reported status is one of the STATUS_COLOURS."""
    return tagged(gx.expectations.ExpectColumnValuesToBeInSet(column=column, value_set=STATUS_COLOURS), "dung", text)


def day_of(timestamp: ColumnElement) -> ColumnElement:
    """The (UTC) date of a stored timestamp, as a DATE on SQLite and PostgreSQL: datasets without a day
    column of their own are partitioned by the day they were last updated."""
    return func.date(timestamp, type_=Date)
