"""A production install carries no sandbox: the simulators' servers are the ``sandbox`` extra, and
the stages import without them; connectors, mappings and quality import nothing from hub/."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WITHOUT_SANDBOX_SERVERS = """
import sys
sys.modules["fastapi"] = sys.modules["uvicorn"] = None  # as if the sandbox extra were not installed
import hub.cli, hub.pipeline, quality.run
from hub.sources import all_sources
for spec in all_sources().values():
    spec.mapping(next(iter(spec.streams)))
assert not [name for name in sys.modules if name.split(".")[0] == "sandbox"], "a stage imported the sandbox"
"""


def test_the_stages_import_without_the_sandbox_servers():
    result = subprocess.run([sys.executable, "-c", WITHOUT_SANDBOX_SERVERS], cwd=REPO, capture_output=True,
                            text=True, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


def test_connectors_mappings_and_quality_import_nothing_from_hub():
    offenders = [f"{path.relative_to(REPO)}:{number}"
                 for package in ("connectors", "mappings", "quality") for path in (REPO / package).rglob("*.py")
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if line.lstrip().startswith(("from hub", "import hub"))]
    assert offenders == []
