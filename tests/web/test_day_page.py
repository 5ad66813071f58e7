"""``/d/TOKEN``: the family's day page that digest and flag messages link to (issue 11.2)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from PIL import Image

from bot import daylinks
from bot.clock import utcnow
from tests.diary_support import Chat, open_family
from tests.jobs.support import DAD, MOM, bound_family, write
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
    for header in ("Content-Security-Policy", "Referrer-Policy", "X-Content-Type-Options", "X-Robots-Tag"):
        assert page.headers[header] == client.get("/b/00000-00001-Y").headers[header]
    assert page.headers["Cache-Control"] == "no-store"


def test_bad_expired_and_foreign_links_show_nothing(app: Flask, client: FlaskClient) -> None:
    family = bound_family(app, client)
    write(app, family, "喂奶 120ml", NOW)
    good = link(app, family.engagement_id, MOM)
    assert client.get(good[:-2] + "xx").status_code == 404  # altered
    assert client.get("/d/not-a-token").status_code == 404

    class LastWeek(TimestampSigner):
        def get_timestamp(self) -> int:
            return int((utcnow() - dt.timedelta(days=8)).timestamp())

    old = URLSafeTimedSerializer(app.config["ANXIN_SECRET_KEY"], salt="anxin-day", signer=LastWeek).dumps(
        {"e": family.engagement_id, "d": NOW.date().isoformat(), "o": MOM})
    expired = client.get(f"/d/{old}")
    assert expired.status_code == 410 and "已过期" in expired.get_data(as_text=True)
    assert "120ml" not in expired.get_data(as_text=True)
    # Someone who is not (or no longer) in the family: nothing.
    stranger = client.get(link(app, family.engagement_id, "o-stranger"))
    assert stranger.status_code == 403 and "120ml" not in stranger.get_data(as_text=True)


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
        assert any(abs(r - 0xDC) < 14 and abs(g - 0x26) < 14 and abs(b - 0x26) < 14
                   for _, (r, g, b) in rgb.getcolors(1 << 20) or [])
