"""Bulk import of workers from a spreadsheet (CSV in UTF-8 or GBK, or .xlsx). Domain code: no Flask.

``read_upload`` (bytes and the name they came with) and ``read_rows`` (a file) turn a
spreadsheet into rows of fields; ``import_workers`` registers them all or, if any row is
bad, none: it returns every row's errors so the agency can fix the file in one go. The
caller owns the transaction and rolls back on errors.

A spreadsheet is an untrusted program for a parser: an .xlsx is a zip of XML, and a few
hundred KiB can hold millions of shared strings or rows. So before openpyxl opens one,
its zip directory is checked (members, uncompressed size in all and of each member) and
its shared strings are counted as they stream past; every row counts against
``MAX_ROWS``, blank ones too; and reading stops after ``MAX_READ_SECONDS``. Each refusal
is a ``BadRequest`` (or ``PayloadTooLarge``) with a Chinese message, before anything is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import IO, Any
from xml.etree import ElementTree
from xml.parsers import expat

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy.orm import Session

from bot.agency.exports import Cell, xlsx_book
from bot.agency.schemas import cell_date
from bot.agency.workers import WORKER_FIELDS, InvalidField, parse_worker, record_verification, register_worker
from bot.core.errors import AnxinError, BadRequest, PayloadTooLarge
from bot.core.security import FieldCipher
from bot.lookup.credit import KIND_LABELS
from bot.models import VERIFICATION_KINDS, Agency

# Column headings an agency's own spreadsheet may use, Chinese or English.
HEADER_ALIASES = {
    "姓名": "name", "身份证号": "id_number", "身份证号码": "id_number", "手机": "phone", "手机号": "phone",
    "手机号码": "phone", "性别": "gender", "出生日期": "birth_date", "服务类型": "service_types",
    "从业年限": "experience_years", "籍贯": "hometown", "授权日期": "consent_signed_on",
    "授权签署日期": "consent_signed_on",
}
# Each column's heading in the template (``template_xlsx``) and in every error: the agency's words, not ours.
FIELD_LABELS = {
    "name": "姓名", "id_number": "身份证号", "phone": "手机号", "gender": "性别", "birth_date": "出生日期",
    "service_types": "服务类型", "experience_years": "从业年限", "hometown": "籍贯", "consent_signed_on": "授权日期",
}
# A check of each kind (health certificate, insurance …) as verified, with the day it was issued and runs out:
# ``health.issued_on`` under 健康证签发日期, ``health.expires_on`` under 健康证有效期至.
CHECK_PARTS = {"issued_on": "签发日期", "expires_on": "有效期至"}
CHECK_COLUMNS = {f"{kind}.{part}": KIND_LABELS[kind] + label for kind in VERIFICATION_KINDS
                 for part, label in CHECK_PARTS.items()}
FIELD_LABELS.update(CHECK_COLUMNS)
HEADER_ALIASES.update({label: name for name, label in CHECK_COLUMNS.items()})
HEADER_ALIASES.update({f"{KIND_LABELS[kind]}到期日期": f"{kind}.expires_on" for kind in VERIFICATION_KINDS})
REQUIRED_COLUMNS = ("name", "id_number", "phone", "gender", "birth_date", "service_types", "experience_years")
MAX_ROWS = 20000  # rows under the header, blank ones included: each one costs reading
MAX_COLUMNS = 32  # cells read of each row; a cell in column XFD must not make every row 16,384 wide
MAX_FILE_BYTES = 10 * 1024 * 1024  # bot.edge.bodylimits.IMPORT_BODY_LIMIT lets an upload of this size through
# A real workbook of MAX_ROWS workers: a dozen zip members, a sheet of about 10 MiB, one shared string a cell at most.
MAX_XLSX_MEMBERS = 64
MAX_XLSX_MEMBER_BYTES = 32 * 1024 * 1024
MAX_XLSX_TOTAL_BYTES = 64 * 1024 * 1024
MAX_SHARED_STRINGS = MAX_ROWS * 12
MAX_READ_SECONDS = 20.0
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet shows it: the header is row 1
    fields: dict[str, Any]


@dataclass(frozen=True)
class RowError:
    row: int
    field: str | None
    message: str
    person: str | None = None  # the row's 姓名, so the agency finds it

    @property
    def column(self) -> str:
        """The field as the spreadsheet's heading names it (身份证号, 健康证有效期至)."""
        return FIELD_LABELS.get(self.field or "", self.field or "")

    def __str__(self) -> str:
        where = f"第 {self.row} 行" + (f"（{self.person}）" if self.person else "") + (
            f" {self.column}" if self.field else "")
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
        raise BadRequest(f"缺少列：{'、'.join(FIELD_LABELS[c] for c in missing)}（请使用导入模板的表头）(missing columns)",
                         code="missing_columns")
    unknown = [n for n in names if n and n not in WORKER_FIELDS and n not in CHECK_COLUMNS]
    if unknown:
        raise BadRequest(f"无法识别的列：{'、'.join(unknown)}（请使用导入模板的表头）(unknown columns)",
                         code="unknown_columns")
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


