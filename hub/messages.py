"""What ``lienthong`` tells people when something fails or waits, in Vietnamese (the default) and
English (``lienthong --lang en`` or LIENTHONG_REPORT_LANGUAGE=en): the one-line error messages and
the retry notices.

An error the hub raises carries a message key and its values (``Explained``); the words are chosen
when the line is shown, so the log file keeps the English text whatever the user reads. Errors from
other layers (connectors, the database driver) keep their own English text; a Vietnamese line frames
it, and the phrases a connector uses in a notice or a give-up are translated here.
"""
from __future__ import annotations

import re
from datetime import date

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

MESSAGES: dict[str, dict[str, str]] = {
    # usage
    "date": {
        "en": "{option} {value!r} is not a date: use YYYY-MM-DD, e.g. 2025-07-01",
        "vi": "{option} {value!r} không phải là ngày: dùng dạng YYYY-MM-DD, ví dụ 2025-07-01"},
    "period_reversed": {
        "en": "--from {start} is after --to {end}: the period runs from the first day to the last",
        "vi": "--from {start} sau --to {end}: kỳ tính từ ngày đầu đến ngày cuối"},
    "window_half": {
        "en": "--updated-from and --updated-to go together: the window's first and last instant",
        "vi": "--updated-from và --updated-to phải đi cùng nhau: thời điểm đầu và cuối của khoảng cập nhật"},
    "window_moment": {
        "en": "{option} {value!r} is not a date or time: use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+07:00], "
              "e.g. 2025-08-17",
        "vi": "{option} {value!r} không phải là ngày hay thời điểm: dùng dạng YYYY-MM-DD hoặc "
              "YYYY-MM-DDTHH:MM[:SS][+07:00], ví dụ 2025-08-17"},
    "window_reversed": {
        "en": "--updated-from {first} .. --updated-to {last}: {reason}",
        "vi": "--updated-from {first} .. --updated-to {last}: khoảng cập nhật không hợp lệ ({reason})"},
    "language": {
        "en": "{option} {value!r} is not a language: use vi or en",
        "vi": "{option} {value!r} không phải là ngôn ngữ: dùng vi hoặc en"},
    "scenario_file": {
        "en": "--scenario {scenario!r}: no such file; give a scenario name or an existing YAML file",
        "vi": "--scenario {scenario!r}: không có tệp này; hãy nêu tên một kịch bản hoặc một tệp YAML có sẵn"},
    "scenario_unknown": {
        "en": "unknown scenario {scenario!r}: {suggestion}scenarios: {known} (or the path of a YAML file)",
        "vi": "không có kịch bản {scenario!r}: {suggestion}các kịch bản: {known} (hoặc đường dẫn một tệp YAML)"},
    "sandbox_other_scenario": {
        "en": "the sandbox is already running scenario {running!r} (pid {pid}), not {scenario!r}: "
              "run `lienthong sandbox down`, then `lienthong sandbox up --scenario {scenario}`",
        "vi": "sandbox đang chạy kịch bản {running!r} (pid {pid}), không phải {scenario!r}: "
              "chạy `lienthong sandbox down`, rồi `lienthong sandbox up --scenario {scenario}`"},
    "unknown_source": {
        "en": "unknown source {name!r}: {suggestion}known sources: {known}",
        "vi": "không có nguồn {name!r}: {suggestion}các nguồn: {known}"},
    "unknown_partition": {
        "en": "{source} has no partition {name!r}: {suggestion}its partitions: {known}",
        "vi": "{source} không có phân vùng {name!r}: {suggestion}các phân vùng: {known}"},
    "suggestion": {
        "en": "did you mean {name!r}? ",
        "vi": "có phải là {name!r}? "},
    "parser": {  # Click's own message, in English like every --help text
        "en": "{message} (see `{path} --help`)",
        "vi": "lệnh không hợp lệ: {message} (xem `{path} --help`)"},
    # configuration
    "db_url_not_url": {
        "en": "LIENTHONG_DB_URL={shown!r} is not a database URL: use e.g. sqlite:///var/lienthong.db or "
              "postgresql://role@host:5432/database",
        "vi": "LIENTHONG_DB_URL={shown!r} không phải là URL cơ sở dữ liệu: dùng ví dụ sqlite:///var/lienthong.db "
              "hoặc postgresql://role@host:5432/database"},
    "db_url_backend": {
        "en": "LIENTHONG_DB_URL names a {backend!r} database; LienThong runs on one of {supported}: "
              "use sqlite:///… or postgresql://…",
        "vi": "LIENTHONG_DB_URL chỉ tới cơ sở dữ liệu {backend!r}; LienThong chạy trên một trong {supported}: "
              "dùng sqlite:///… hoặc postgresql://…"},
    "flag": {
        "en": "LIENTHONG_{setting}={value!r} is not a yes/no value: use true or false",
        "vi": "LIENTHONG_{setting}={value!r} không phải là giá trị có/không: dùng true hoặc false"},
    "system_url": {
        "en": "{system}: URL {shown!r} from {origin} is not a URL it can be reached at: use e.g. {example}",
        "vi": "{system}: URL {shown!r} (từ {origin}) không phải là URL có thể kết nối tới: dùng ví dụ {example}"},
    "system_not_configured": {  # English: connectors.config's own text
        "vi": "chưa cấu hình hệ thống {system!r}: đặt LIENTHONG_{upper}_URL, khai báo kết nối Airflow "
              "{system}_default, hoặc khởi động sandbox (lienthong sandbox up)"},
    "nothing_configured": {
        "en": "no system is configured, so nothing was synced: start the sandbox (`lienthong sandbox up`), set "
              "LIENTHONG_<SYSTEM>_URL, or define the Airflow connections <system>_default; `lienthong doctor` shows each",
        "vi": "chưa cấu hình hệ thống nào nên không đồng bộ được gì: khởi động sandbox (`lienthong sandbox up`), "
              "đặt LIENTHONG_<SYSTEM>_URL hoặc khai báo kết nối Airflow <system>_default; `lienthong doctor` cho biết từng hệ thống"},
    "source_skipped": {
        "en": "{source}: skipped, not configured ({reason})",
        "vi": "{source}: bỏ qua, chưa cấu hình ({reason})"},
    "no_permission": {
        "en": "no permission to use {path}: check LIENTHONG_VAR_DIR and the file's owner",
        "vi": "không có quyền dùng {path}: kiểm tra LIENTHONG_VAR_DIR và chủ sở hữu của tệp"},
    "configuration": {  # an invalid setting whose text has no translation: framed
        "vi": "cấu hình không hợp lệ: {detail}"},
    # warehouse
    "warehouse_behind": {
        "en": "the warehouse {url} is at schema revision {stored}, this version of LienThong needs {needed}, "
              "and LIENTHONG_AUTO_MIGRATE is off: run `{command}`",
        "vi": "kho dữ liệu {url} đang ở phiên bản lược đồ {stored}, phiên bản LienThong này cần {needed}, "
              "và LIENTHONG_AUTO_MIGRATE đang tắt: chạy `{command}`"},
    "warehouse_newer": {
        "en": "the warehouse {url} is at revision {stored}, which this version of LienThong does not know "
              "(it knows up to {known}): run the LienThong version that migrated it, or point LIENTHONG_DB_URL "
              "at another warehouse",
        "vi": "kho dữ liệu {url} đang ở phiên bản {stored}, phiên bản LienThong này không biết (chỉ biết đến "
              "{known}): dùng phiên bản LienThong đã nâng cấp nó, hoặc trỏ LIENTHONG_DB_URL sang kho khác"},
    "warehouse_unreachable": {
        "en": "cannot connect to the warehouse {url} ({reason}): check LIENTHONG_DB_URL (host, port, database, "
              "role, password) and that the database server is running",
        "vi": "không kết nối được kho dữ liệu {url} ({reason}): kiểm tra LIENTHONG_DB_URL (máy chủ, cổng, "
              "cơ sở dữ liệu, vai trò, mật khẩu) và máy chủ cơ sở dữ liệu có đang chạy"},
    "warehouse_error": {
        "en": "warehouse error: {detail}",
        "vi": "lỗi kho dữ liệu: {detail}"},
    # sources
    "sources_unreachable": {
        "en": "sync failed: could not reach the system ({where}: {first}; {count} partition(s) failed): check "
              "that it is up and its URL and credentials (LIENTHONG_<SYSTEM>_URL or the Airflow connection "
              "<system>_default), then rerun: syncs resume from their checkpoints",
        "vi": "đồng bộ thất bại: không kết nối được hệ thống ({where}: {first}; {count} phân vùng thất bại): "
              "kiểm tra hệ thống đang chạy, URL và thông tin đăng nhập (LIENTHONG_<SYSTEM>_URL hoặc kết nối "
              "Airflow <system>_default), rồi chạy lại: đồng bộ tiếp tục từ các checkpoint"},
    "sync_failed": {
        "en": "sync failed: {count} partition(s) failed, first {where}: {first}; rerun to resume from the "
              "checkpoints",
        "vi": "đồng bộ thất bại: {count} phân vùng thất bại, đầu tiên {where}: {first}; chạy lại để tiếp tục "
              "từ các checkpoint"},
    "partition_failed": {
        "en": "partition {partition} failed: {first}",
        "vi": "phân vùng {partition} thất bại: {first}"},
    "source_error": {  # English: the connector's own text
        "vi": "không kết nối được hệ thống: {detail}"},
    # quality, sandbox, the rest
    "quality_gate": {
        "en": "quality gate: {failed} of {total} expectations failed ({names}); the results are in "
              "quality_result, run {run_id}",
        "vi": "cổng chất lượng: {failed}/{total} kỳ vọng không đạt ({names}); kết quả nằm trong quality_result, "
              "lượt chạy {run_id}"},
    "sandbox_failed": {
        "en": "the sandbox did not start (scenario {scenario!r}): see {log}",
        "vi": "sandbox không khởi động được (kịch bản {scenario!r}): xem {log}"},
    "unexpected": {
        "en": "unexpected error {kind}: {detail}",
        "vi": "lỗi ngoài dự kiến {kind}: {detail}"},
    "details": {
        "en": " (details: {path})",
        "vi": " (chi tiết: {path})"},
    "retry": {
        "en": "{system} {endpoint}: {reason}, retry {retry}/{retries} in {wait:.0f} s",
        "vi": "{system} {endpoint}: {reason}, thử lại lần {retry}/{retries} sau {wait:.0f} s"},
}

