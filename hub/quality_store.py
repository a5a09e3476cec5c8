"""Quality checks as the warehouse keeps them: what each partition's last check saw, and every run.

quality/ computes and returns results; this module reads the partitions' previous records for it
and stores what it returns in one transaction (a run that fails half-way stores nothing, so the
next run checks the same partitions again).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable

from sqlalchemy import Connection, Engine, FromClause, delete, func, insert, select

from hub.warehouse.schema import (dossier, metadata, metric_data_quality, quality_partition, quality_partition_result,
                                  quality_result, quality_run, quarantine)
from quality.contract import Counts, ExpectationOutcome, PartitionResult
from quality.run import PartitionRecord, QualityOutcome, check_dataset
from quality.scores import UnitScore, mask_examples
from quality.fingerprint import Fingerprint
from quality.suites import DatasetSuite
from quality.suites.catalog import SUITES
from quality.suites.dossiers import DOSSIER_SUITE
from quality import unit_counts


def check(engine: Engine, table: FromClause, suite: DatasetSuite, now: datetime | None = None) -> QualityOutcome:
    """Check and store on one connection: the scores are inserted from the check's temporary table."""
    with engine.connect() as conn:
        previous = read_partitions(conn, suite.dataset)
        outcome = check_dataset(conn, table, suite, previous, now, quarantine)
        conn.commit()  # the reads end; the store is a transaction of its own
        with conn.begin():
            store(conn, outcome)
            unit_counts.discard(conn)  # (left behind by a failed store, the next check replaces it)
    return outcome


def check_dossiers(engine: Engine, now: datetime | None = None) -> QualityOutcome:
    return check(engine, dossier, DOSSIER_SUITE, now)


@dataclass(frozen=True)
class QualityChecks:
    """Every dataset's check of one run, read like one outcome by the CLI (results, rows, success)."""
    outcomes: tuple[QualityOutcome, ...]

    def of(self, dataset: str) -> QualityOutcome:
        return next(o for o in self.outcomes if o.dataset == dataset)

    @property
    def checked(self) -> list[QualityOutcome]:
        return [o for o in self.outcomes if o.not_checked is None]

    @property
    def results(self) -> list[ExpectationOutcome]:
        return [r for o in self.outcomes for r in o.results]

    @property
    def rows_checked(self) -> int:
        return sum(o.rows_checked for o in self.outcomes)

    @property
    def rechecked(self) -> dict:
        return {(o.dataset, day): record for o in self.outcomes for day, record in o.rechecked.items()}

    @property
    def partitions(self) -> int:
        return sum(o.partitions for o in self.outcomes)

    @property
    def success(self) -> bool:
        return all(o.success for o in self.outcomes)

    @property
    def run_id(self) -> str:
        return ", ".join(o.run_id for o in self.checked) or "–"

    @property
    def critical_failures(self) -> list[tuple[str, ExpectationOutcome]]:
        return [(o.dataset, r) for o in self.outcomes for r in o.critical_failures]


def check_all(engine: Engine, suites: Iterable[DatasetSuite] = SUITES, now: datetime | None = None) -> QualityChecks:
    """Every dataset's suite, each re-checking only the days whose data changed."""
    return QualityChecks(tuple(check(engine, suite.data(metadata.tables), suite, now) for suite in suites))