class Deadline:
    """When reading must have finished: a file that takes longer is refused, whatever made it slow."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self.seconds = seconds

    def check(self) -> None:
        if time.monotonic() > self.at:
            raise BadRequest(f"文件读取超过 {self.seconds:g} 秒，已停止，未导入任何数据 (reading took too long)",
                             code="too_slow")


def _rows(header: list[str], records: Iterator[tuple[int, list[Any]]], deadline: Deadline) -> list[Row]:
    rows: list[Row] = []
    for count, (number, cells) in enumerate(records, start=1):
        # Blank rows count too: skipped for free, a million of them took a worker 42 s.
        if count > MAX_ROWS:
            raise BadRequest(f"每个文件最多 {MAX_ROWS} 行（空行也计算在内），未导入任何数据 (too many rows)",
                             code="too_many_rows")
        if count % 256 == 0:
            deadline.check()
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue  # blank lines
        extra = [c for c in cells[len(header):] if c is not None and str(c).strip()]
        if extra:
            raise BadRequest(f"第 {number} 行比表头多出 {len(extra)} 列（可能是未加引号的逗号）(row {number}: extra cells)",
                             code="extra_cells")
        fields = {name: value for name, value in zip(header, cells, strict=False) if name}
        rows.append(Row(number, {k: v for k, v in fields.items() if v is not None and v != ""}))
    return rows


def read_rows(path: Path, *, seconds: float = MAX_READ_SECONDS) -> list[Row]:
    """Read a .csv (UTF-8 with or without BOM, or GBK) or .xlsx file of workers."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise _too_large()
    return read_upload(path.read_bytes(), path.name, seconds=seconds)


def read_upload(data: bytes, filename: str, *, seconds: float = MAX_READ_SECONDS) -> list[Row]:
    """Read an uploaded spreadsheet: ``data`` as sent, ``filename`` as the browser named it (its suffix says which kind)."""
    if "\x00" in filename:
        raise BadRequest("文件名含有无效字符 (NUL in file name)", code="bad_filename")
    if len(data) > MAX_FILE_BYTES:
        raise _too_large()
    deadline = Deadline(seconds)
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".csv":
        return _read_csv(data, deadline)
    if suffix == ".xlsx":
        return _read_xlsx(data, deadline)
    raise BadRequest("只支持 .csv 和 .xlsx 文件 (CSV or XLSX only)", code="bad_file")


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge(f"文件不能超过 {MAX_FILE_BYTES // (1024 * 1024)} MiB (file too large)", code="too_large")


def _read_csv(data: bytes, deadline: Deadline) -> list[Row]:
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    try:
        header = _header(next(reader))
        return _rows(header, ((reader.line_num, row) for row in reader), deadline)
    except StopIteration:
        raise BadRequest("文件是空的 (empty file)", code="empty_file") from None
    except csv.Error as exc:
        raise BadRequest(f"第 {reader.line_num} 行无法读取 (row {reader.line_num}: {exc})", code="bad_file") from None


