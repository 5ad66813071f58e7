"""``flask --app bot import-workers FILE --agency ID``: CSV (UTF-8, BOM, GBK) and .xlsx, all or nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from bot.core.security import FieldCipher
from bot.models import Worker
from tests.support.agency import id_number
from tests.support.backends import SETTINGS, count_rows
from tests.support.factories import make_agency

CIPHER = FieldCipher.from_settings(SETTINGS)
HEADER = ["姓名", "身份证号", "手机号", "性别", "出生日期", "服务类型", "从业年限", "籍贯"]


def _row(n: int, **kw: str) -> list[str]:
    birth = dt.date(1980 + n % 15, 1 + n % 12, 1 + n % 27)
    row = {"name": f"李{'春夏秋冬'[n % 4]}梅", "id": id_number(birth, n), "phone": f"1370000{n:04d}", "gender": "女",
           "birth": birth.isoformat(), "types": "月嫂、育婴师", "years": str(n % 20), "home": "湖南衡阳"}
    row.update(kw)
    return list(row.values())


def _csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    path.write_bytes(out.getvalue().encode(encoding))
    return path


@pytest.fixture
def agency_id(session) -> int:
    return make_agency(session)[0].id


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_every_encoding_excel_writes(runner, session, tmp_path: Path, agency_id: int, encoding: str) -> None:
    path = _csv(tmp_path / "workers.csv", [_row(n) for n in range(1, 26)], encoding)
    result = runner.invoke(args=["import-workers", str(path), "--agency", str(agency_id)])
    assert result.exit_code == 0, result.output
    assert "导入 workers.csv" in result.output  # the progress bar's label (no TTY: no bar)
    assert "已导入 25 名服务员" in result.output
    workers = session.scalars(select(Worker).order_by(Worker.id)).all()
    assert len(workers) == 25 and workers[0].name == "李夏梅" and workers[0].service_types == ["月嫂", "育婴师"]
    assert workers[0].experience_years == 1 and workers[0].hometown == "湖南衡阳"
    assert CIPHER.decrypt(workers[0].phone_enc or "", "worker.phone") == "13700000001"


def test_one_bad_row_imports_nothing_and_names_every_error(app, runner, tmp_path: Path, agency_id: int) -> None:
    rows = [_row(n) for n in range(1, 6)]
    rows[1][2] = "1370000"  # row 3: phone
    rows[3][1] = rows[3][1][:-1] + ("0" if rows[3][1][-1] != "0" else "1")  # row 5: ID check digit
    rows.append(_row(1))  # row 7: the same ID number as row 2
    path = _csv(tmp_path / "workers.csv", rows)
    result = runner.invoke(args=["import-workers", str(path), "--agency", str(agency_id)])
    assert result.exit_code == 1
    assert "第 3 行（李秋梅） 手机号：应为11位手机号码" in result.output
    assert "第 5 行（李春梅） 身份证号" in result.output
    assert "第 7 行（李夏梅） 身份证号：与第 2 行的身份证号重复" in result.output  # the earlier row, not a stored worker
    assert "未导入任何数据" in result.output
    assert count_rows(app.extensions["anxin_db"].engine, "worker") == 0


def test_xlsx_with_dates_and_an_id_stored_as_a_number(app, runner, session, tmp_path: Path, agency_id: int) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "id_number", "phone", "gender", "birth_date", "service_types", "experience_years"])
    good = _row(3)
    sheet.append([good[0], good[1], good[2], "female", dt.datetime.fromisoformat(good[4]), "保洁", 4])
    path = tmp_path / "workers.xlsx"
    book.save(path)
    result = runner.invoke(args=["import-workers", str(path), "--agency", str(agency_id)])
    assert result.exit_code == 0, result.output
    assert session.scalars(select(Worker)).one().service_types == ["保洁"]
    bad = _row(4)
    sheet.append([bad[0], int(bad[1][:15]), bad[2], "female", bad[4], "保洁", 4])
    book.save(path)
    result = runner.invoke(args=["import-workers", str(path), "--agency", str(agency_id)])
    assert result.exit_code == 1
    assert "第 2 行（李冬梅） 身份证号：该身份证号已登记" in result.output  # row 2 is already in
    assert "第 3 行（李春梅） 身份证号：身份证号须为文本格式" in result.output
    assert count_rows(app.extensions["anxin_db"].engine, "worker") == 1


def test_bad_files(runner, tmp_path: Path, agency_id: int) -> None:
    (tmp_path / "w.txt").write_text("x")
    assert "只支持 .csv 和 .xlsx" in runner.invoke(args=["import-workers", str(tmp_path / "w.txt"), "--agency",
                                                         str(agency_id)]).output
    (tmp_path / "w.csv").write_text("name,phone\n")
    result = runner.invoke(args=["import-workers", str(tmp_path / "w.csv"), "--agency", str(agency_id)])
    assert result.exit_code == 1 and "缺少列：身份证号、性别" in result.output
    path = _csv(tmp_path / "ok.csv", [_row(1)])
    result = runner.invoke(args=["import-workers", str(path), "--agency", "999999"])
    assert result.exit_code == 1 and "机构 999999 不存在" in result.output
    result = runner.invoke(args=["import-workers", str(path)])
    assert result.exit_code == 2 and "--agency" in result.output


def test_files_as_excel_in_china_writes_them_and_files_that_are_broken(app, runner, session, tmp_path: Path,
                                                                        agency_id: int) -> None:
    row = _row(4)
    year, month, day = row[4].split("-")
    row[4] = f"{year}/{int(month)}/{int(day)}"  # Excel's own date format in a CSV
    assert runner.invoke(args=["import-workers", str(_csv(tmp_path / "excel.csv", [row])), "--agency",
                               str(agency_id)]).exit_code == 0
    shifted = [*_row(5), "宁波"]  # an unquoted comma split 籍贯 into two cells
    result = runner.invoke(args=["import-workers", str(_csv(tmp_path / "extra.csv", [shifted])), "--agency",
                                 str(agency_id)])
    assert result.exit_code == 1 and "比表头多出 1 列" in result.output
    (tmp_path / "fake.xlsx").write_bytes(b"this is not a zip")
    result = runner.invoke(args=["import-workers", str(tmp_path / "fake.xlsx"), "--agency", str(agency_id)])
    assert result.exit_code == 1 and "无法读取 Excel 文件" in result.output
    huge = _row(6)
    huge[7] = "宁" * 200_000
    result = runner.invoke(args=["import-workers", str(_csv(tmp_path / "huge.csv", [huge])), "--agency", str(agency_id)])
    assert result.exit_code == 1 and "无法读取" in result.output and "Traceback" not in result.output
    assert count_rows(app.extensions["anxin_db"].engine, "worker") == 1