# The fixed phrases connectors.base puts in a notice or a give-up (``failure_reason``, ``given_up``).
_PHRASES_VI = {"connection refused": "bị từ chối kết nối", "timed out": "hết thời gian chờ",
               "host not found": "không tìm thấy máy chủ", "connection reset": "kết nối bị ngắt"}
_GAVE_UP = re.compile(r"gave up after (\d+) tries in (\d+) s")


def text(key: str, language: str, **values) -> str:
    """The message ``key`` in ``language``, English where it has no translation. A value named
    ``closest`` (the nearest known name, or None) becomes ``{suggestion}``; one named ``first`` (a
    connector's failure) has its fixed phrases translated."""
    if "closest" in values:
        closest = values.pop("closest")
        values["suggestion"] = text("suggestion", language, name=closest) if closest else ""
    if "first" in values:
        values["first"] = connector_words(values["first"], language)
    templates = MESSAGES[key]
    return templates.get(language, templates.get("en", "")).format(**values)


def connector_words(detail: str, language: str) -> str:
    """A connector's English detail with its fixed phrases in ``language``."""
    if language != "vi":
        return detail
    detail = _GAVE_UP.sub(r"bỏ cuộc sau \1 lần thử trong \2 s", detail)
    return _PHRASES_VI.get(detail, detail)


