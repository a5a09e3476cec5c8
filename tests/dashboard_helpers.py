"""A small demo warehouse for the dashboard's tests, and the dashboard served on a free port."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from datetime import date

import uvicorn

from connectors.config import Secret, SystemConfig
from hub import pipeline
from hub.dashboard.app import create_app, read_only_engine

REPORT_DAYS = (date(2025, 8, 10), date(2025, 8, 24))  # the seeds' anchor days (tests/test_monitoring.py)


def _system(stack, name: str, **options) -> SystemConfig:
    entry = stack.endpoints[name]
    return SystemConfig(name, entry["url"], entry.get("username"), Secret(entry.get("password")),
                        dict(entry["options"], **options))


def build_demo_warehouse(stack, settings) -> None:
    """The demo scenario's portal dossiers, its catalogue and reported aggregates and two monitoring report days,
    synced, checked and published."""
    pipeline.upgrade_warehouse(settings)
    pipeline.sync_source("dvc_portal", settings, system=_system(stack, "dvc_portal"))
    # the procedure catalogue and the portal's own reported aggregates: every metric_* table has rows
    for source in ("dvc_portal_catalogue", "dvc_portal_reporting"):
        pipeline.sync_source(source, settings, system=_system(stack, "dvc_portal"))
    for day in REPORT_DAYS:
        pipeline.sync_source("monitoring", settings,
                             system=_system(stack, "monitoring", period={"start": str(day), "end": str(day)}))
    pipeline.check(settings)  # the quality scores (metric_data_quality) the screen shows
    pipeline.publish(settings, stack.scenario.period_start, stack.scenario.period_end)


@contextmanager
def served_dashboard(db_url: str):
    """The dashboard on 127.0.0.1 and a free port, in a thread; yields its base URL."""
    engine = read_only_engine(db_url)
    server = uvicorn.Server(uvicorn.Config(create_app(engine), host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the dashboard did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()
