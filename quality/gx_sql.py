"""Expectations validated by Great Expectations itself, on its SQL data sources in the warehouse.

For the expectation types quality/sql_checks.py does not translate into grouped SQL. A day
partition is one batch: a query asset selecting that day, so PostgreSQL can use the index on the
partition column (GE's daily batch definition filters on year/month/day extracted from it, which
no index serves). GE pays a few seconds per batch at national scale, so this path is for the
odd expectation, not for whole suites; tests hold the grouped SQL equal to it.
"""
from __future__ import annotations

from datetime import date
from typing import Iterable, Sequence

import great_expectations as gx
from great_expectations.data_context.types.base import ProgressBarsConfig
from sqlalchemy import Engine, Table, select

from quality.contract import Counts, ExpectationOutcome, PartitionResult, outcome

Numbered = Sequence[tuple[int, gx.expectations.Expectation]]


class GxValidationError(RuntimeError):
    """GE could not compute an expectation (its metric query failed)."""


def _data_source(context, engine: Engine):
    url = engine.url.render_as_string(hide_password=False)
    backend = engine.url.get_backend_name()
    if backend == "postgresql":
        return context.data_sources.add_postgres("warehouse", connection_string=url)
    if backend == "sqlite":
        return context.data_sources.add_sqlite("warehouse", connection_string=url)
    return context.data_sources.add_sql("warehouse", connection_string=url)


def _context():
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def _suite(context, name: str, numbered: Numbered):
    suite = context.suites.add(gx.ExpectationSuite(name=name))
    numbers = {}
    for number, expectation in numbered:
        added = suite.add_expectation(expectation.copy(update={"id": None}))  # the caller's objects stay unbound
        numbers[added.id] = (number, expectation)
    return suite, numbers


def _answers(validation, numbers: dict):
    """(number, expectation, success, stats) per result, in suite order; a GE failure raises."""
    answers = []
    for result in validation.results:
        number, expectation = numbers[result.expectation_config.id]
        if result.exception_info and result.exception_info.get("raised_exception"):
            raise GxValidationError(f"{expectation.expectation_type}: {result.exception_info.get('exception_message')}")
        answers.append((number, expectation, bool(result.success), result.result or {}))
    return sorted(answers, key=lambda a: a[0])


def _counts(stats: dict) -> Counts | None:
    """GE's counts of a map expectation: judged rows = element_count - missing_count."""
    if "element_count" not in stats:
        return None
    element, missing = stats["element_count"], stats.get("missing_count")
    return Counts(element, element - missing if missing is not None else element, stats.get("unexpected_count") or 0)


def validate_partitions(engine: Engine, table: Table, partition_column: str, days: Iterable[date],
                        numbered: Numbered) -> dict[date, list[PartitionResult]]:
    """Each day a batch of its own, validated by GE against the given expectations."""
    days = list(days)
    if not numbered or not days:
        return {}
    context = _context()
    source = _data_source(context, engine)
    suite, numbers = _suite(context, f"{table.name}-partition", numbered)
    answers = {}
    for day in days:
        query = select(table).where(table.c[partition_column] == day)
        sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
        asset = source.add_query_asset(f"{table.name}-{day.isoformat()}", query=sql)
        definition = context.validation_definitions.add(gx.ValidationDefinition(
            name=f"{table.name}-{day.isoformat()}", data=asset.add_batch_definition_whole_table("day"), suite=suite))
        answers[day] = [PartitionResult(number, success, _counts(stats))
                        for number, _, success, stats in _answers(definition.run(result_format="BASIC"), numbers)]
    return answers


def validate_table(engine: Engine, table: Table, numbered: Numbered) -> list[ExpectationOutcome]:
    """The whole table as one batch, validated by GE against the given expectations."""
    if not numbered:
        return []
    context = _context()
    asset = _data_source(context, engine).add_table_asset(table.name, table_name=table.name)
    suite, numbers = _suite(context, f"{table.name}-whole", numbered)
    definition = context.validation_definitions.add(gx.ValidationDefinition(
        name=f"{table.name}-whole", data=asset.add_batch_definition_whole_table("whole"), suite=suite))
    return [outcome(number, expectation, success, _counts(stats), observed_value=stats.get("observed_value"))
            for number, expectation, success, stats in _answers(definition.run(result_format="BASIC"), numbers)]
