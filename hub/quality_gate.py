"""The quality gate's reading: the critical expectations each dataset's latest check failed.

Apart from hub/quality_store.py so that publishing, which only reads the stored results, does not
import Great Expectations (seconds of start-up on every publish).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from hub.warehouse.schema import quality_result, quality_run


@dataclass(frozen=True)
class CriticalFailure:
    dataset: str
    run_id: str
    description_en: str
    unexpected_count: int | None


def critical_failures(engine: Engine) -> list[CriticalFailure]:
    """The critical expectations failed by each dataset's latest run."""
    latest = (select(quality_run.c.dataset, func.max(quality_run.c.run_at).label("run_at"))
              .group_by(quality_run.c.dataset).subquery())
    query = (select(quality_run.c.dataset, quality_result.c.run_id, quality_result.c.description_en,
                    quality_result.c.unexpected_count)
             .join(latest, (latest.c.dataset == quality_run.c.dataset) & (latest.c.run_at == quality_run.c.run_at))
             .join(quality_result, quality_result.c.run_id == quality_run.c.run_id)
             .where(quality_result.c.critical, ~quality_result.c.success)
             .order_by(quality_run.c.dataset, quality_result.c.expectation_no))
    with engine.connect() as conn:
        return [CriticalFailure(*row) for row in conn.execute(query)]
