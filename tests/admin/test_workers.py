"""The agency API for workers and badges: validation, isolation between agencies, nothing written on bad input."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from bot.core.security import FieldCipher
from bot.models import Badge, Verification, Worker, WorkerPhoto
from tests.support.agency import TODAY, add_worker, auth, id_number, photo_bytes, publish, worker_json
from tests.support.backends import SETTINGS, count_rows
from tests.support.factories import make_agency

CIPHER = FieldCipher.from_settings(SETTINGS)


@pytest.fixture
def key(session) -> str:
    return make_agency(session)[1]


def test_register_a_worker_stores_personal_numbers_encrypted(client, session, key: str) -> None:
    data = worker_json(id_number=id_number(dt.date(1985, 6, 12), 7), phone="13905741234")
    res = client.post("/admin/v1/workers", json=data, headers=auth(key))
    assert res.status_code == 201
    worker = session.get(Worker, res.get_json()["id"])
    assert worker.name == "伍秀芳" and worker.service_types == ["月嫂", "育婴师"]
    assert data["id_number"] not in worker.id_number_enc and "13905741234" not in (worker.phone_enc or "")
    assert CIPHER.decrypt(worker.id_number_enc, "worker.id_number") == data["id_number"]
    assert CIPHER.decrypt(worker.phone_enc or "", "worker.phone") == "13905741234"
    assert worker.consent_signed_on is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id_number": "330203198506120071"}, "id_number"),  # wrong check digit
        ({"id_number": "33020319850612007"}, "id_number"),
        ({"phone": "1390574123"}, "phone"),
        ({"phone": "23905741234"}, "phone"),
        ({"gender": "other"}, "gender"),
        ({"birth_date": "1985-06-13"}, "birth_date"),  # not the ID's
        ({"birth_date": "12/06/1985"}, "birth_date"),
        ({"service_types": []}, "service_types"),
        ({"service_types": "月嫂"}, "service_types"),
        ({"experience_years": 61}, "experience_years"),
        ({"experience_years": -1}, "experience_years"),
        ({"experience_years": "6"}, "experience_years"),
        ({"name": ""}, "name"),
        ({"name": "<script>"}, "name"),
        ({"shoe_size": 38}, "shoe_size"),
    ],
)
def test_bad_worker_fields_are_a_clear_400_and_write_nothing(app, client, key: str, change: dict[str, Any], field: str) -> None:
    data = worker_json()
    data.update(change)
    res = client.post("/admin/v1/workers", json=data, headers=auth(key))
    assert res.status_code == 400
    assert field in res.get_json()["error"]["message"]
    assert count_rows(app.extensions["anxin_db"].engine, "worker") == 0


def test_service_types_string_is_refused_but_a_missing_field_is_named(client, key: str) -> None:
    data = worker_json()
    del data["phone"]
    res = client.post("/admin/v1/workers", json=data, headers=auth(key))
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "missing_field"
    assert "phone" in res.get_json()["error"]["message"]


def test_the_same_id_number_twice_in_one_agency_is_409(app, client, session, key: str) -> None:
    number = id_number(dt.date(1985, 6, 12), 9)
    add_worker(client, key, id_number=number)
    res = client.post("/admin/v1/workers", json=worker_json(id_number=number), headers=auth(key))
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "duplicate_worker"
    assert count_rows(app.extensions["anxin_db"].engine, "worker") == 1
    other_key = make_agency(session, "广州安心家政")[1]  # another agency may register her too
    assert client.post("/admin/v1/workers", json=worker_json(id_number=number), headers=auth(other_key)).status_code == 201


def test_another_agencys_worker_and_badge_are_404(client, session, key: str) -> None:
    worker_id = add_worker(client, key)
    code = publish(client, key, worker_id)
    other = make_agency(session, "广州安心家政")[1]
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("get", f"/admin/v1/workers/{worker_id}", {}),
        ("put", f"/admin/v1/workers/{worker_id}/consent", {"json": {"signed_on": TODAY.isoformat()}}),
        ("post", f"/admin/v1/workers/{worker_id}/verifications", {"json": {"kind": "health", "status": "failed"}}),
        ("put", f"/admin/v1/workers/{worker_id}/photo", {"data": photo_bytes()}),
        ("post", f"/admin/v1/workers/{worker_id}/badge", {}),
        ("delete", f"/admin/v1/badges/{code}", {}),
        ("get", f"/admin/v1/badges/{code}/stats", {}),
        ("get", f"/admin/v1/badges/{code}/card.png", {}),
    ]
    for method, url, kwargs in calls:
        res = getattr(client, method)(url, headers=auth(other), **kwargs)
        assert res.status_code == 404, (method, url, res.get_json())
    session.rollback()
    assert session.scalars(select(Badge)).one().revoked_at is None
    assert len(session.scalars(select(Verification)).all()) == 6


def test_verifications_are_validated_and_document_numbers_encrypted(app, client, session, key: str) -> None:
    worker_id = add_worker(client, key)
    url = f"/admin/v1/workers/{worker_id}/verifications"
    for bad, field in [
        ({"kind": "blood_type", "status": "verified"}, "kind"),
        ({"kind": "health", "status": "ok"}, "status"),
        ({"kind": "health", "status": "verified"}, "expires_on"),  # a health certificate runs out
        ({"kind": "health", "status": "verified", "issued_on": "2030-01-01", "expires_on": "2031-01-01"}, "issued_on"),
        ({"kind": "health", "status": "verified", "issued_on": "2025-01-01", "expires_on": "2024-01-01"}, "expires_on"),
        ({"kind": "health", "status": "verified", "expires_on": "soon"}, "expires_on"),
    ]:
        res = client.post(url, json=bad, headers=auth(key))
        assert res.status_code == 400 and field in res.get_json()["error"]["message"], (bad, res.get_json())
    assert count_rows(app.extensions["anxin_db"].engine, "verification") == 0
    res = client.post(url, json={"kind": "no_criminal_record", "status": "verified", "document_no": "NCR-2026-0042"},
                      headers=auth(key))
    assert res.status_code == 201 and res.get_json()["checked_on"] == TODAY.isoformat()
    row = session.scalars(select(Verification)).one()
    assert "NCR-2026-0042" not in (row.document_no_enc or "")
    assert CIPHER.decrypt(row.document_no_enc or "", "verification.document_no") == "NCR-2026-0042"


def test_consent_needs_a_date_not_in_the_future(client, session, key: str) -> None:
    worker_id = add_worker(client, key)
    url = f"/admin/v1/workers/{worker_id}/consent"
    assert client.put(url, json={}, headers=auth(key)).status_code == 400
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    assert client.put(url, json={"signed_on": tomorrow}, headers=auth(key)).status_code == 400
    assert session.get(Worker, worker_id).consent_signed_on is None
    res = client.put(url, json={"signed_on": TODAY.isoformat()}, headers=auth(key))
    assert res.status_code == 200
    session.rollback()
    assert session.get(Worker, worker_id).consent_signed_on == TODAY


def test_photo_is_decoded_resized_and_stripped_of_exif(client, session, key: str) -> None:
    worker_id = add_worker(client, key)
    url = f"/admin/v1/workers/{worker_id}/photo"
    res = client.put(url, data=photo_bytes((1200, 1600), "PNG", exif=False), headers=auth(key))
    assert res.status_code == 200
    res = client.put(url, data=photo_bytes((900, 1200), "JPEG", exif=True), headers=auth(key))
    assert res.status_code == 200
    stored = session.get(WorkerPhoto, worker_id)
    with Image.open(io.BytesIO(stored.data)) as image:
        assert image.format == "JPEG" and max(image.size) == 600 and image.size == (450, 600)
        assert len(image.getexif()) == 0
    assert b"SecretCam" not in stored.data


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"", 400, "no_photo"),
        (b"\xff\xd8\xff\xe0 this is not really a jpeg", 400, "bad_photo"),  # JPEG magic, not an image
        (b"GIF89a" + b"\x00" * 100, 400, "bad_photo"),
        (photo_bytes(fmt="GIF"), 400, "bad_photo"),  # a real image, of a type we do not take
        (photo_bytes(fmt="BMP"), 400, "bad_photo"),
        (photo_bytes((16, 16)), 400, "bad_photo"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (5 * 1024 * 1024 + 1), 413, "photo_too_large"),
    ],
)
def test_bad_photos_are_refused_and_nothing_stored(app, client, key: str, body: bytes, status: int, code: str) -> None:
    worker_id = add_worker(client, key)
    res = client.put(f"/admin/v1/workers/{worker_id}/photo", data=body, headers=auth(key))
    assert res.status_code == status, res.get_json()
    assert res.get_json()["error"]["code"] == code
    assert count_rows(app.extensions["anxin_db"].engine, "worker_photo") == 0


def test_photo_webp_is_accepted(client, key: str) -> None:
    worker_id = add_worker(client, key)
    res = client.put(f"/admin/v1/workers/{worker_id}/photo", data=photo_bytes(fmt="WEBP"), headers=auth(key))
    assert res.status_code == 200 and res.get_json()["content_type"] == "image/jpeg"


def test_badge_issue_reissue_and_revoke(client, session, key: str) -> None:
    worker_id = add_worker(client, key)
    res = client.post(f"/admin/v1/workers/{worker_id}/badge", headers=auth(key))
    assert res.status_code == 201
    first = res.get_json()
    assert first["code"][5] == "-" and first["code"][11] == "-" and len(first["code"]) == 13
    bare = first["code"].replace("-", "")
    assert first["url"] == f"{SETTINGS['ANXIN_PUBLIC_URL']}/b/{bare}"
    assert first["qr_url"] == first["url"] + "/qr.png"
    second = client.post(f"/admin/v1/workers/{worker_id}/badge", headers=auth(key)).get_json()
    assert second["code"] != first["code"]
    badges = {b.code: b for b in session.scalars(select(Badge))}
    assert badges[bare].revoked_at is not None  # re-issue revokes the previous badge
    assert badges[second["code"].replace("-", "")].revoked_at is None
    res = client.delete(f"/admin/v1/badges/{second['code'].lower()}", headers=auth(key))
    assert res.status_code == 200 and res.get_json()["revoked"] is True
    session.rollback()
    assert all(b.revoked_at is not None for b in session.scalars(select(Badge)))
    assert client.delete("/admin/v1/badges/00000-00001-Y", headers=auth(key)).status_code == 404
    res = client.post(f"/admin/v1/workers/{worker_id}/badge", json={"expires_on": "2000-01-01"}, headers=auth(key))
    assert res.status_code == 400


def test_the_agency_sees_how_often_each_badge_was_checked(client, key: str) -> None:
    worker_id = add_worker(client, key)
    code = publish(client, key, worker_id)
    for _ in range(3):
        assert client.get(f"/b/{code}").status_code == 200
    stats = client.get(f"/admin/v1/badges/{code}/stats", headers=auth(key)).get_json()
    assert stats["lookups"] == 3 and stats["by_surface"] == {"web": 3} and stats["by_outcome"] == {"shown": 3}
    assert stats["last_lookup_at"] is not None
    detail = client.get(f"/admin/v1/workers/{worker_id}", headers=auth(key)).get_json()
    assert detail["badges"][0]["lookups"] == 3
    assert {v["kind"]: v["state"] for v in detail["verifications"]}["health"] == "verified"


def test_badge_card_is_a_png_with_the_photo_and_qr(client, key: str) -> None:
    worker_id = add_worker(client, key)
    code = publish(client, key, worker_id)
    res = client.get(f"/admin/v1/badges/{code}/card.png", headers=auth(key))
    assert res.status_code == 200 and res.mimetype == "image/png"
    with Image.open(io.BytesIO(res.data)) as card:
        assert card.size == (1004, 1571)  # 85 × 133 mm at 300 dpi
        rgb = card.convert("RGB")
        # The photo (a flat colour) sits in the middle of the upper half; the header is green.
        pixel = rgb.getpixel((502, 470))
        assert isinstance(pixel, tuple)
        assert all(abs(a - b) <= 8 for a, b in zip(pixel, (200, 150, 120), strict=True)), pixel  # JPEG is lossy
        assert rgb.getpixel((10, 10)) == (13, 110, 86)
        # The QR has both black and white modules.
        qr = rgb.crop((330, 960, 674, 1300))
        assert {(0, 0, 0), (255, 255, 255)} <= {c for _, c in qr.getcolors(maxcolors=1 << 16) or []}


def test_withdrawn_consent_hides_the_profile_and_photo(client, key: str) -> None:
    worker_id = add_worker(client, key)
    code = publish(client, key, worker_id)
    assert client.get(f"/b/{code}").status_code == 200
    res = client.delete(f"/admin/v1/workers/{worker_id}/consent", headers=auth(key))
    assert res.status_code == 200 and res.get_json()["consent_signed_on"] is None
    page = client.get(f"/b/{code}")
    assert page.status_code == 403 and "尚未授权公开" in page.get_data(as_text=True)
    assert client.get(f"/b/{code}/photo").status_code == 403  # answered as its page
