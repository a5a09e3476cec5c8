"""What ``lienthong`` says when a command fails: one line on stderr naming the problem and the fix,
in Vietnamese or English (hub/messages.py), an exit code per class of error, the full traceback in
the log file (on stderr too only with ``--debug`` or LIENTHONG_DEBUG=1). Messages carry no secrets:
URLs are shown without passwords and source errors carry no payloads."""
from __future__ import annotations

import enum
import logging
import os
import sys
import traceback
from datetime import date, datetime
from zoneinfo import ZoneInfo
from pathlib import Path

import typer
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from connectors.base import SourceError
from connectors.config import SystemNotConfigured
from hub.logging_setup import configure_logging
from hub.messages import Explained, UsageProblem, connector_words, language_of, parse_date, text
from hub.settings import LOCAL_TZ, InvalidSetting, lookup
from hub.sources import UnknownPartition, UnknownSource, nearest
from hub.warehouse.ready import WarehouseError

log = logging.getLogger("hub.cli")


class ExitCode(enum.IntEnum):
    UNEXPECTED = 1
    USAGE = 2
    CONFIGURATION = 3
    WAREHOUSE = 4
    SOURCE_UNREACHABLE = 5
    QUALITY_GATE = 6


class SourcesUnreachable(Explained, RuntimeError):
    """Every failed partition of a sync failed because its system could not be reached."""


class SyncFailed(Explained, RuntimeError):
    """Partitions failed for reasons other than an unreachable system."""


class QualityGateFailed(RuntimeError):
    pass


class ExpectationsFailed(Explained, QualityGateFailed):
    """`lienthong check --gate`: expectations of the latest check failed."""


class SandboxFailed(Explained, RuntimeError):
    """The sandbox process exited or never said it was ready."""


class NothingConfigured(Explained, RuntimeError):
    """Every source was skipped: no system has a configuration."""


_CLASSES: list[tuple[tuple[type[BaseException], ...], ExitCode]] = [
    ((UsageProblem, UnknownSource, UnknownPartition), ExitCode.USAGE),
    ((InvalidSetting, SystemNotConfigured, NothingConfigured, ArgumentError, NoSuchModuleError, PermissionError), ExitCode.CONFIGURATION),
    ((WarehouseError, DBAPIError), ExitCode.WAREHOUSE),
    ((SourceError, SourcesUnreachable), ExitCode.SOURCE_UNREACHABLE),
    ((QualityGateFailed,), ExitCode.QUALITY_GATE),
]


def classify(exc: BaseException, language: str = "en") -> tuple[ExitCode, str]:
    """The exit code and the one-line message, in ``language``, for an error a command raised."""
    code = next((code for types, code in _CLASSES if isinstance(exc, types)), ExitCode.UNEXPECTED)
    if isinstance(exc, Explained):
        return code, exc.text(language)
    if isinstance(exc, DBAPIError):
        # Only the driver's own first line: SQLAlchemy's text would add the statement.
        return code, text("warehouse_error", language, detail=_first_line(exc.orig or exc))
    if isinstance(exc, PermissionError):
        return code, text("no_permission", language, path=exc.filename or exc)
    if code is ExitCode.UNEXPECTED:
        return code, text("unexpected", language, kind=type(exc).__name__, detail=_first_line(exc))
    if language == "en":
        return code, _first_line(exc)
    if isinstance(exc, SystemNotConfigured) and exc.system:
        return code, text("system_not_configured", language, system=exc.system, upper=exc.system.upper())
    if isinstance(exc, SourceError):
        return code, text("source_error", language, detail=connector_words(_first_line(exc), language))
    if code is ExitCode.CONFIGURATION:
        return code, text("configuration", language, detail=_first_line(exc))
    return code, _first_line(exc)


def report_failure(exc: BaseException, debug: bool, language: str = "en") -> ExitCode:
    """Log the traceback, print the one line (and the traceback when debugging); the exit code."""
    code, message = classify(exc, language)
    where = _log_traceback(exc, code)
    typer.echo(f"lienthong: {message}" + (text("details", language, path=where) if where else ""), err=True)
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    return code


def debug_requested(flag: bool) -> bool:
    return flag or os.environ.get("LIENTHONG_DEBUG", "").strip().lower() in ("1", "true", "yes", "on")


def message_language(choice: str | None) -> str:
    """``--lang`` when given, else the report_language setting (environment or config file, which may
    be what is broken), else Vietnamese."""
    try:
        setting = lookup("report_language")
    except InvalidSetting:
        setting = os.environ.get("LIENTHONG_REPORT_LANGUAGE")
    return language_of(choice, setting)


def _log_traceback(exc: BaseException, code: ExitCode) -> Path | None:
    try:  # var/ comes from the environment or the config file, which may be what is broken
        var_dir = Path(lookup("var_dir", default="var"))
    except InvalidSetting:
        var_dir = Path(os.environ.get("LIENTHONG_VAR_DIR", "var"))
    try:
        path = configure_logging(var_dir.resolve())
    except OSError:
        return None
    log.error("command failed", exc_info=exc, extra={"exit_code": int(code)})
    return path


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def parse_period(first: str | None, last: str | None) -> tuple[date | None, date | None]:
    start, end = parse_date(first, "--from"), parse_date(last, "--to")
    if start and end and start > end:
        raise UsageProblem("period_reversed", start=start, end=end)
    return start, end


def parse_window(first: str | None, last: str | None):
    """``sync --updated-from/--updated-to``: an update window, or None when neither is given. A date
    or a time without an offset is local (Asia/Ho_Chi_Minh); a date alone is its midnight."""
    from connectors.incremental import UpdateWindow

    if not first and not last:
        return None
    if not (first and last):
        raise UsageProblem("window_half")
    bounds = []
    for text, option in ((first, "--updated-from"), (last, "--updated-to")):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise UsageProblem("window_moment", option=option, value=text) from None
        bounds.append(moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(LOCAL_TZ)))
    try:
        return UpdateWindow(*bounds)
    except ValueError as exc:
        raise UsageProblem("window_reversed", first=first, last=last, reason=exc) from None


def scenario_argument(scenario: str) -> str:
    """A sandbox scenario: a name under sandbox/scenarios, or the path of a YAML file that exists."""
    from sandbox.scenario import SCENARIO_DIR

    if Path(scenario).suffix:
        if not Path(scenario).is_file():
            raise UsageProblem("scenario_file", scenario=scenario)
        return scenario
    known = sorted(path.stem for path in SCENARIO_DIR.glob("*.yaml"))
    if scenario not in known:
        raise UsageProblem("scenario_unknown", scenario=scenario, closest=nearest(scenario, known),
                           known=", ".join(known))
    return scenario


def sync_failure(reports) -> Exception:
    """The error for syncs with failed partitions: unreachable when every failure was a SourceError."""
    failures = {f"{r.source} {partition}": error for r in reports for partition, error in r.failed_partitions.items()}
    where, first = next(iter(failures.items()))
    unreachable = f"{SourceError.__name__}: "  # pipeline records a failure as "<exception type>: <message>"
    if all(error.startswith(unreachable) for error in failures.values()):
        return SourcesUnreachable("sources_unreachable", where=where, first=first.removeprefix(unreachable),
                                  count=len(failures))
    return SyncFailed("sync_failed", count=len(failures), where=where, first=first)
