"""``/d/TOKEN`` (issue 33.3, 33.5): the day before and after, rating from the page, the nurse's name, growth."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bot.diary.entries import record_entries
from bot.diary.parse import parse_lines
from bot.diary.refs import read_babies
from bot.models import Engagement, Rating
from bot.outbox import daylinks
from tests.support.chat import TZ, Chat, open_twins, today
from tests.support.diary import DAD, MOM, NURSE, bound_family, local, write

YESTERDAY = today() - dt.timedelta(days=1)
FIRST = today() - dt.timedelta(days=2)  # open_family's engagement starts two days ago


def link(app: Flask, engagement_id: int, day: dt.date, openid: str | None = MOM) -> str:
    return "/d/" + daylinks.sign(app.config["ANXIN_SECRET_KEY"], engagement_id, day, openid)


def href(html: str, element_id: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" id="{element_id}"', html)
    return found[1] if found else None


def ratings(app: Flask, engagement_id: int) -> list[tuple[str, int, str | None]]:
    with app.extensions["anxin_db"].new_session() as session:
        return [(r.rated_by, r.stars, r.comment) for r in session.scalars(
            select(Rating).where(Rating.engagement_id == engagement_id).order_by(Rating.id))]


def test_previous_and_next_day_stay_within_the_engagement_and_the_person(app: Flask, client: FlaskClient) -> None:
    family = bound_family(app, client)
    write(app, family, "8:00 喂奶 60ml", local(12, day=FIRST))
    write(app, family, "9:00 配方奶 90ml", local(12, day=YESTERDAY))

    page = client.get(link(app, family.engagement_id, YESTERDAY)).get_data(as_text=True)
    assert "配方奶 90ml" in page
    before, after = href(page, "previous-day"), href(page, "next-day")
    assert before and after
    first = client.get(before).get_data(as_text=True)
    assert "喂奶 60ml" in first and "配方奶 90ml" not in first and FIRST.isoformat() in first
    assert href(first, "previous-day") is None and "已是第一天" in first  # the engagement's first day
    # The link is sealed for the same person: it reads as hers.
    assert daylinks.read(app.config["ANXIN_SECRET_KEY"], before.removeprefix("/d/")).openid == MOM
    latest = client.get(after).get_data(as_text=True)
    assert today().isoformat() in latest and href(latest, "next-day") is None and "已是最后一天" in latest
    # Someone who left the family cannot walk the days with an old link either.
    assert client.get(link(app, family.engagement_id, YESTERDAY, "o-stranger")).status_code == 403


def test_the_nurse_is_named_to_her_family(app: Flask, client: FlaskClient) -> None:
    family = bound_family(app, client)
    html = client.get(link(app, family.engagement_id, YESTERDAY)).get_data(as_text=True)
    assert "伍秀芳" in html and "伍*芳" not in html


def test_a_parent_rates_the_day_from_the_page_once(app: Flask, client: FlaskClient) -> None:
    family = bound_family(app, client)
    write(app, family, "9:00 喂奶 90ml", local(12, day=YESTERDAY))
    path = link(app, family.engagement_id, YESTERDAY)
    page = client.get(path).get_data(as_text=True)
    assert 'id="rate-form"' in page and "为这一天评分" in page

    done = client.post(path + "/rate", data={"stars": "4", "comment": "夜里很耐心"})
    assert done.status_code == 303 and "rated=1" in done.headers["Location"]
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "★★★★☆" in shown and "夜里很耐心" in shown and "（我）" in shown and "已收到您的评分" in shown
    assert "修改我的评分" in shown
    # Again: it replaces her own, and the father's is his own.
    assert client.post(path + "/rate", data={"stars": "5", "comment": ""}).status_code == 303
    assert client.post(link(app, family.engagement_id, YESTERDAY, DAD) + "/rate", data={"stars": "3"}).status_code == 303
    assert sorted(ratings(app, family.engagement_id)) == [(DAD, 3, None), (MOM, 5, None)]
    # The chat sees the same rating: one function, one row.
    assert "★★★★★" in Chat(client).say(MOM, f"日记 {YESTERDAY:%m-%d}")


@pytest.mark.parametrize("stars", ["", "0", "6", "4.5", "abc", "５", "1e3", "-1", "4' OR 1=1"])
def test_junk_stars_get_the_reason_in_chinese_and_write_nothing(app: Flask, client: FlaskClient, stars: str) -> None:
    family = bound_family(app, client)
    answer = client.post(link(app, family.engagement_id, YESTERDAY) + "/rate", data={"stars": stars, "comment": "好"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "请选择 1 到 5 星" in html and 'id="rate-form"' in html
    assert ratings(app, family.engagement_id) == []


def test_bad_rating_requests_are_refused_clearly(app: Flask, client: FlaskClient) -> None:
    family = bound_family(app, client)
    path = link(app, family.engagement_id, YESTERDAY)
    too_long = client.post(path + "/rate", data={"stars": "5", "comment": "好" * 201})
    assert too_long.status_code == 400 and "评语不能超过 200 个字" in too_long.get_data(as_text=True)
    nurse = client.post(link(app, family.engagement_id, YESTERDAY, NURSE) + "/rate", data={"stars": "5"})
    assert nurse.status_code == 403 and "只有家人可以评分" in nurse.get_data(as_text=True)
    assert 'id="rate-form"' not in client.get(link(app, family.engagement_id, YESTERDAY, NURSE)).get_data(as_text=True)
    tomorrow = client.post(link(app, family.engagement_id, today() + dt.timedelta(days=1)) + "/rate", data={"stars": "5"})
    assert tomorrow.status_code == 400 and "还没到" in tomorrow.get_data(as_text=True)
    other_site = client.post(path + "/rate", data={"stars": "1"}, headers={"Origin": "https://evil.example",
                                                                           "Sec-Fetch-Site": "cross-site"})
    assert other_site.status_code == 403
    assert client.post(path[:-3] + "xyz/rate", data={"stars": "5"}).status_code == 404
    assert client.post(path + "/rate", data=b"\xff\xfe", content_type="application/octet-stream").status_code == 400
    assert ratings(app, family.engagement_id) == []


def test_growth_is_charted_against_the_who_standard(app: Flask, client: FlaskClient) -> None:
    family = bound_family(app, client)  # one baby, born three days ago, sex not given
    write(app, family, "8:00 体重 3350g\n8:05 身长 50.5cm\n8:10 头围 34.5cm", local(12, day=YESTERDAY))
    html = client.get(link(app, family.engagement_id, YESTERDAY)).get_data(as_text=True)
    assert 'id="growth"' in html and html.count('class="growth-chart"') == 3
    assert "3.35 kg" in html and "50.5 cm" in html and "34.5 cm" in html
    assert "性别未登记" in html  # both sexes' curves are drawn, and the page says why
    # The day before the measurements has no chart.
    assert 'id="growth"' not in client.get(link(app, family.engagement_id, FIRST)).get_data(as_text=True)


def test_twins_growth_names_each_baby_and_places_it_among_its_sex(app: Flask, client: FlaskClient) -> None:
    family = open_twins(app, client)
    chat = Chat(client)
    assert "绑定成功" in chat.say(NURSE, f"绑定 {family.nurse_code}")
    assert "绑定成功" in chat.say(MOM, f"绑定 {family.family_code}")
    with app.extensions["anxin_db"].new_session() as session, session.begin():
        engagement = session.get(Engagement, family.engagement_id)
        assert engagement is not None
        babies = read_babies(session, [engagement.id])[engagement.id]
        sent = local(12, day=YESTERDAY)
        record_entries(session, engagement, NURSE, parse_lines("8:00 小豆苗 体重 2700g\n8:10 小豆芽 体重 2450g", sent, TZ,
                                                               babies), sent, TZ)
    html = client.get(link(app, family.engagement_id, YESTERDAY)).get_data(as_text=True)
    assert "小豆苗 · 体重" in html and "小豆芽 · 体重" in html and "性别未登记" not in html
    assert re.search(r"约 P\d+", html)


def test_every_rating_of_a_member_is_one_row_whatever_the_clicks(app: Flask, client: FlaskClient) -> None:
    family = bound_family(app, client)
    path = link(app, family.engagement_id, YESTERDAY)
    for stars in "12345":
        client.post(path + "/rate", data={"stars": stars})
    with app.extensions["anxin_db"].new_session() as session:
        assert session.scalar(select(func.count()).select_from(Rating)) == 1
    assert ratings(app, family.engagement_id) == [(MOM, 5, None)]
