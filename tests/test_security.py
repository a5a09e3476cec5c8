"""No secret or clear personal data in logs, reports or the warehouse; reports escape every value."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import insert

from hub import pipeline
from hub.logging_setup import configure_logging
from hub.reports.html import write_report
from hub.warehouse.schema import metric_online_filing_rate
from tests.truth import served_records


def test_a_full_run_leaves_no_secret_or_personal_data_in_logs_or_reports(sandbox, portal_config, settings, engine):
    log_file = configure_logging(settings.var_dir)
    pipeline.sync_source("dvc_portal", settings, system=portal_config)
    pipeline.check(settings)
    pipeline.publish(settings)
    for language in ("vi", "en"):
        write_report(engine, settings.reports_dir, language)
    served = served_records(sandbox)
    ids = {r["SoGiayToChuHoSo"] for r in served}
    phones = {r["SoDienThoai"] for r in served}
    names = {r["ChuHoSo"] for r in served}
    secrets = {portal_config.password.reveal(), settings.pii_key.decode()}
    outputs = [log_file, *sorted(settings.reports_dir.glob("*.html"))]
    assert log_file.stat().st_size > 0
    for path in outputs:
        text = path.read_text(encoding="utf-8")
        assert not any(secret in text for secret in secrets), f"a secret in {path}"
        digits = set(re.findall(r"\d{9,12}", text))
        assert not digits & ids and not digits & phones, f"clear personal data in {path}"
        assert not any(name in text for name in names), f"a name in {path}"


def test_reports_escape_every_value(engine, settings):
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        conn.execute(insert(metric_online_filing_rate).values(
            unit_level="province", unit_code="99", period_start=date(2025, 7, 1), period_end=date(2025, 7, 31),
            unit_name="<script>alert(1)</script>", dossiers_received=1, dossiers_online=1, dossiers_direct=0,
            dossiers_postal=0, dossiers_no_channel=0, online_rate_pct=100.0, computed_at=now))
    html = Path(write_report(engine, settings.reports_dir, "vi")).read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_tls_certificates_are_verified_by_default():
    from connectors.base import HttpClient, HttpPolicy

    assert HttpPolicy().verify is True
    assert HttpClient("x", "https://example.invalid").session.verify is True
    assert HttpClient("x", "https://example.invalid", HttpPolicy(verify="/etc/ssl/ca.pem")).session.verify == "/etc/ssl/ca.pem"
