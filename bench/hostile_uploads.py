"""The hostile spreadsheets of issue 36, made small on disk, and what reading one costs.

    python -m bench.hostile_uploads make DIR          # strings.xlsx (5M shared strings); blank.xlsx, blank.csv (1M blank rows)
    python -m bench.hostile_uploads read FILE         # read_rows(FILE): seconds, peak RSS, outcome

Each ``read`` runs in a process of its own, so the peak RSS is that file's alone.
"""

from __future__ import annotations

import io
import resource
import sys
import time
import zipfile
from pathlib import Path

HEADER = ("姓名", "身份证号", "手机号", "性别", "出生日期", "服务类型", "从业年限")

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>'
)


def _column(index: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[index]


def hostile_xlsx(shared_strings: int = 0, blank_rows: int = 0, cells_per_blank_row: int = 0) -> bytes:
    """An .xlsx whose header row is right, with ``shared_strings`` extra shared strings and ``blank_rows`` empty rows
    (each with ``cells_per_blank_row`` cells that hold nothing, as a spreadsheet formatted down to its last row has).

    Written by hand (openpyxl writes neither a bomb nor empty rows): both parts are one pattern
    repeated, so they compress about 400 to 1 and the file stays small on disk.
    """
    header = "".join(f"<si><t>{name}</t></si>" for name in HEADER)
    strings = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{header}'
               + "<si><t>x</t></si>" * shared_strings + "</sst>")
    cells = "".join(f'<c r="{_column(i)}1" t="s"><v>{i}</v></c>' for i in range(len(HEADER)))
    rows = "".join(f'<row r="{n}">' + "".join(f'<c r="{_column(i)}{n}" s="1"/>' for i in range(cells_per_blank_row))
                   + "</row>" for n in range(2, blank_rows + 2))
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'<sheetData><row r="1">{cells}</row>{rows}</sheetData></worksheet>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _ROOT_RELS)
        book.writestr("xl/workbook.xml", _WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        book.writestr("xl/worksheets/sheet1.xml", sheet)
        book.writestr("xl/sharedStrings.xml", strings)
    return out.getvalue()


def blank_csv(blank_rows: int) -> bytes:
    """A CSV whose header is right, then ``blank_rows`` rows of empty cells (5 bytes each)."""
    return (",".join(HEADER) + "\n").encode() + b",,,,\n" * blank_rows


def make(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "strings.xlsx").write_bytes(hostile_xlsx(shared_strings=5_000_000))
    (folder / "blank.xlsx").write_bytes(hostile_xlsx(blank_rows=1_000_000, cells_per_blank_row=1))
    (folder / "blank.csv").write_bytes(blank_csv(1_000_000))
    for path in sorted(folder.iterdir()):
        print(f"{path}: {path.stat().st_size / 1024:.0f} KiB")


def read(path: Path) -> None:
    from bot.agency.imports import read_rows
    from bot.core.errors import AnxinError

    started = time.perf_counter()
    try:
        outcome = f"{len(read_rows(path))} rows"
    except AnxinError as exc:
        outcome = f"refused {exc.code}: {exc.message}"
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{path.name}: {seconds:.2f} s, peak RSS {peak_mib:.0f} MiB, {outcome}")


if __name__ == "__main__":
    command, target = sys.argv[1], Path(sys.argv[2])
    make(target) if command == "make" else read(target)
