"""Bulk import of workers from a spreadsheet (CSV in UTF-8 or GBK, or .xlsx). Domain code: no Flask.

``read_rows`` turns a file into rows of fields; ``import_workers`` registers them
all or, if any row is bad, none: it returns every row's errors so the agency can
fix the file in one go. The caller owns the transaction and rolls back on errors.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy.orm import Session

from bot.errors import AnxinError, BadRequest
from bot.models import Agency
from bot.registry.workers import WORKER_FIELDS, InvalidField, parse_worker, register_worker
from bot.security import FieldCipher

# Column headings an agency's own spreadsheet may use, Chinese or English.
HEADER_ALIASES = {
    "姓名": "name", "身份证号": "id_number", "身份证号码": "id_number", "手机": "phone", "手机号": "phone",
    "手机号码": "phone", "性别": "gender", "出生日期": "birth_date", "服务类型": "service_types",
    "从业年限": "experience_years", "籍贯": "hometown", "授权日期": "consent_signed_on",
    "授权签署日期": "consent_signed_on",
}
REQUIRED_COLUMNS = ("name", "id_number", "phone", "gender", "birth_date", "service_types", "experience_years")
MAX_ROWS = 20000


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet shows it: the header is row 1
    fields: dict[str, Any]


@dataclass(frozen=True)
class RowError:
    row: int
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行" + (f" 字段 {self.field}" if self.field else "")
        return f"{where}：{self.message}"


class ImportFailed(BadRequest):
    """The file was not imported; ``errors`` says which rows and fields were wrong."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"导入失败：{len(errors)} 处错误，未导入任何数据 (nothing imported)", code="import_failed")
        self.errors = errors


def _header(cells: Iterable[Any]) -> list[str]:
    names = []
    for cell in cells:
        name = str(cell or "").strip().lstrip("\ufeff")
        names.append(HEADER_ALIASES.get(name, name.lower()))
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise BadRequest(f"缺少列 {', '.join(missing)} (missing columns)", code="missing_columns")
    unknown = [n for n in names if n and n not in WORKER_FIELDS]
    if unknown:
        raise BadRequest(f"未知的列 {', '.join(unknown)} (unknown columns)", code="unknown_columns")
    return names


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")  # Excel in China saves CSV as GBK; GB18030 is its superset
    except UnicodeDecodeError:
        raise BadRequest("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV (unknown encoding)",
                         code="bad_encoding") from None


def _rows(header: list[str], records: Iterator[tuple[int, list[Any]]]) -> list[Row]:
    rows: list[Row] = []
    for number, cells in records:
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue  # blank lines
        if len(rows) >= MAX_ROWS:
            raise BadRequest(f"每个文件最多 {MAX_ROWS} 行 (too many rows)", code="too_many_rows")
        extra = [c for c in cells[len(header):] if c is not None and str(c).strip()]
        if extra:
            raise BadRequest(f"第 {number} 行比表头多出 {len(extra)} 列（可能是未加引号的逗号）(row {number}: extra cells)",
                             code="extra_cells")
        fields = {name: value for name, value in zip(header, cells, strict=False) if name}
        rows.append(Row(number, {k: v for k, v in fields.items() if v is not None and v != ""}))
    return rows


def read_rows(path: Path) -> list[Row]:
    """Read a .csv (UTF-8 with or without BOM, or GBK) or .xlsx file of workers."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text = _decode(path.read_bytes())
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = _header(next(reader))
            return _rows(header, ((reader.line_num, row) for row in reader))
        except StopIteration:
            raise BadRequest("文件是空的 (empty file)", code="empty_file") from None
        except csv.Error as exc:
            raise BadRequest(f"第 {reader.line_num} 行无法读取 (row {reader.line_num}: {exc})", code="bad_file") from None
    if suffix == ".xlsx":
        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except (OSError, KeyError, ValueError, zipfile.BadZipFile, InvalidFileException) as exc:
            raise BadRequest(f"无法读取 Excel 文件 (cannot read .xlsx): {exc}", code="bad_file") from None
        try:
            sheet = book.worksheets[0]
            records = sheet.iter_rows(values_only=True)
            try:
                header = _header(next(records))
            except StopIteration:
                raise BadRequest("文件是空的 (empty file)", code="empty_file") from None
            return _rows(header, ((i, list(r)) for i, r in enumerate(records, start=2)))
        finally:
            book.close()
    raise BadRequest("只支持 .csv 和 .xlsx 文件 (CSV or XLSX only)", code="bad_file")


def import_workers(
    session: Session,
    agency: Agency,
    rows: list[Row],
    cipher: FieldCipher,
    today: dt.date,
    progress: Callable[[Row], None] | None = None,
) -> int:
    """Register every row's worker; raise ImportFailed listing every bad row (the caller rolls back)."""
    errors: list[RowError] = []
    seen: dict[str, int] = {}  # ID number → the row it first appeared in
    for row in rows:
        try:
            fields = parse_worker(row.fields, today, spreadsheet=True)
            if fields.id_number in seen:
                raise InvalidField("id_number", f"与第 {seen[fields.id_number]} 行的身份证号重复")
            seen[fields.id_number] = row.number
            register_worker(session, agency, fields, cipher)
        except InvalidField as exc:
            errors.extend(RowError(row.number, p.field, p.why) for p in exc.problems)
        except AnxinError as exc:
            errors.append(RowError(row.number, "id_number" if exc.code == "duplicate_worker" else None, exc.message))
        if progress is not None:
            progress(row)
    if errors:
        raise ImportFailed(errors)
    session.flush()
    return len(rows)
