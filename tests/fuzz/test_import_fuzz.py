"""Fuzzing the worker import (console upload) with spreadsheets openpyxl writes here, and with broken files.

Whatever is uploaded: never a 500. A valid sheet imports every row (200, "已导入 N 名服务员", N more workers).
Anything refused is a 4xx page with a Chinese error box, and not one row was written.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import itertools
import zipfile
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import assume, event, given
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tests.support.agency import id_number
from tests.support.console import Console, signed_in_admin, text
from tests.support.factories import make_agency
from tests.support.fuzz import budget, chinese_error, row_counts
from tests.support.strategies import hostile

TODAY = dt.date.today()
PAGE = "/console/workers/import"
COLUMNS = {  # field: the headings a sheet may use for it
    "name": ["姓名", "name"], "id_number": ["身份证号", "身份证号码", "id_number"], "phone": ["手机号", "手机", "phone"],
    "gender": ["性别", "gender"], "birth_date": ["出生日期", "birth_date"], "service_types": ["服务类型", "service_types"],
    "experience_years": ["从业年限", "experience_years"], "hometown": ["籍贯", "hometown"],
    "consent_signed_on": ["授权日期", "consent_signed_on"],
}
OPTIONAL = ("hometown", "consent_signed_on")
_serial = itertools.count(1)
unique = st.just(None).map(lambda _: next(_serial))


@pytest.fixture
def desk(app: Flask, client: FlaskClient, session) -> Console:
    agency, _ = make_agency(session, "宁波甬城家政")
    return signed_in_admin(app, client, agency.id)


def _upload(app: Flask, desk: Console, filename: str, data: bytes) -> tuple[int, str, dict[str, int], dict[str, int]]:
    engine = app.extensions["anxin_db"].engine
    assert desk.get(PAGE).status_code == 200  # the form, and its CSRF token
    before = row_counts(engine)
    res = desk.post(PAGE, {"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")
    after = row_counts(engine)
    if res.status_code != 200:  # a file a refused import left open is reported here (ResourceWarning), not later
        gc.collect()
    assert res.status_code < 500, (res.status_code, text(res)[:800])
    if currently_in_test_context():
        event(f"{filename.rsplit('.', 1)[-1]}: {res.status_code}")
    return res.status_code, text(res), before, after


def _refused_cleanly(status: int, page: str, before: dict[str, int], after: dict[str, int]) -> None:
    assert 400 <= status < 500, status
    assert chinese_error(page), page[:2000]
    assert after == before, "a refused import wrote rows"


def _check(app: Flask, desk: Console, filename: str, data: bytes, valid_rows: int | None) -> None:
    """``valid_rows``: the number of workers a valid file holds (it must import), None for any other file."""
    status, page, before, after = _upload(app, desk, filename, data)
    if valid_rows is not None:
        assert status == 200, chinese_error(page) or page[:2000]
    if status == 200:
        imported = after["worker"] - before["worker"]
        assert f"已导入 {imported} 名服务员" in page and imported > 0
        assert valid_rows is None or imported == valid_rows
    else:
        _refused_cleanly(status, page, before, after)


# -- sheets: valid rows, then some cells spoiled --------------------------------------------------

@st.composite
def valid_rows(draw: st.DrawFn) -> dict[str, Any]:
    birth = TODAY - dt.timedelta(days=draw(st.integers(17 * 366, 79 * 365)))
    return {
        "name": draw(st.sampled_from(["伍秀芳", "陈美玲", "李春梅", "阿依古丽·买买提", "Anna Li"])),
        "id_number": id_number(birth, draw(unique)),
        "phone": draw(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)),
        "gender": draw(st.sampled_from(["女", "男", "female", "male"])),
        "birth_date": draw(st.sampled_from([birth.isoformat(), f"{birth.year}/{birth.month}/{birth.day}",
                                            dt.datetime.combine(birth, dt.time())])),
        "service_types": draw(st.sampled_from(["月嫂", "月嫂、育婴师", "保洁,保姆"])),
        "experience_years": draw(st.one_of(st.integers(0, 60), st.integers(0, 60).map(str))),
        "hometown": draw(st.sampled_from([None, "浙江宁波", "湖南衡阳"])),
        "consent_signed_on": draw(st.one_of(st.none(), st.integers(0, 300).map(lambda d: TODAY - dt.timedelta(days=d)))),
    }


bad_cells = st.one_of(
    st.integers(-(10**15), 10**15), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2100, 1, 1)), st.dates().map(str),
    st.text(max_size=40), st.just("x" * 32_767), st.just("长" * 5000),  # Excel's largest cell, and a long name
    st.sampled_from(["=1+1", "=SUM(A1:A9)", '=HYPERLINK("http://evil.example/","点我")', "=1/0", "@SUM(1)",
                     "+cmd|' /C calc'!A0", "-2+3", "\u202e伍秀芳", "伍\u200b秀芳", "ＡＢＣ", "𠀀𠀁", "😀😀",
                     "١٢٣", "⑫", "13905741234\u0000", "２０２０-０１-０１"]),
    hostile,
)


@st.composite
def sheets(draw: st.DrawFn) -> tuple[list[str], list[list[Any]], bool]:
    """A header, its rows, and whether the sheet is valid as drawn."""
    fields = [*COLUMNS][:7] + [f for f in OPTIONAL if draw(st.booleans())]
    fields = draw(st.permutations(fields))
    header = [draw(st.sampled_from(COLUMNS[f])) for f in fields]
    rows = [[row[f] for f in fields] for row in draw(st.lists(valid_rows(), min_size=1, max_size=6))]
    spoil = draw(st.sampled_from([False, True, True]))
    if spoil:
        for _ in range(draw(st.integers(1, 4))):
            r = draw(st.integers(0, len(rows) - 1))
            c = draw(st.integers(0, len(fields) - 1))
            rows[r][c] = draw(st.one_of(bad_cells, st.none()))
        if draw(st.integers(0, 4)) == 0:  # a heading lost, renamed or added
            i = draw(st.integers(0, len(header) - 1))
            header[i] = draw(st.sampled_from(["", "备注", "身份证", header[i].upper(), "姓名"]))
    return header, rows, not spoil


def xlsx(header: list[str], rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for line in (header, *rows):
        # openpyxl cannot write characters XML forbids (they are tested through CSV); drop them here.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in line])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(header: list[str], rows: list[list[Any]], encoding: str) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode(encoding, errors="replace")


@budget(40)
@given(sheet=sheets(), fmt=st.sampled_from(["xlsx", "xlsx", "utf-8", "utf-8-sig", "gbk"]))
def test_generated_sheets(app: Flask, desk: Console, sheet: tuple[list[str], list[list[Any]], bool], fmt: str) -> None:
    header, rows, valid = sheet
    if fmt == "xlsx":
        _check(app, desk, "workers.xlsx", xlsx(header, rows), len(rows) if valid else None)
    else:
        data = csv_bytes(header, rows, fmt)
        # GBK cannot carry every name (阿依古丽·买买提's dot is fine, 𠀀 is not): such a sheet is valid only in UTF-8.
        exact = data.decode(fmt, errors="strict") == csv_bytes(header, rows, "utf-8").decode("utf-8")
        _check(app, desk, "workers.csv", data, len(rows) if valid and exact else None)


# -- hostile files ------------------------------------------------------------------------------------

def _good_book() -> bytes:
    birth = dt.date(1985, 6, 12)
    row = ["伍秀芳", id_number(birth, 901), "13905741234", "女", birth.isoformat(), "月嫂", 6]
    return xlsx(["姓名", "身份证号", "手机号", "性别", "出生日期", "服务类型", "从业年限"], [row])


GOOD_BOOK = _good_book()


def _rezip(book: bytes, change: dict[str, bytes | None], extra: dict[str, bytes] | None = None) -> bytes:
    """``book`` with members replaced (None: dropped) and members added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in change:
                replaced = change[info.filename]
                if replaced is not None:
                    dst.writestr(info.filename, replaced)
            else:
                dst.writestr(info, src.read(info))
        for name, data in (extra or {}).items():
            dst.writestr(name, data)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">' + b"".join(
    f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(8))
    + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
    b'<c r="A1" t="inlineStr"><is><t>&i;</t></is></c></row></sheetData></worksheet>')
