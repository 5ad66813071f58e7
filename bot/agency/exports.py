"""Lists as spreadsheets (.xlsx) for an agency to keep or pass on. Domain code: no Flask.

A spreadsheet is opened by people who trust it: a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or
carriage return before one) is a formula to Excel and WPS, and a family's complaint or a worker's name typed as
``=HYPERLINK(...)`` would run as one (OWASP, "CSV Injection"). Such text is written with a leading apostrophe,
as a spreadsheet's own "text" prefix. ID numbers never leave unmasked: callers pass them through ``mask_id``.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

Cell = str | int | float | dt.date | dt.datetime | None
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_WIDTH = 60


def safe_cell(value: Cell) -> Cell:
    """The value as a cell that is never read as a formula (text starting with = + - @ gets a ' before it);
    times without their zone (a spreadsheet keeps none: callers give local times)."""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


def mask_id(number: str) -> str:
    """An ID number as it may be shown: the first 3 and the last 4 characters (330***********1234)."""
    return number[:3] + "*" * max(0, len(number) - 7) + number[-4:] if len(number) > 7 else "****"


def xlsx(title: str, headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """One sheet named ``title``: a bold header row, then ``rows``, every cell through ``safe_cell``."""
    return xlsx_book([(title, headers, rows, set())])


def xlsx_book(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Cell]], set[str]]]) -> bytes:
    """A workbook of sheets: (title, headers, rows, the headings of columns formatted as text: an ID number typed
    into a General cell loses its last digits)."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for title, headers, rows, text_columns in sheets:
        _sheet(book.create_sheet(title[:31]), headers, rows, text_columns)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet(sheet: Worksheet, headers: Sequence[str], rows: Iterable[Sequence[Cell]], text_columns: set[str]) -> None:
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(h) * 2 + 2 for h in headers]
    for row in rows:
        values = [safe_cell(v) for v in row]
        sheet.append(values)
        for i, value in enumerate(values[:len(widths)]):
            widths[i] = max(widths[i], min(MAX_WIDTH, len(str(value or "")) * 2 if isinstance(value, str) else 12))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    for i, width in enumerate(widths, start=1):
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = width
        if headers[i - 1] in text_columns:  # the column's own style: cells typed into it later are text
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