def _one_writer_at_a_time(conn: Connection, dataset: str) -> None:
    """Checks may end together (one per source DAG): their delete-then-insert of the same days must not
    interleave. SQLite serialises writers already; PostgreSQL takes a lock until the transaction ends."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"quality_partition:{dataset}"))))


def read_partitions(conn: Connection, dataset: str) -> dict[date, PartitionRecord]:
    results: dict[date, list[PartitionResult]] = {}
    for r in conn.execute(select(quality_partition_result).where(quality_partition_result.c.dataset == dataset)
                          .order_by(quality_partition_result.c.partition_date,
                                    quality_partition_result.c.expectation_no)).mappings():
        results.setdefault(r["partition_date"], []).append(PartitionResult(
            r["expectation_no"], r["success"], Counts(r["element_count"], r["considered_count"], r["unexpected_count"]),
            r["example_key"]))
    return {p["partition_date"]: PartitionRecord(Fingerprint.of(p["row_count"], p["changed_at"]), p["suite_version"],
                                                 tuple(results.get(p["partition_date"], ())))
            for p in conn.execute(select(quality_partition).where(quality_partition.c.dataset == dataset)).mappings()}


def store(conn: Connection, outcome: QualityOutcome) -> None:
    _one_writer_at_a_time(conn, outcome.dataset)
    conn.execute(insert(quality_run).values(
        run_id=outcome.run_id, dataset=outcome.dataset, suite=outcome.suite, run_at=outcome.checked_at,
        rows_checked=outcome.rows_checked, success=outcome.success, expectations=len(outcome.results),
        expectations_passed=sum(r.success for r in outcome.results), not_checked=outcome.not_checked))
    if outcome.results:
        conn.execute(insert(quality_result), [{
            "run_id": outcome.run_id, "expectation_no": r.expectation_no, "dimension": r.dimension,
            "expectation_type": r.expectation_type, "column_name": r.column_name,
            "description_vi": r.description_vi, "description_en": r.description_en, "success": r.success,
            "element_count": r.element_count, "unexpected_count": r.unexpected_count,
            "unexpected_percent": r.unexpected_percent, "observed_value": r.observed_json(),
            "critical": r.critical,
        } for r in outcome.results])
    replaced = [*outcome.removed, *outcome.rechecked]
    for table in (quality_partition_result, quality_partition):
        if replaced:
            conn.execute(delete(table).where(table.c.dataset == outcome.dataset, table.c.partition_date.in_(replaced)))
    if outcome.rechecked:
        conn.execute(insert(quality_partition), [{
            "dataset": outcome.dataset, "partition_date": day, "suite_version": record.suite_version,
            "row_count": record.fingerprint.row_count, "changed_at": record.fingerprint.changed_at,
            "run_id": outcome.run_id, "checked_at": outcome.checked_at, "success": record.success,
        } for day, record in outcome.rechecked.items()])
    described = {r.expectation_no: r for r in outcome.results}
    rows = [{
        "dataset": outcome.dataset, "partition_date": day, "expectation_no": r.expectation_no,
        "dimension": described[r.expectation_no].dimension,
        "expectation_type": described[r.expectation_no].expectation_type,
        "column_name": described[r.expectation_no].column_name, "success": r.success,
        "element_count": r.counts.element_count, "considered_count": r.counts.considered_count,
        "unexpected_count": r.counts.unexpected_count, "unexpected_percent": r.counts.unexpected_percent,
        "example_key": r.example,
    } for day, record in outcome.rechecked.items() for r in record.results]
    if rows:
        conn.execute(insert(quality_partition_result), rows)
    _store_scores(conn, outcome, replaced)


def _store_scores(conn: Connection, outcome: QualityOutcome, replaced: list[date]) -> None:
    """The scores of the days checked again replace theirs, computed in the database from the data
    (``INSERT … SELECT``); rejections are counted afresh every run."""
    table = metric_data_quality
    if replaced:
        conn.execute(delete(table).where(table.c.dataset == outcome.dataset, table.c.origin == "check",
                                         table.c.day.in_(replaced)))
    conn.execute(delete(table).where(table.c.dataset == outcome.dataset, table.c.origin == "quarantine"))
    if outcome.scores is not None:
        conn.execute(insert(table).from_select([c.name for c in outcome.scores.selected_columns], outcome.scores))
        mask_examples(conn, table, (table.c.dataset == outcome.dataset) & (table.c.origin == "check")
                      & (table.c.computed_at == outcome.checked_at), among=table.c.day.in_(list(outcome.rechecked)))
    rows = [_score_row(outcome, score) for score in outcome.quarantine_scores]
    if rows:
        conn.execute(insert(table), rows)


def _score_row(outcome: QualityOutcome, score: UnitScore) -> dict:
    return {"dataset": outcome.dataset, "source": score.source, "dimension": score.dimension,
            "province_code": score.province_code, "commune_code": score.commune_code, "day": score.day,
            "origin": score.origin, "rows_checked": score.rows_checked, "rows_failing": score.rows_failing,
            "score_pct": score.score_pct, "example_check": (score.example_check or None) and score.example_check[:256],
            "example_key": score.example_key and score.example_key[:256], "computed_at": outcome.checked_at}