def retry_notice(notice, language: str) -> str:
    """A ``connectors.base.RetryNotice`` as the progress line shows it."""
    return text("retry", language, system=notice.system, endpoint=notice.endpoint,
                reason=connector_words(notice.reason, language), retry=notice.retry, retries=notice.retries,
                wait=notice.wait_seconds)


def language_of(choice: str | None, setting: str | None) -> str:
    """The language of the messages: ``--lang``, else the report_language setting, else Vietnamese."""
    for candidate in (choice, setting):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE


class Explained(Exception):
    """An error whose message is one entry of MESSAGES: ``str()`` is English (logs), ``text(language)``
    what the user reads."""

    def __init__(self, key: str, **values):
        super().__init__(text(key, "en", **values))
        self.key, self.values = key, values

    def __str__(self) -> str:  # KeyError subclasses would quote the message
        return self.args[0]

    def __reduce__(self):  # across processes: rebuilt from the key and values, not the English text
        return _rebuilt, (type(self), self.key, self.values)

    def text(self, language: str) -> str:
        return text(self.key, language, **self.values)


def _rebuilt(kind: type, key: str, values: dict) -> Explained:
    error = kind.__new__(kind)
    Explained.__init__(error, key, **values)
    return error


class UsageProblem(Explained, ValueError):
    """An argument or option the command (or a dashboard query parameter) cannot use."""


def parse_date(text: str | None, option: str) -> date | None:
    """The day ``text`` names (YYYY-MM-DD), None when it is empty; else UsageProblem naming ``option``."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageProblem("date", option=option, value=text) from None
