"""Issue 36: bodies and spreadsheets bounded per route — each refusal fast, clear, in Chinese, and writing nothing."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from bench.hostile_uploads import HEADER, blank_csv, hostile_xlsx
from bot.agency.imports import MAX_ROWS, MAX_SHARED_STRINGS, MAX_XLSX_MEMBER_BYTES, MAX_XLSX_MEMBERS, read_upload
from bot.core.errors import BadRequest
from bot.edge.bodylimits import BODY_LIMIT, IMPORT_BODY_LIMIT, NGINX_LOCATIONS, ROUTE_BODY_LIMITS
from bot.models import Worker
from tests.support.agency import add_worker, auth
from tests.support.console import Console, text

FAST = 5.0  # seconds: the refusals below take well under one; the old code took 2 s to a minute on each file


def _import(admin: Console, data: bytes, name: str) -> tuple[int, str, float]:
    admin.get("/console/workers/import")
    # Encoded here, in memory: the test client would spool a large body to a temporary file it never closes.
    boundary, body = encode_multipart({"csrf_token": admin.token, "file": FileStorage(io.BytesIO(data), name)})
    started = time.perf_counter()
    res = admin.client.post("/console/workers/import", data=body,
                            content_type=f"multipart/form-data; boundary={boundary}")
    return res.status_code, text(res), time.perf_counter() - started


def _no_workers(session) -> bool:
    session.rollback()
    return session.scalars(select(Worker)).first() is None


def test_a_shared_strings_bomb_is_refused_before_openpyxl_reads_it(admin: Console, session) -> None:
    bomb = hostile_xlsx(shared_strings=MAX_SHARED_STRINGS)  # with the header's: one over the limit
    assert len(bomb) < 64 * 1024  # small on disk, millions of strings in the version
    status, page, seconds = _import(admin, bomb, "workers.xlsx")
    assert status == 400 and "共享字符串超过" in page and "未导入任何数据" in page
    assert seconds < FAST
    assert _no_workers(session)


def test_a_workbook_that_inflates_past_the_limit_is_refused_from_its_zip_directory(admin: Console, session) -> None:
    bomb = hostile_xlsx(shared_strings=MAX_XLSX_MEMBER_BYTES // len("<si><t>x</t></si>") + 1)
    status, page, seconds = _import(admin, bomb, "workers.xlsx")
    assert status == 400 and "解压后过大" in page
    assert seconds < FAST
    assert _no_workers(session)


def test_a_workbook_of_too_many_parts_is_refused(admin: Console, session) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(hostile_xlsx())) as real, zipfile.ZipFile(out, "w") as padded:
        for member in real.infolist():
            padded.writestr(member, real.read(member))
        for n in range(MAX_XLSX_MEMBERS):
            padded.writestr(f"xl/media/padding{n}.bin", b"")
    status, page, _ = _import(admin, out.getvalue(), "workers.xlsx")
    assert status == 400 and "部件过多" in page
    assert _no_workers(session)


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_blank_rows_count_against_the_row_limit(admin: Console, session, kind: str) -> None:
    data = hostile_xlsx(blank_rows=MAX_ROWS + 1, cells_per_blank_row=1) if kind == "xlsx" else blank_csv(MAX_ROWS + 1)
    status, page, seconds = _import(admin, data, f"workers.{kind}")
    assert status == 400 and f"每个文件最多 {MAX_ROWS} 行（空行也计算在内）" in page
    assert seconds < FAST
    assert _no_workers(session)


def test_reading_stops_at_its_deadline() -> None:
    with pytest.raises(BadRequest) as refused:
        read_upload(blank_csv(300), "workers.csv", seconds=0)
    assert refused.value.code == "too_slow" and "文件读取超过" in refused.value.message


def test_a_file_name_with_a_nul_is_a_clear_400(admin: Console, session) -> None:
    status, page, _ = _import(admin, (",".join(HEADER) + "\n").encode(), "workers.cs\x00v")
    assert status == 400 and "文件名含有无效字符" in page
    assert _no_workers(session)


def test_a_large_anonymous_post_to_the_login_page_is_refused_unread(client: FlaskClient) -> None:
    res = client.post("/console/login", data={"login": "x", "password": "y" * (BODY_LIMIT + 1)})
    assert res.status_code == 413 and res.mimetype == "text/html"
    assert "请求内容过大，最多 1 MiB" in text(res)


def test_the_apis_answer_413_in_their_json_shape(client: FlaskClient, agency: tuple[int, str]) -> None:
    body = b"{" + b" " * BODY_LIMIT + b"}"
    for res in (client.post("/mp/v1/login", data=body, content_type="application/json"),
                client.post("/admin/v1/workers", data=body, content_type="application/json", headers=auth(agency[1]))):
        assert res.status_code == 413
        assert res.get_json()["error"] == {"code": "payload_too_large",
                                           "message": "请求内容过大，最多 1 MiB (request body too large)"}


def test_the_import_and_photo_routes_take_more_than_the_default(admin: Console, agency: tuple[int, str]) -> None:
    padding = b"x," * (BODY_LIMIT // 2 + 1)  # past the default, within the import's limit: the file is read, not refused
    status, page, _ = _import(admin, (",".join(HEADER) + "\n").encode() + padding + b"\n", "workers.csv")
    assert status == 400 and "比表头多出" in page
    status, page, _ = _import(admin, b"x" * (IMPORT_BODY_LIMIT + 1), "workers.csv")
    assert status == 413 and "最多 10 MiB" in page
    worker_id = add_worker(admin.client, agency[1])
    res = admin.client.put(f"/admin/v1/workers/{worker_id}/photo", data=b"\xff\xd8" + b"x" * (2 * BODY_LIMIT),
                           headers={**auth(agency[1]), "Content-Type": "image/jpeg"})
    assert res.status_code == 400 and res.get_json()["error"]["code"] != "payload_too_large"


def test_every_route_limit_names_a_route_and_has_its_proxy_location(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(ROUTE_BODY_LIMITS) <= endpoints
    assert sorted(NGINX_LOCATIONS.values()) == ["10m", "1m", "64k", "6m"]
