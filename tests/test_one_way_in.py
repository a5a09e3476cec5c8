"""One way in (issue #10): the command line and the DAGs do stage work only through hub.pipeline.
Read from the files' imports, function-level ones included, so a shortcut cannot hide in a function."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT_PACKAGES = ("hub", "connectors", "mappings", "quality")
# What an entry point may import from the project besides hub.pipeline: how it talks, not what it does.
# hub.messages: the user-facing lines in Vietnamese or English.
# hub.dashboard.app: `serve` reads the published metric_* tables, it runs no stage.
PRESENTATION = {"hub.cli_errors", "hub.messages", "hub.logging_setup", "hub.settings", "hub.reports.i18n", "hub.doctor",
                "hub.dashboard.app", "hub.airflow_stack"}  # `sandbox up --airflow-env` prints connections
ALLOWED = {
    "hub/cli.py": {"hub", "hub.pipeline"} | PRESENTATION,
    # hub.orchestration: the DAGs' shared schedules, retry policy and Assets (wiring, no stage work)
    "dags": {"hub", "hub.pipeline", "hub.orchestration", "hub.settings"},
}


def project_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # "from hub import pipeline" imports the module hub.pipeline
            names = [f"{node.module}.{alias.name}" if node.module == "hub" else node.module for alias in node.names]
        else:
            continue
        found.update(name for name in names if name.split(".")[0] in PROJECT_PACKAGES)
    return found


@pytest.mark.parametrize("path", ["hub/cli.py", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "dags").glob("*.py"))])
def test_entry_points_reach_the_stages_only_through_the_pipeline(path):
    allowed = ALLOWED["hub/cli.py" if path == "hub/cli.py" else "dags"]
    assert project_imports(ROOT / path) - allowed == set()


def test_the_import_check_sees_function_level_imports(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("from hub import pipeline\n\ndef f():\n    from hub.warehouse.schema import load_run\n")
    assert project_imports(module) == {"hub.pipeline", "hub.warehouse.schema"}
