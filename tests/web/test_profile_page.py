"""``GET /b/CODE``: the public mobile page, its QR code and photo; and the page in a real browser."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select

from bot.models import LookupLog
from tests.support.agency import add_worker, auth, publish
from tests.support.backends import SETTINGS
from tests.support.factories import make_agency

REQUIRE_BROWSER = os.environ.get("ANXIN_TEST_REQUIRE_BROWSER") == "1"


@pytest.fixture
def key(session) -> str:
    return make_agency(session, "宁波甬城家政")[1]


def test_profile_page(client, session, key: str) -> None:
    code = publish(client, key, add_worker(client, key, name="伍秀芳"))
    res = client.get(f"/b/{code.lower()}")
    assert res.status_code == 200 and res.mimetype == "text/html"
    html = res.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and 'name="viewport"' in html
    assert 'data-light="green"' in html and "绿码" in html and "伍*芳" in html and "伍秀芳" not in html
    assert "✔ 安心服务证" in html and "宁波甬城家政" in html and f'src="/b/{code}/photo"' in html
    assert "信用等级的计算依据" in html
    assert res.headers["Cache-Control"] == "no-store" and "noindex" in res.headers["X-Robots-Tag"]
    row = session.scalars(select(LookupLog)).one()
    assert (row.surface, row.address, row.openid, row.outcome) == ("web", "127.0.0.1", None, "shown")


def test_everything_on_the_page_is_escaped(client, key: str) -> None:
    worker_id = add_worker(client, key, service_types=["<b>x</b>&\"'"])
    code = publish(client, key, worker_id)
    html = client.get(f"/b/{code}").get_data(as_text=True)
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;&amp;" in html


def test_refusal_pages(client, key: str) -> None:
    unconsented = publish(client, key, add_worker(client, key), consent=False)
    revoked = publish(client, key, add_worker(client, key))
    client.delete(f"/admin/v1/badges/{revoked}", headers=auth(key))
    typo = unconsented[:10] + ("0" if unconsented[10] != "0" else "1")
    for code, status, reason, text in [
        (typo, 400, "mistyped", "校验位不符"),
        ("00000-00001-Y", 404, "unknown", "不存在"),
        (revoked, 404, "revoked", "已被家政公司注销"),
        (unconsented, 403, "not_consented", "尚未授权公开"),
    ]:
        res = client.get(f"/b/{code}")
        html = res.get_data(as_text=True)
        assert res.status_code == status and f'data-reason="{reason}"' in html and text in html, code
    assert 'data-light="red"' in client.get(f"/b/{revoked}").get_data(as_text=True)


def test_rate_limited_page(app: Flask, client, key: str) -> None:
    code = publish(client, key, add_worker(client, key))
    app.config["ANXIN_LOOKUP_LIMIT_ADDRESS"] = 2
    statuses = [client.get(f"/b/{code}").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert "查询过于频繁" in client.get(f"/b/{code}").get_data(as_text=True)
    other = client.get(f"/b/{code}", environ_base={"REMOTE_ADDR": "198.51.100.20"})
    assert other.status_code == 200


def test_qr_png_encodes_the_badge_url(client) -> None:
    res = client.get("/b/00000-00001-y/qr.png")
    assert res.status_code == 200 and res.mimetype == "image/png"
    with Image.open(io.BytesIO(res.data)) as image:
        assert image.size[0] == image.size[1] >= 200
    assert client.get("/b/00000-00001-0/qr.png").status_code == 404  # mistyped
    import qrcode

    expected = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    expected.add_data(f"{SETTINGS['ANXIN_PUBLIC_URL']}/b/0000000001Y")
    expected.make(fit=True)
    with Image.open(io.BytesIO(res.data)) as image:
        # Same modules as a QR of the badge URL built independently.
        assert image.convert("1").tobytes() == expected.make_image().get_image().convert("1").tobytes()


def test_photo_only_for_a_public_badge_and_answered_as_its_page(client, key: str) -> None:
    """The photo tells nothing its page would not: same status for every badge, images under a CSP."""
    code = publish(client, key, add_worker(client, key))
    res = client.get(f"/b/{code}/photo")
    assert res.status_code == 200 and res.mimetype == "image/jpeg"
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in res.headers["Content-Security-Policy"]
    unconsented = publish(client, key, add_worker(client, key), consent=False)
    revoked = publish(client, key, add_worker(client, key))
    client.delete(f"/admin/v1/badges/{revoked}", headers=auth(key))
    cases = {unconsented: 403, revoked: 404, "00000-00001-Y": 404, "00000-00001-Z": 400, "nonsense": 400}
    for badge, status in cases.items():
        page, photo = client.get(f"/b/{badge}"), client.get(f"/b/{badge}/photo")
        assert (page.status_code, photo.status_code) == (status, status), badge
        assert photo.mimetype == "text/plain" and "image" not in photo.mimetype


def test_photos_share_the_lookup_budget(app: Flask, client, key: str) -> None:
    """Fetching photos spends the address's lookup budget: no budget of their own to probe badges with."""
    code = publish(client, key, add_worker(client, key))
    app.config["ANXIN_LOOKUP_LIMIT_ADDRESS"] = 3
    assert [client.get(f"/b/{code}/photo").status_code for _ in range(3)] == [200, 200, 200]
    assert client.get("/b/00000-00001-Y/photo").status_code == 429
    assert client.get(f"/b/{code}").status_code == 429


