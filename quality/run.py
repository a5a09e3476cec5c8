"""Run the expectation suites with Great Expectations 1.x and store the results in the warehouse."""
from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

import great_expectations as gx
from great_expectations.data_context.types.base import ProgressBarsConfig
import pandas as pd
from sqlalchemy import Engine, insert, select

from hub.warehouse.schema import dossier, quality_result, quality_run
from quality.suites.dossiers import SUITE_NAME, dossier_expectations

log = logging.getLogger(__name__)
DATETIME_COLUMNS = ("submitted_at", "received_at", "due_at", "finished_at", "returned_at", "updated_at", "loaded_at")


@dataclass(frozen=True)
class QualityOutcome:
    run_id: str
    rows_checked: int
    results: list[dict]

    @property
    def success(self) -> bool:
        return all(r["success"] for r in self.results)

    def by_dimension(self) -> dict[str, tuple[int, int]]:
        summary: dict[str, tuple[int, int]] = {}
        for r in self.results:
            passed, total = summary.get(r["dimension"], (0, 0))
            summary[r["dimension"]] = (passed + int(r["success"]), total + 1)
        return summary


def _load_dossiers(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        frame = pd.read_sql(select(dossier), conn)
    for column in DATETIME_COLUMNS:
        frame[column] = pd.to_datetime(frame[column], utc=True)  # SQLite returns naive UTC
    return frame


def validate(frame: pd.DataFrame, expectations: list, suite_name: str):
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    source = context.data_sources.add_pandas("warehouse")
    asset = source.add_dataframe_asset("dataset")
    batch_definition = asset.add_batch_definition_whole_dataframe("whole")
    suite = context.suites.add(gx.ExpectationSuite(name=suite_name))
    for expectation in expectations:
        suite.add_expectation(expectation)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{suite_name}-validation", data=batch_definition, suite=suite))
    return definition.run(batch_parameters={"dataframe": frame}, result_format="SUMMARY")


def run_dossier_checks(engine: Engine, now: datetime | None = None) -> QualityOutcome:
    now = now or datetime.now(timezone.utc)
    frame = _load_dossiers(engine)
    run_id = str(uuid.uuid4())
    results = []
    if len(frame):
        validation = validate(frame, dossier_expectations(now), SUITE_NAME)
        for number, result in enumerate(validation.results):
            config = result.expectation_config
            meta = config.meta or {}
            stats = result.result or {}
            kwargs = config.kwargs
            results.append({
                "run_id": run_id, "expectation_no": number, "dimension": meta.get("dimension", "?"),
                "expectation_type": config.type,
                "column_name": kwargs.get("column") or "/".join(filter(None, [kwargs.get("column_A"), kwargs.get("column_B")])),
                "description_vi": meta.get("description_vi", ""), "description_en": meta.get("description_en", ""),
                "success": bool(result.success), "element_count": stats.get("element_count"),
                "unexpected_count": stats.get("unexpected_count"),
                "unexpected_percent": stats.get("unexpected_percent"),
                "observed_value": json.dumps(stats.get("observed_value"), default=str) if "observed_value" in stats else None,
            })
    with engine.begin() as conn:
        conn.execute(insert(quality_run).values(
            run_id=run_id, dataset="dossier", suite=SUITE_NAME, run_at=now, rows_checked=len(frame),
            success=all(r["success"] for r in results), expectations=len(results),
            expectations_passed=sum(r["success"] for r in results)))
        if results:
            conn.execute(insert(quality_result), results)
    return QualityOutcome(run_id, len(frame), results)
