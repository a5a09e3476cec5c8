"""The monitoring centre's screen in a real headless Chromium (Debian's /usr/bin/chromium driven by
Playwright; never a downloaded browser) over the demo warehouse. Screenshots are kept under
var/test-artifacts/dashboard/. Without a browser these tests skip, or fail with
LIENTHONG_REQUIRE_BROWSER=1 (as .ci/run sets)."""
from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from hub.reports.formats import day, number, percent
from tests.dashboard_helpers import served_dashboard

CHROMIUM = os.environ.get("LIENTHONG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "var" / "test-artifacts" / "dashboard"


def _unavailable(reason: str):
    if os.environ.get("LIENTHONG_REQUIRE_BROWSER") == "1":
        pytest.fail(f"a browser is required (LIENTHONG_REQUIRE_BROWSER=1) but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).is_file()):
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def dashboard(demo_warehouse):
    with served_dashboard(demo_warehouse.db_url) as url:
        yield url


@pytest.fixture
def page(browser, dashboard, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    context.close()


def test_the_map_shows_the_34_provinces_and_both_archipelagos_labelled_as_vietnams(page, dashboard):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(dashboard + "/")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.locator("#map path.province").count() == 34
    assert page.locator("#map path.province[fill='#2e9e5b']").count() == 34  # 24 Aug 2025: all 34 reported green
    for key, label in (("hoang-sa", "Quần đảo Hoàng Sa (Việt Nam)"), ("truong-sa", "Quần đảo Trường Sa (Việt Nam)")):
        archipelago = page.locator(f"#archipelago-{key}")
        assert archipelago.is_visible() and archipelago.locator("circle").count() > 10
        assert archipelago.locator("text").text_content() == label
    assert page.locator("#table-procedures tbody tr").count() > 0  # the nation's procedures, lowest online rate first
    assert requests and all(url.startswith(dashboard) for url in requests)  # nothing from the internet


def test_hovering_a_province_shows_its_commune_green_share_and_clicking_shows_its_communes(page, dashboard):
    page.goto(dashboard + "/")
    page.select_option("#report-date", "2025-08-10")
    page.click("#selection button[type=submit]")
    page.wait_for_url("**date=2025-08-10**")
    page.hover("#province-04")
    assert page.locator("#map-info").text_content() == "Tỉnh Cao Bằng – Xanh: 3/56 (5,36 %)"
    page.click("#province-04")
    page.wait_for_url("**province=04**")
    assert page.locator("#drill-province").text_content() == "Tỉnh Cao Bằng"
    communes = page.locator("#table-communes tbody tr")
    assert communes.count() == 56
    assert page.locator("#table-communes tbody tr td:last-child", has_text="Có").count() == 3
    assert page.locator("#table-commune_rates tbody tr").count() == 56  # its communes' online rates, over the range
    assert page.locator("#table-commune_reduction tbody tr").count() == 56  # and their dossier reduction
    assert page.locator("#section-procedures [data-state=empty]").is_visible()  # no dossier from Cao Bằng in the demo
    assert page.locator("#section-quality_units h3").text_content() == "Chất lượng dữ liệu theo xã (kém nhất trước)"
    assert page.locator("#table-quality_units tbody tr").count() > 0  # its communes' monitoring reports, scored


def test_the_language_switch_turns_the_screen_into_english_and_back(page, dashboard):
    page.goto(dashboard + "/?province=04")
    received = page.locator("#card-received .value").text_content()
    assert page.locator("h1").text_content() == "Trung tâm giám sát – LienThong" and "." in received
    page.click("#lang-en")
    page.wait_for_url("**lang=en**")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").text_content() == "Monitoring centre – LienThong"
    assert page.locator("#card-received .value").text_content() == received.replace(".", ",")
    assert page.locator("#archipelago-truong-sa text").text_content() == "Truong Sa (Spratly) Archipelago (Viet Nam)"
    assert "province=04" in page.url  # the drill-down survives the switch
    page.click("#lang-vi")
    page.wait_for_url("**lang=vi**")
    assert page.locator("h1").text_content() == "Trung tâm giám sát – LienThong"


def _formatted(value, header: str) -> str:
    """An Excel cell as the Vietnamese screen writes it."""
    if value is None:
        return "–"
    if isinstance(value, float) or header.endswith(("(%)", "(ms)")):  # Excel reads 100.0 back as 100
        return percent(value, "vi")
    if isinstance(value, int):
        return number(value, "vi")
    if hasattr(value, "year"):
        return day(value.date() if hasattr(value, "hour") else value, "vi")
    return str(value)


def test_the_excel_download_reads_back_and_matches_the_tables_on_the_screen(page, dashboard):
    page.goto(dashboard + "/?province=04&date=2025-08-10")
    with page.expect_download() as download_info:
        page.click("#export")
    download = download_info.value
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    saved = ARTIFACTS / download.suggested_filename
    download.save_as(saved)
    book = load_workbook(io.BytesIO(saved.read_bytes()))
    for table_id, sheet in (("table-ranking", "Xếp hạng trực tuyến"), ("table-communes", "Các xã của tỉnh"),
                            ("table-readiness", "Bản đồ sẵn sàng"), ("table-health", "Tình trạng kết nối"),
                            ("table-quality_units", "Chất lượng theo đơn vị"),
                            ("table-procedure_reduction", "Cắt giảm theo thủ tục"),
                            ("table-commune_rates", "Trực tuyến theo xã")):
        headers = page.locator(f"#{table_id} thead th").all_text_contents()
        shown = [row.locator("td").all_text_contents() for row in page.locator(f"#{table_id} tbody tr").all()]
        rows = list(book[sheet].values)
        assert list(rows[0]) == headers
        assert [[_formatted(v, h) for v, h in zip(row, headers)] for row in rows[1:]] == shown, sheet
