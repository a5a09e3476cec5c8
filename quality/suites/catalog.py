"""Every dataset's suite, in the order checks run and reports list them."""
from __future__ import annotations

from datetime import datetime, timezone

from quality.suites.dossiers import DOSSIER_SUITE
from quality.suites.monitoring import COMMUNE_COVERAGE_SUITE, COMMUNE_REPORT_SUITE, PROVINCE_REPORT_SUITE
from quality.suites.portal import ATTACHMENT_SUITE, COMPONENT_SUITE, PROCEDURE_SUITE
from quality.suites.reconciliation import REPORTED_ONLINE_SUITE, SOURCE_READ_SUITE
from quality.suites.registers import CIVIL_STATUS_SUITE, INSURANCE_SUITE, LAND_SUITE, VERIFICATION_SUITE

SUITES = (DOSSIER_SUITE, ATTACHMENT_SUITE, PROCEDURE_SUITE, COMPONENT_SUITE, VERIFICATION_SUITE,
          COMMUNE_REPORT_SUITE, COMMUNE_COVERAGE_SUITE, PROVINCE_REPORT_SUITE, LAND_SUITE, CIVIL_STATUS_SUITE, INSURANCE_SUITE,
          SOURCE_READ_SUITE, REPORTED_ONLINE_SUITE)
BY_DATASET = {suite.dataset: suite for suite in SUITES}


def _build_every_suite() -> None:
    """Declarations checked on load: building each suite's expectations once looks up every text id it
    names in texts.yaml, so a missing or misspelt one fails here, naming the file and the key."""
    now = datetime.now(timezone.utc)
    for suite in SUITES:
        suite.expectations(now)


_build_every_suite()