# -- in a real browser -----------------------------------------------------------------

def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if REQUIRE_BROWSER:
            pytest.fail("chromium is not installed (ANXIN_TEST_REQUIRE_BROWSER=1)")
        pytest.skip("chromium is not installed: apt-get install chromium fonts-noto-cjk")
    return path


def _run_chromium(binary: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}", "--window-size=390,844", *args],
        capture_output=True, text=True, timeout=90, check=False,
    )


@pytest.mark.slow  # a real browser
def test_the_page_on_a_phone_sized_browser(client, key: str, live_server: str, tmp_path: Path) -> None:
    binary = _chromium()
    code = publish(client, key, add_worker(client, key, name="伍秀芳"), kinds=("identity", "health"))
    url = f"{live_server}/b/{code}"
    dom = _run_chromium(binary, tmp_path, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'data-light="yellow"' in dom.stdout and "黄码" in dom.stdout and "伍*芳" in dom.stdout
    assert "保险" in dom.stdout and "未提供" in dom.stdout
    shot_path = Path(os.environ.get("ANXIN_SCREENSHOT_DIR", tmp_path)) / "profile-phone.png"
    shot = _run_chromium(binary, tmp_path, f"--screenshot={shot_path}", url)
    assert shot.returncode == 0 and shot_path.exists(), shot.stderr[-2000:]
    with Image.open(shot_path) as image:
        assert image.size == (390, 844)
        rgb = image.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 20) or []
        assert len(colours) > 50  # text, photo and the light: not a blank page
        # The big yellow status light is drawn near the top (#eab308).
        top = rgb.crop((0, 0, 390, 220))
        assert any(abs(r - 0xEA) < 12 and abs(g - 0xB3) < 12 and b < 40 for r, g, b in
                   [colour for _, colour in top.getcolors(1 << 20) or [] if isinstance(colour, tuple)])


def test_behind_a_proxy_the_client_address_is_logged_and_limited(app_settings: dict[str, Any], session) -> None:
    from bot import create_app
    app = create_app({**app_settings, "ANXIN_PROXY_HOPS": 1, "ANXIN_LOOKUP_LIMIT_ADDRESS": 1})
    client = app.test_client()
    key = make_agency(session, "宁波甬城家政")[1]
    code = publish(client, key, add_worker(client, key))
    forwarded = {"X-Forwarded-For": "203.0.113.9"}
    assert client.get(f"/b/{code}", headers=forwarded).status_code == 200
    assert client.get(f"/b/{code}", headers=forwarded).status_code == 429  # that client is over its limit
    assert client.get(f"/b/{code}", headers={"X-Forwarded-For": "203.0.113.10"}).status_code == 200  # another is not
    session.rollback()
    assert [r.address for r in session.scalars(select(LookupLog).order_by(LookupLog.id))] == [
        "203.0.113.9", "203.0.113.9", "203.0.113.10"]
    app.extensions["anxin_db"].engine.dispose()


def test_a_head_request_is_not_a_lookup(client, session, key: str) -> None:
    code = publish(client, key, add_worker(client, key))
    res = client.head(f"/b/{code}")
    assert res.status_code == 200 and res.headers["Cache-Control"] == "no-store"
    session.rollback()
    assert session.scalars(select(LookupLog)).all() == []  # link previews do not use up anyone's lookups