# What reading a damaged or hand-made .xlsx raises from zipfile, zlib, expat and openpyxl: a broken part
# (ParseError), a flipped byte in deflated data (zlib.error, EOFError), a flipped compression method or
# version (NotImplementedError), a missing part (KeyError), a workbook of no sheets (IndexError).
_UNREADABLE = (OSError, KeyError, IndexError, ValueError, EOFError, NotImplementedError, zipfile.BadZipFile,
               zlib.error, InvalidFileException, expat.ExpatError, ElementTree.ParseError)


def _read_xlsx(data: bytes, deadline: Deadline) -> list[Row]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_archive(archive, deadline)
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _UNREADABLE as exc:
        raise BadRequest(f"无法读取 Excel 文件 (cannot read .xlsx): {str(exc)[:200]}", code="bad_file") from None
    try:
        deadline.check()
        if not book.worksheets:
            raise BadRequest("Excel 文件里没有工作表 (no worksheet)", code="bad_file")
        sheet = book.worksheets[0]
        records = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        try:
            header = _header(next(records))
        except StopIteration:
            raise BadRequest("文件是空的 (empty file)", code="empty_file") from None
        return _rows(header, ((i, list(r)) for i, r in enumerate(records, start=2)), deadline)
    except _UNREADABLE as exc:  # a part the directory promised is broken
        raise BadRequest(f"无法读取 Excel 文件 (cannot read .xlsx): {str(exc)[:200]}", code="bad_file") from None
    finally:
        book.close()


def _check_archive(archive: zipfile.ZipFile, deadline: Deadline) -> None:
    """Refuse a workbook whose zip directory or shared strings are beyond what a real one holds.

    The directory's sizes bind: zipfile stops a member at its stated size (and fails its CRC if
    the data goes on), so a member cannot inflate past what was checked here.
    """
    members = archive.infolist()
    if len(members) > MAX_XLSX_MEMBERS:
        raise BadRequest(f"Excel 文件内部的部件过多（{len(members)} 个，最多 {MAX_XLSX_MEMBERS} 个），未导入任何数据 "
                         "(too many parts in the .xlsx)", code="xlsx_too_complex")
    biggest = max((m.file_size for m in members), default=0)
    total = sum(m.file_size for m in members)
    if biggest > MAX_XLSX_MEMBER_BYTES or total > MAX_XLSX_TOTAL_BYTES:
        raise BadRequest(f"Excel 文件解压后过大（{total // (1024 * 1024)} MiB），未导入任何数据 "
                         "(.xlsx too large uncompressed)", code="xlsx_too_large")
    for part in _shared_string_parts(archive):
        with archive.open(part) as stream:
            _count_shared_strings(stream, deadline)


def _shared_string_parts(archive: zipfile.ZipFile) -> list[str]:
    """The members the package's manifest names as shared strings, as openpyxl finds them."""
    parts: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if name.rpartition(" ")[2] == "Override" and attrs.get("ContentType") == SHARED_STRINGS_TYPE:
            parts.append(attrs.get("PartName", "").lstrip("/"))

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    with archive.open("[Content_Types].xml") as manifest:
        parser.ParseFile(manifest)
    return [p for p in parts if p in archive.NameToInfo]


def _count_shared_strings(stream: IO[bytes], deadline: Deadline) -> None:
    """Stream the shared strings past a counter; stop at the first one over MAX_SHARED_STRINGS."""
    count = 0

    def start(name: str, _attrs: dict[str, str]) -> None:
        nonlocal count
        if name.rpartition(" ")[2] == "si":
            count += 1
            if count > MAX_SHARED_STRINGS:
                raise BadRequest(f"Excel 文件的共享字符串超过 {MAX_SHARED_STRINGS} 个，未导入任何数据 "
                                 "(too many shared strings)", code="xlsx_too_complex")

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    while chunk := stream.read(_CHUNK):
        parser.Parse(chunk, False)
        deadline.check()
    parser.Parse(b"", True)


def _checks(row: Row) -> tuple[dict[str, dict[str, dt.date | None]], list[RowError]]:
    """The row's checks: kind → its issued_on and expires_on days; an error for a cell that is not a day."""
    checks: dict[str, dict[str, dt.date | None]] = {}
    errors: list[RowError] = []
    for column in CHECK_COLUMNS:
        if column not in row.fields:
            continue
        kind, part = column.split(".")
        value = cell_date(row.fields[column])
        if isinstance(value, dt.date):
            checks.setdefault(kind, {"issued_on": None, "expires_on": None})[part] = value
        else:
            errors.append(RowError(row.number, column, "应为日期，如 2027-03-31 或 2027/3/31",
                                   _person(row)))
    return checks, errors


