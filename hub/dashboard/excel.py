"""The Excel export of what the screen shows: one sheet per table, the screen's headers (Vietnamese
by default), typed cells with number formats, so figures stay numbers in the ministry's sheets."""
from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.styles import Font

from hub.dashboard.view import Screen, cell_value

FORMATS = {"num": "#,##0", "pct": "0.00"}
DAY_FORMAT = {"vi": "DD/MM/YYYY", "en": "YYYY-MM-DD"}
SHEET_NAME_MAX = 31  # Excel's limit
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_titles(screen: Screen, t: dict[str, str]) -> dict[str, str]:
    """Table key → its sheet's title: its short name, else its heading, cut to Excel's limit, made unique."""
    titles: dict[str, str] = {}
    for table in screen.tables:
        base = _FORBIDDEN.sub("-", t.get(f"sheet_{table.key}", t[table.title]))[:SHEET_NAME_MAX]
        title, n = base, 2
        while title in titles.values():
            suffix = f" ({n})"
            title, n = base[:SHEET_NAME_MAX - len(suffix)] + suffix, n + 1
        titles[table.key] = title
    return titles


def workbook_bytes(screen: Screen, t: dict[str, str], language: str) -> bytes:
    book = Workbook()
    book.remove(book.active)
    titles = sheet_titles(screen, t)
    bold = Font(bold=True)
    for table in screen.tables:
        sheet = book.create_sheet(titles[table.key])
        if table.missing:
            sheet.append([t["not_published"].format(table=table.source) if table.missing == "absent" else t["no_data"]])
            continue
        sheet.append([t[c.label] for c in table.columns])
        for cell in sheet[1]:
            cell.font = bold
        for row in table.rows:
            sheet.append([cell_value(row, c, t) for c in table.columns])
            for cell, column in zip(sheet[sheet.max_row], table.columns):
                kind = row.get("kind") if column.kind == "value" else column.kind
                if kind in FORMATS:
                    cell.number_format = FORMATS[kind]
                elif kind == "day":
                    cell.number_format = DAY_FORMAT[language]
        for letter, column in zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", table.columns):
            sheet.column_dimensions[letter].width = max(10, min(40, len(t[column.label]) + 2))
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
