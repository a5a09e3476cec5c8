"""Hostile input never crashes a batch: every record is loaded or quarantined with a reason."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from connectors.base import Batch
from connectors.config import SystemConfig
from connectors.sectoral.declaration import SectoralSource, make_connector
from connectors.sectoral.files import MAX_FIELD
from connectors.sectoral.models import FileDropSource
from mappings.engine import Mapping
from tests.test_mapping_engine import portal_dossier

MAPPING = Mapping.load("dvc_portal_dossiers.yaml")


def _file_drop(directory, **options):
    """A file drop declared with ``options``, over ``directory``."""
    declared = FileDropSource(kind="file_drop", stream="rows", mapping="m.yaml", **options)
    return make_connector(SectoralSource("s", declared, "m.yaml"), SystemConfig("s", f"file://{directory}"), None)
KEY = b"hostile"

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=40),
    st.text(alphabet="0123456789", min_size=0, max_size=20),
    st.sampled_from(["", " ", "99999999999999", "20251340256199", "00000000000000", "2025-07-10",
                     "=cmd|'/c calc'!A1", "+SUM(A1)", "@x", "\u0000", "Thu\u0309 tu\u0323c", "H26" * 2000]),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
FIELDS = list(portal_dossier().keys()) + ["TaiLieuNop", "Unexpected", "MaHoSo"]


@st.composite
def hostile_records(draw):
    record = portal_dossier(MaHoSo=f"H52.1-250710-{draw(st.integers(0, 9999)):04d}")
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=6)):
        record[name] = draw(scalars)
    if draw(st.booleans()):
        record.pop(draw(st.sampled_from(list(record))), None)
    return record


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(hostile_records(), min_size=1, max_size=12))
def test_every_hostile_record_is_either_loaded_or_quarantined_with_a_reason(records):
    scrubbed = [MAPPING.pii.scrub(r, KEY) for r in records]
    result = MAPPING.apply(scrubbed)
    quarantined = {i for i, _ in result.quarantined}
    assert len(result.rows) + len(quarantined) == len(records)
    assert all(reason for _, reason in result.quarantined)
    for row in result.rows:
        assert isinstance(row["dossier_id"], str) and len(row["dossier_id"]) <= 64
        assert 1 <= row["status_code"] <= 10
        assert row["received_at"].tzinfo is not None
        assert row["received_at"].utcoffset() == timedelta(0)
    for index, row in result.metric_inputs:  # what a quarantined record still hands the metrics
        assert index in quarantined
        assert 1 <= row["status_code"] <= 10 and 1 <= len(row["province_code"]) <= 8
        assert row["commune_code"] is None or len(row["commune_code"]) <= 8


@hsettings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.text(max_size=30), min_size=0, max_size=6), max_size=20),
       st.sampled_from(["utf-8", "utf-16", "latin-1"]))
def test_any_csv_file_yields_records_or_rejects_never_an_exception(tmp_path_factory, rows, encoding):
    directory = tmp_path_factory.mktemp("drop")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["A", "B", "C"])
    writer.writerows(rows)
    try:
        (directory / "x_20250101.csv").write_bytes(buffer.getvalue().encode(encoding))
    except UnicodeEncodeError:
        return
    connector = _file_drop(directory, delimiter=";", pattern="*.csv")
    batches: list[Batch] = list(connector.read("rows", "all", None))
    fetched = sum(b.fetched for b in batches)
    assert fetched <= len(rows) + 1
    assert all(reason for b in batches for _, reason in b.rejects)


def test_an_oversized_cell_is_rejected_not_loaded(tmp_path):
    (tmp_path / "x.csv").write_text("A;B\n" + "1;" + "x" * (MAX_FIELD + 1) + "\n2;ok\n", encoding="utf-8")
    connector = _file_drop(tmp_path, delimiter=";")
    (batch,) = connector.read("rows", "all", None)
    assert batch.records == [{"A": "2", "B": "ok"}]
    assert "longer than" in batch.rejects[0][1]


def test_formula_cells_are_kept_as_inert_text(tmp_path):
    (tmp_path / "x.csv").write_text("A;B\n=cmd|'/c calc'!A1;+1\n", encoding="utf-8")
    connector = _file_drop(tmp_path, delimiter=";")
    (batch,) = connector.read("rows", "all", None)
    assert batch.records == [{"A": "=cmd|'/c calc'!A1", "B": "+1"}]


# --- hostile replies to the SOAP client ---------------------------------------------------------
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&lol4;</soap:Body></soap:Envelope>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&xxe;</soap:Body></soap:Envelope>"""
HUGE_TEXT = (b'<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
             b"<soap:Body><x>" + b"A" * (12 << 20) + b"</x></soap:Body></soap:Envelope>")
NOT_XML = b"<html><body>502 Bad Gateway</body></html"


def _soap_server(body: bytes):
    from tests.test_http_client import ScriptedServer

    return ScriptedServer([(200, {"Content-Type": "text/xml; charset=utf-8"}, body)] * 8)


import pytest  # noqa: E402


@pytest.mark.parametrize("reply", [BILLION_LAUGHS, EXTERNAL_ENTITY, HUGE_TEXT, NOT_XML],
                         ids=["entity-expansion", "external-entity", "oversized", "not-xml"])
def test_a_hostile_soap_reply_is_a_parse_error_never_expanded_or_fetched(reply, monkeypatch):
    import tracemalloc

    from connectors import base
    from connectors.base import HealthRecorder, SourceError
    from connectors.population_db import PopulationClient

    monkeypatch.setattr(base, "_BREAKERS", {})
    server = _soap_server(reply)
    recorder = HealthRecorder()
    tracemalloc.start()
    try:
        client = PopulationClient(SystemConfig("population_db", server.url + "/population",
                                               options={"reply_retries": 0, "retries": 0}), recorder)
        with pytest.raises(SourceError) as caught:
            client.verify([("001080140891", "Nguyễn Văn An")])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        server.close()
    assert caught.value.outcome == "parse_error"
    assert recorder.observations[-1].outcome == "parse_error"
    assert peak < 200 << 20, "parsing must not blow up memory"
    assert "root:" not in str(caught.value)
