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


def test_after_a_full_demo_run_no_clear_personal_data_is_stored_anywhere(tmp_path):
    """Every source of the demo (portal, population verification, land, civil status, insurance,
    monitoring), then every text column of every table but the public reference units."""
    import os
    import subprocess
    import sys

    from sqlalchemy import String, Text, create_engine, inspect, text

    from sandbox import people

    env = {k: v for k, v in os.environ.items() if not k.startswith("LIENTHONG_")}
    env.update({"LIENTHONG_VAR_DIR": str(tmp_path / "var"), "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    demo = subprocess.run([sys.executable, "-m", "hub.cli", "demo"], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=900)
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    personal_id = re.compile(r"(?<![0-9a-fA-F])0\d{11}(?![0-9a-fA-F])")  # hex hashes are not IDs
    phone = re.compile(r"(?<![0-9a-fA-F])09\d{8}(?![0-9a-fA-F])")
    name = re.compile(r"\b(?:%s) (?:%s) \w+" % ("|".join(people.FAMILY_NAMES),
                                                 "|".join(people.MIDDLE_MALE + people.MIDDLE_FEMALE)))
    from mappings.admin_units import load_admin_units

    units = load_admin_units()
    # Places named after people (Xã Hoàng Văn Thụ) are not personal data: blank them out first.
    place_names = re.compile("|".join(sorted((re.escape(u.name) for u in [*units.communes.values(),
                                                                       *units.provinces.values()]),
                                             key=len, reverse=True)))
    engine = create_engine(f"sqlite:///{tmp_path / 'var' / 'lienthong.db'}")
    scanned = 0
    with engine.connect() as conn:
        inspector = inspect(conn)
        for table in inspector.get_table_names():
            if table.startswith("admin_"):  # public reference data (ward names honour people)
                continue
            for column in inspector.get_columns(table):
                if not isinstance(column["type"], (String, Text)):
                    continue
                for (value,) in conn.execute(text(f'SELECT "{column["name"]}" FROM "{table}"')):
                    if not value:
                        continue
                    scanned += 1
                    for pattern in (personal_id, phone, name):
                        found = pattern.search(value)
                        if found and pattern is name:  # only then pay for blanking the place names
                            found = pattern.search(place_names.sub(" ", value))
                        assert found is None, f"{table}.{column['name']}: {found.group(0)!r}"
    assert scanned > 50_000