def _person(row: Row) -> str | None:
    name = row.fields.get("name")
    return str(name).strip()[:20] or None if name is not None else None


def import_workers(
    session: Session,
    agency: Agency,
    rows: list[Row],
    cipher: FieldCipher,
    today: dt.date,
    progress: Callable[[Row], None] | None = None,
) -> int:
    """Register every row's worker and her checks; raise ImportFailed listing every bad row, each named by its
    row number, the person and the column's heading (the caller rolls back)."""
    errors: list[RowError] = []
    seen: dict[str, int] = {}  # ID number → the row it first appeared in
    for row in rows:
        person = _person(row)
        checks, bad_checks = _checks(row)
        errors.extend(bad_checks)
        worker_fields = {k: v for k, v in row.fields.items() if k not in CHECK_COLUMNS}
        try:
            fields = parse_worker(worker_fields, today, spreadsheet=True)
            if fields.id_number in seen:
                raise InvalidField("id_number", f"与第 {seen[fields.id_number]} 行的身份证号重复")
            seen[fields.id_number] = row.number
            worker = register_worker(session, agency, fields, cipher)
            for kind, days in checks.items():
                try:
                    record_verification(session, worker, kind=kind, status="verified", document_no=None,
                                        issued_on=days["issued_on"], expires_on=days["expires_on"], today=today,
                                        cipher=cipher)
                except InvalidField as exc:
                    errors.extend(RowError(row.number, f"{kind}.{p.field}" if p.field in CHECK_PARTS else None,
                                           f"{KIND_LABELS[kind]}：{p.why}", person) for p in exc.problems)
        except InvalidField as exc:
            errors.extend(RowError(row.number, p.field, p.why, person) for p in exc.problems)
        except AnxinError as exc:
            errors.append(RowError(row.number, "id_number" if exc.code == "duplicate_worker" else None, exc.message,
                                   person))
        if progress is not None:
            progress(row)
    if errors:
        raise ImportFailed(errors)
    session.flush()
    return len(rows)


TEMPLATE_COLUMNS = (*FIELD_LABELS.keys(),)
TEMPLATE_NOTES = (
    ("姓名、身份证号、手机号、性别、出生日期、服务类型、从业年限", "必填"),
    ("身份证号", "请设为文本格式，否则 Excel 会丢掉末几位"),
    ("性别", "女 或 男"),
    ("出生日期、授权日期、签发日期、有效期至", "日期，如 1985-06-12 或 1985/6/12"),
    ("服务类型", "用顿号分隔，如 月嫂、育婴师"),
    ("授权日期", "服务员签署公开授权书的日期；未签署请留空"),
    ("某项核验的签发日期、有效期至", "填写即记为“已核验”；健康证和保险须填有效期至"),
    ("导入规则", "只要有一处错误，整个文件都不导入，并列出每一行（含姓名）的每一处错误"),
)


def template_xlsx() -> bytes:
    """The import template: the headings on the first sheet (what is read), a filled-in example and the rules
    on the second (never read)."""
    example: dict[str, Cell] = {"name": "伍秀芳", "id_number": "（18位身份证号）", "phone": "13905741234", "gender": "女",
               "birth_date": "1985-06-12", "service_types": "月嫂、育婴师", "experience_years": 6, "hometown": "浙江宁波",
               "consent_signed_on": "2026-12-01", "health.expires_on": "2027-06-30", "insurance.expires_on": "2027-12-31",
               "identity.issued_on": "2026-12-01"}
    headers = [FIELD_LABELS[c] for c in TEMPLATE_COLUMNS]
    return xlsx_book([
        ("服务员", headers, [], {FIELD_LABELS["id_number"]}),
        ("填写示例", headers, [[example.get(c, "") for c in TEMPLATE_COLUMNS]], set()),
        ("填写说明", ("列", "说明"), [list(n) for n in TEMPLATE_NOTES], set()),
    ])
