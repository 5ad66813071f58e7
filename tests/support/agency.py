"""Arranging registered workers the way an agency does: through the /admin/v1 API."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from bot.lookup.profile import local_today
from bot.models import VERIFICATION_KINDS
from tests.support.factories import make_agency

TODAY = local_today("Asia/Shanghai")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_serial = itertools.count(101)


def id_number(birth: dt.date = dt.date(1985, 6, 12), serial: int | None = None, area: str = "330203") -> str:
    """A well-formed resident ID number (with its check character) for ``birth``."""
    body = f"{area}{birth:%Y%m%d}{(serial if serial is not None else next(_serial)) % 1000:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def worker_json(**kw: Any) -> dict[str, Any]:
    birth = kw.pop("birth", dt.date(1985, 6, 12))
    data = {
        "name": "伍秀芳",
        "id_number": id_number(birth),
        "phone": f"1390574{next(_serial) % 10000:04d}",
        "gender": "female",
        "birth_date": birth.isoformat(),
        "service_types": ["月嫂", "育婴师"],
        "experience_years": 6,
        "hometown": "浙江宁波",
    }
    data.update(kw)
    return data


def add_worker(client: FlaskClient, key: str, **kw: Any) -> int:
    res = client.post("/admin/v1/workers", json=worker_json(**kw), headers=auth(key))
    assert res.status_code == 201, res.get_json()
    return int(res.get_json()["id"])


def verify(client: FlaskClient, key: str, worker_id: int, kind: str, status: str = "verified",
           expires_on: dt.date | None = None, document_no: str | None = None) -> None:
    body: dict[str, Any] = {"kind": kind, "status": status, "issued_on": (TODAY - dt.timedelta(days=30)).isoformat()}
    body["expires_on"] = (expires_on or TODAY + dt.timedelta(days=365)).isoformat()
    if document_no:
        body["document_no"] = document_no
    res = client.post(f"/admin/v1/workers/{worker_id}/verifications", json=body, headers=auth(key))
    assert res.status_code == 201, res.get_json()


def photo_bytes(size: tuple[int, int] = (900, 1200), fmt: str = "JPEG", colour: tuple[int, int, int] = (200, 150, 120),
                exif: bool = False) -> bytes:
    image = Image.new("RGB", size, colour)
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        data[0x9286] = "GPS somewhere"  # UserComment
        image.save(out, format=fmt, exif=data)
    else:
        image.save(out, format=fmt)
    return out.getvalue()


def publish(client: FlaskClient, key: str, worker_id: int, *, kinds: tuple[str, ...] = VERIFICATION_KINDS,
            consent: bool = True, photo: bool = True) -> str:
    """Verify ``kinds``, record consent and a photo, issue a badge; return its code (11 symbols)."""
    for kind in kinds:
        verify(client, key, worker_id, kind, document_no=f"DOC-{kind}-{worker_id}")
    if consent:
        res = client.put(f"/admin/v1/workers/{worker_id}/consent", json={"signed_on": TODAY.isoformat()},
                         headers=auth(key))
        assert res.status_code == 200, res.get_json()
    if photo:
        res = client.put(f"/admin/v1/workers/{worker_id}/photo", data=photo_bytes(), headers=auth(key))
        assert res.status_code == 200, res.get_json()
    res = client.post(f"/admin/v1/workers/{worker_id}/badge", headers=auth(key))
    assert res.status_code == 201, res.get_json()
    return str(res.get_json()["code"]).replace("-", "")


def new_agency(app: Flask, name: str) -> tuple[int, str]:
    """An agency (its id and API key), made in a session of its own."""
    with app.extensions["anxin_db"].new_session() as s:
        agency, key = make_agency(s, name)
        return agency.id, key


def supervisor_code(client: FlaskClient, key: str) -> str:
    """A new single-use supervisor binding code of the agency (``绑定 CODE`` in chat)."""
    res = client.post("/admin/v1/supervisor-codes", headers=auth(key))
    assert res.status_code == 201, res.get_json()
    return str(res.get_json()["code"])


def pin_admin_body(case: Any, worker_id: int, starts_on: dt.date) -> None:
    """Make a generated /admin/v1 request body keep the rules no JSON Schema can state: an ID number's check digit,
    this agency's worker, an engagement of 26 days from ``starts_on``, dates in order (a report's period too), a photo
    big enough to show a face (the server's own rule), family phones with the family's consent."""
    if case.path.endswith("/workers") and case.method == "POST" and isinstance(case.body, dict):
        case.body = worker_json()
    if isinstance(case.body, dict) and "starts_on" in case.body:
        case.body.update(worker_id=worker_id, starts_on=starts_on.isoformat(),
                         ends_on=(starts_on + dt.timedelta(days=26)).isoformat())
        case.body.pop("baby_birth_date", None)
        if case.body.get("babies") is not None:  # either the list of babies or the single-baby fields
            for name in ("baby_nickname", "birth_weight_g"):
                case.body.pop(name, None)
            for baby in case.body["babies"]:
                if isinstance(baby, dict):
                    baby.pop("born_at", None)
    if isinstance(case.body, dict) and case.body.get("family_phones"):  # phones kept only with the family's consent
        case.body["family_phones_consent"] = True
    today = local_today("Asia/Shanghai")
    if case.path.endswith("/verifications") and isinstance(case.body, dict):
        case.body.pop("issued_on", None)
        case.body["expires_on"] = (today + dt.timedelta(days=300)).isoformat()
    if case.path.endswith("/badge") and isinstance(case.body, dict):
        case.body.pop("expires_on", None)
    if case.path.endswith("/consent") and isinstance(case.body, dict):
        case.body["signed_on"] = today.isoformat()
    if case.path.endswith("/deliveries") and isinstance(case.query, dict):  # a period in order, at most 92 days
        case.query.pop("since", None)
        case.query.pop("until", None)
    if case.path.endswith("/photo"):
        fmt = {"image/png": "PNG", "image/webp": "WEBP"}.get(case.media_type or "", "JPEG")
        case.body = photo_bytes((64, 64), fmt)
