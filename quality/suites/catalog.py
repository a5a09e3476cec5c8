"""Every dataset's suite, in the order checks run and reports list them."""
from __future__ import annotations

from quality.suites.dossiers import DOSSIER_SUITE
from quality.suites.monitoring import COMMUNE_COVERAGE_SUITE, COMMUNE_REPORT_SUITE, PROVINCE_REPORT_SUITE
from quality.suites.portal import ATTACHMENT_SUITE, COMPONENT_SUITE, PROCEDURE_SUITE
from quality.suites.reconciliation import REPORTED_ONLINE_SUITE, SOURCE_READ_SUITE
from quality.suites.registers import CIVIL_STATUS_SUITE, INSURANCE_SUITE, LAND_SUITE, VERIFICATION_SUITE

SUITES = (DOSSIER_SUITE, ATTACHMENT_SUITE, PROCEDURE_SUITE, COMPONENT_SUITE, VERIFICATION_SUITE,
          COMMUNE_REPORT_SUITE, COMMUNE_COVERAGE_SUITE, PROVINCE_REPORT_SUITE, LAND_SUITE, CIVIL_STATUS_SUITE, INSURANCE_SUITE,
          SOURCE_READ_SUITE, REPORTED_ONLINE_SUITE)
BY_DATASET = {suite.dataset: suite for suite in SUITES}