HOSTILE_FILES = {
    "not a zip": b"PK\x03\x04 this is not really a zip",
    "empty": b"",
    "a CSV named .xlsx": "姓名,身份证号\n伍秀芳,1\n".encode(),
    "truncated zip": GOOD_BOOK[: len(GOOD_BOOK) // 2],
    "zip with extra members": _rezip(GOOD_BOOK, {}, {"../../evil.sh": b"rm -rf /", "xl/media/x.bin": b"\0" * 10_000,
                                                     "docProps/custom.xml": b"<not-closed"}),
    "a zip bomb member": _rezip(GOOD_BOOK, {}, {"xl/bomb.bin": b"\0" * 50_000_000}),
    "sheet missing": _rezip(GOOD_BOOK, {SHEET: None}),
    "sheet not XML": _rezip(GOOD_BOOK, {SHEET: b"\x89PNG not xml"}),
    "sheet cut short": _rezip(GOOD_BOOK, {SHEET: b'<worksheet xmlns="http://schemas.openxmlformats.org/'
                                                  b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1"'}),
    "sheet with entity expansion": _rezip(GOOD_BOOK, {SHEET: LAUGHS}),
    "workbook.xml not XML": _rezip(GOOD_BOOK, {"xl/workbook.xml": b"<<<"}),
    "content types missing": _rezip(GOOD_BOOK, {"[Content_Types].xml": None}),
    "shared strings broken": _rezip(GOOD_BOOK, {"xl/sharedStrings.xml": b"<sst><si><t>x</t>"}),
    "a plain zip": _rezip(GOOD_BOOK, {name: None for name in zipfile.ZipFile(io.BytesIO(GOOD_BOOK)).namelist()},
                          {"hello.txt": b"hello"}),
}


# Found by this fuzzer in bot/agency/imports.py (read_rows), owned elsewhere: reported, not fixed here.
# Each of these was a 500 when the fuzzer first ran (openpyxl's ParseError, IndexError for no sheet, zlib.error
# and NotImplementedError from a flipped byte): bot/agency/imports.py now names them all a file it cannot read.
@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_hostile_archives(app: Flask, desk: Console, name: str) -> None:
    _check(app, desk, "workers.xlsx", HOSTILE_FILES[name], None)


@budget(40)
@given(flips=st.lists(st.tuples(st.integers(0, len(GOOD_BOOK) - 1), st.integers(0, 255)), min_size=1, max_size=8),
       cut=st.one_of(st.none(), st.integers(0, len(GOOD_BOOK))))
def test_mutated_archives(app: Flask, desk: Console, flips: list[tuple[int, int]], cut: int | None) -> None:
    data = bytearray(GOOD_BOOK)
    for at, value in flips:
        data[at] = value
    data = data[:cut] if cut is not None else data
    assume(bytes(data) != GOOD_BOOK)  # that one is test_the_intact_book_imports
    _check(app, desk, "workers.xlsx", bytes(data), None)


def test_the_intact_book_imports(app: Flask, desk: Console) -> None:
    _check(app, desk, "workers.xlsx", GOOD_BOOK, 1)
