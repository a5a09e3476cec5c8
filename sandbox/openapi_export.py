"""``python -m sandbox.openapi_export``: write the OpenAPI descriptions of the REST simulators.

The committed files (sandbox/openapi/*.json) are what FastAPI generates from the apps; a test
keeps them in step with the code.
"""
from __future__ import annotations

import json
from pathlib import Path

from .faults import FaultSwitches
from .land import create_land_app
from .ledger import Ledger
from .monitoring import create_monitoring_app
from .scenario import load_scenario

OPENAPI_DIR = Path(__file__).parent / "openapi"


def openapi_documents() -> dict[str, dict]:
    scenario = load_scenario("demo")
    return {
        "land": create_land_app(scenario, {"-"}, FaultSwitches(), Ledger()).openapi(),
        "monitoring": create_monitoring_app(scenario, {"-"}, Ledger()).openapi(),
    }


def render(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> None:
    OPENAPI_DIR.mkdir(exist_ok=True)
    for name, document in openapi_documents().items():
        (OPENAPI_DIR / f"{name}.json").write_text(render(document), encoding="utf-8")


if __name__ == "__main__":
    main()
