"""``/d/TOKEN``: the family's day page that digest and flag messages link to (issue 11.2)."""

from __future__ import annotations

import base64
import datetime as dt
import os
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from PIL import Image

from bot.core.clock import utcnow
from bot.outbox import daylinks
from tests.support.chat import Chat, open_family
from tests.support.diary import DAD, MOM, bound_family, write
from tests.web.test_profile_page import _chromium, _run_chromium

_CST = dt.timezone(dt.timedelta(hours=8))
_LOCAL = utcnow().replace(microsecond=0).astimezone(_CST)
# Half an hour ago, but today (local) whatever the hour the suite runs at: the rating sent below is today's.
NOW = max(_LOCAL - dt.timedelta(minutes=30), _LOCAL.replace(hour=0, minute=0, second=0)).astimezone(dt.UTC)


# Yesterday noon (local): a whole morning of clock times ("7:30 喂奶") behind it, whenever the suite runs.
NOON_YESTERDAY = (_LOCAL.replace(hour=12, minute=0, second=0) - dt.timedelta(days=1)).astimezone(dt.UTC)


def link(app: Flask, engagement_id: int, openid: str | None, flag_id: int | None = None,
         at: dt.datetime = NOW) -> str:
    day = at.astimezone(_CST).date()
    return "/d/" + daylinks.sign(app.config["ANXIN_SECRET_KEY"], engagement_id, day, openid, flag_id)


def test_the_day_page_shows_one_familys_day_and_nothing_else(app: Flask, client: FlaskClient) -> None:
    family = bound_family(app, client)
    write(app, family, "喂奶 120ml\n换尿布 大便 黄色\n体温 38.5", NOW)
    other = open_family(app, client, family_name="李家")
    assert "绑定成功" in Chat(client).say("o-li-nurse", f"绑定 {other.nurse_code}")
    write(app, other, "配方奶 77ml", NOW, nurse="o-li-nurse")
    assert "感谢评分" in Chat(client).say(MOM, "评分 5 很细心")

    page = client.get(link(app, family.engagement_id, DAD))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "喂奶 120ml" in html and "宝宝体温 38.5℃" in html and 'data-severity="urgent"' in html
    assert "紧急" in html and "不是诊断" in html and "★★★★★" in html and "很细心" in html
    assert "<svg" not in html or 'id="chart"' in html
    assert "77ml" not in html and "李家" not in html
    profile = client.get("/b/00000-00001-Y")
    for header in ("Referrer-Policy", "X-Content-Type-Options", "X-Robots-Tag"):
        assert page.headers[header] == profile.headers[header]
    # The profile's policy, but its one form (已收到) may post to the page itself.
    assert page.headers["Content-Security-Policy"] == profile.headers["Content-Security-Policy"].replace(
        "form-action 'none'", "form-action 'self'")
    assert page.headers["Cache-Control"] == "no-store"


def test_bad_expired_and_foreign_links_show_nothing(app: Flask, client: FlaskClient) -> None:
    family = bound_family(app, client)
    write(app, family, "喂奶 120ml", NOW)
    good = link(app, family.engagement_id, MOM)
    assert client.get(good[:-2] + "xx").status_code == 404  # altered
    assert client.get("/d/not-a-token").status_code == 404

    old = daylinks.sign(app.config["ANXIN_SECRET_KEY"], family.engagement_id, NOW.date(), MOM,
                        issued_at=utcnow() - dt.timedelta(days=8))
    expired = client.get(f"/d/{old}")
    assert expired.status_code == 410 and "已过期" in expired.get_data(as_text=True)
    assert "120ml" not in expired.get_data(as_text=True)
    # Sealed with another key (another deployment's, or forged): invalid.
    foreign = daylinks.sign("another-secret-key", family.engagement_id, NOW.date(), MOM)
    assert client.get(f"/d/{foreign}").status_code == 404
    # Someone who is not (or no longer) in the family: nothing.
    stranger = client.get(link(app, family.engagement_id, "o-stranger"))
    assert stranger.status_code == 403 and "120ml" not in stranger.get_data(as_text=True)


@pytest.mark.slow  # a real browser
def test_the_day_page_on_a_phone_sized_browser(app: Flask, client: FlaskClient, live_server: str,
                                               tmp_path: Path) -> None:
    binary = _chromium()
    family = bound_family(app, client)
    write(app, family, "7:30 喂奶 120ml\n9:00 换尿布 大便 黄色\n10:00 体温 38.5\n11:00 配方奶 90ml", NOON_YESTERDAY)
    url = live_server + link(app, family.engagement_id, MOM, at=NOON_YESTERDAY)
    dom = _run_chromium(binary, tmp_path, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "宝宝体温 38.5℃" in dom.stdout and "配方奶 90ml" in dom.stdout
    shot_path = Path(os.environ.get("ANXIN_SCREENSHOT_DIR", tmp_path)) / "day-phone.png"
    shot = _run_chromium(binary, tmp_path, f"--screenshot={shot_path}", url)
    assert shot.returncode == 0 and shot_path.exists(), shot.stderr[-2000:]
    with Image.open(shot_path) as image:
        assert image.size == (390, 844)
        rgb = image.convert("RGB")
        # The urgent flag's red border (#dc2626) is on the first screen.
        colours = [colour for _, colour in rgb.getcolors(1 << 20) or [] if isinstance(colour, tuple)]
        assert any(abs(r - 0xDC) < 14 and abs(g - 0x26) < 14 and abs(b - 0x26) < 14 for r, g, b in colours)


def test_a_link_carries_no_readable_openid(app: Flask, client: FlaskClient) -> None:
    """Issue 36.2: the token was base64 JSON with the parent's openid in it; now it is sealed (AES-GCM)."""
    family = bound_family(app, client)
    write(app, family, "喂奶 120ml", NOW)
    path = link(app, family.engagement_id, MOM, flag_id=1)
    token = path.removeprefix("/d/")
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    for readable in (raw, token.encode(), raw.decode("latin-1").encode("utf-8")):
        assert MOM.encode() not in readable
    assert b'"e"' not in raw and b"engagement" not in raw and str(family.engagement_id).encode() + b',' not in raw
    # Two links of the same day for the same person differ (a fresh nonce): one reveals nothing about another.
    assert link(app, family.engagement_id, MOM, flag_id=1) != path
    page = client.get(path)
    assert page.status_code == 200 and "喂奶 120ml" in page.get_data(as_text=True)


def test_an_old_readable_link_gets_the_expired_page_not_an_error(app: Flask, client: FlaskClient) -> None:
    """Links of the earlier format (signed JSON, openid readable) may sit in chat histories: a clear page, no 500."""
    family = bound_family(app, client)
    write(app, family, "喂奶 120ml", NOW)
    old = URLSafeTimedSerializer(app.config["ANXIN_SECRET_KEY"], salt="anxin-day").dumps(
        {"e": family.engagement_id, "d": NOW.date().isoformat(), "o": MOM, "f": 1})
    for answer in (client.get(f"/d/{old}"), client.post(f"/d/{old}/ack")):
        html = answer.get_data(as_text=True)
        assert answer.status_code == 410 and "已过期" in html and "120ml" not in html
