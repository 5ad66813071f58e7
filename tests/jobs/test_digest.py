"""The evening digest against the loopback WeChat fake: once per parent, retried until WeChat takes it."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from bot.diary.family import rate_day
from bot.jobs import run_job
from bot.models import Engagement
from tests.fakes.wechat_api import WeChatApiFake
from tests.support.chat import Chat, Family
from tests.support.diary import (
    CUSTOM,
    DAD,
    DAY,
    MOM,
    NURSE,
    last_wrote,
    local,
    notifications,
    texts_to,
    write,
)

NOW = local(21, 30)
DAY_TEXT = (
    "8:00 喂奶 90ml\n9:00 换尿布 小便\n10:00 体温 36.8\n11:00 配方奶 90ml\n"
    "12:00 换尿布 大便 黄色\n13:00 睡觉 90分钟\n14:00 喂奶 90ml\n15:00 宝宝今天很乖"
)


@pytest.fixture
def family(family: Family, app: Flask, chat: Chat) -> Family:
    """The shared family, with the father bound in chat too, and yesterday written."""
    assert "绑定成功" in chat.say(DAD, f"绑定 {family.family_code}")
    write(app, family, DAY_TEXT, local(20))
    return family


def digests(fake: WeChatApiFake, openid: str) -> list[str]:
    return texts_to(fake, openid, "今日小结")


def test_wechat_failing_then_recovering_reaches_every_parent_exactly_once(
    app: Flask, family: Family, wechat_fake: WeChatApiFake, session
) -> None:
    wechat_fake.fail_next(CUSTOM, errcode=-1)  # 系统繁忙: the first send is refused

    first = run_job(app, "digest", now=NOW)
    assert first.ran and first.error is None
    assert first.detail == {"day": DAY.isoformat(), "engagements": 1, "queued": 2, "sent": 1, "retry": 1, "failed": 0}
    assert sorted(len(digests(wechat_fake, p)) for p in (MOM, DAD)) == [0, 1]

    # A run before the back-off is over sends nothing; one after it delivers the refused digest.
    assert (run_job(app, "digest", now=NOW + dt.timedelta(seconds=20)).detail or {})["sent"] == 0
    later = run_job(app, "digest", now=NOW + dt.timedelta(minutes=5))
    assert later.detail is not None and later.detail["queued"] == 0 and later.detail["sent"] == 1

    for parent in (MOM, DAD):
        [text] = digests(wechat_fake, parent)
        assert f"小米（王家） {DAY.isoformat()}" in text
        assert "今天共记录 8 条" in text
        assert "喂奶 3 次，共 270ml" in text
        assert "尿布 2 次（小便 1，大便 1）" in text
        assert "睡眠约 1小时30分" in text
        assert "体温 36.8℃" in text
        assert "回复“评分 5 很细心”为今天评分" in text
    assert wechat_fake.messages_to(NURSE) == []  # the digest is the family's

    third = run_job(app, "digest", now=NOW + dt.timedelta(hours=1))
    assert third.detail is not None and (third.detail["queued"], third.detail["sent"]) == (0, 0)
    assert all(len(digests(wechat_fake, p)) == 1 for p in (MOM, DAD))
    rows = notifications(session, "digest")
    assert sorted(n.key for n in rows) == sorted(
        f"digest:{family.engagement_id}:{p}:{DAY.isoformat()}" for p in (MOM, DAD)
    )
    assert {(n.status, n.channel) for n in rows} == {("sent", "custom")}
    assert sorted(n.attempts for n in rows) == [1, 2]


def test_an_http_error_is_retried_too(app: Flask, family: Family, wechat_fake: WeChatApiFake) -> None:
    wechat_fake.fail_next(CUSTOM, status=502, times=2)
    assert (run_job(app, "digest", now=NOW).detail or {})["retry"] == 2
    assert (run_job(app, "digest", now=NOW + dt.timedelta(minutes=3)).detail or {})["sent"] == 2
    assert [len(digests(wechat_fake, p)) for p in (MOM, DAD)] == [1, 1]


def test_a_parent_outside_the_48_hour_window_gets_a_template_message(
    app: Flask, family: Family, wechat_fake: WeChatApiFake
) -> None:
    last_wrote(app, DAD, NOW - dt.timedelta(days=3))
    result = run_job(app, "digest", now=NOW)
    assert result.detail is not None and result.detail["sent"] == 2
    assert len(digests(wechat_fake, MOM)) == 1 and wechat_fake.templates_to(MOM) == []
    assert wechat_fake.messages_to(DAD) == []
    [sent] = wechat_fake.templates_to(DAD)
    # One template per purpose, short keyword fields WeChat shows in full (no first/remark, no emoji, ≤ 20 chars).
    assert sent["template_id"] == app.config["ANXIN_TEMPLATE_DIGEST"]
    data = {k: v["value"] for k, v in sent["data"].items()}
    assert data == {"thing1": "小米今日月子日记", "phrase2": "今日小结", "time3": f"{DAY.year}年{DAY.month}月{DAY.day}日 21:30",
                    "thing4": "记录8条，点击查看并评分"}
    # …and a link to the day's page, signed for this parent.
    assert sent["url"].startswith(app.config["ANXIN_PUBLIC_URL"] + "/d/")
    assert "很细心" not in str(data)
    run_job(app, "digest", now=NOW + dt.timedelta(hours=1))
    assert len(wechat_fake.templates_to(DAD)) == 1


def test_flags_of_the_day_are_in_the_digest(app: Flask, family: Family, wechat_fake: WeChatApiFake) -> None:
    write(app, family, "19:00 体温 37.6", local(19, 5))
    run_job(app, "digest", now=NOW)
    [text] = digests(wechat_fake, MOM)
    assert "体温 36.8℃、37.6℃" in text
    # 37.5 ℃ in the first 28 days is urgent (DIARY.md, 新生儿访视技术规范): the digest names it so
    assert "⚠️ 需留意 1 项" in text and "🔴 宝宝体温 37.6℃（出生28天内≥37.5℃）" in text


def test_a_rated_day_is_not_asked_for_again(app: Flask, family: Family, wechat_fake: WeChatApiFake) -> None:
    with app.extensions["anxin_db"].new_session() as s, s.begin():
        engagement = s.get(Engagement, family.engagement_id)
        assert engagement is not None
        rate_day(s, engagement, MOM, DAY, 5, "很细心", local(21))
    run_job(app, "digest", now=NOW)
    [mom] = digests(wechat_fake, MOM)  # each member rates for themselves: Mom is thanked for her own rating
    assert "今天已评分：★★★★★ 很细心" in mom and "回复“评分" not in mom
    [dad] = digests(wechat_fake, DAD)  # …and Dad is still asked for his
    assert "回复“评分 5 很细心”为今天评分" in dad and "今天已评分" not in dad


def test_the_engagements_with_entries_that_day_are_found_however_they_are_chunked(session) -> None:
    """The digest's candidates: an entry that local day, not withdrawn; the day's edges in local time."""
    from zoneinfo import ZoneInfo

    from bot.diary.digest import engagements_with_entries
    from bot.models import DiaryEntry
    from tests.support.factories import make_agency, make_worker

    tz = ZoneInfo("Asia/Shanghai")
    day = dt.date(2026, 3, 10)
    agency, _ = make_agency(session, "宁波小结家政")
    worker = make_worker(session, agency)
    ours = [Engagement(agency_id=agency.id, worker_id=worker.id, family_name=f"家{i}", starts_on=day - dt.timedelta(days=5),
                       ends_on=day + dt.timedelta(days=20), nurse_code=f"NP{i}", family_code=f"FP{i}") for i in range(7)]
    session.add_all(ours)
    session.flush()
    at = {0: dt.datetime(2026, 3, 10, 12, 0), 2: dt.datetime(2026, 3, 10, 9, 0), 3: dt.datetime(2026, 3, 9, 23, 59),
          4: dt.datetime(2026, 3, 10, 0, 0), 5: dt.datetime(2026, 3, 11, 0, 0), 6: dt.datetime(2026, 3, 10, 23, 59)}
    for i, when in at.items():  # 1 wrote nothing; 2 only withdrew; 3 and 5 wrote the days either side
        when = when.replace(tzinfo=tz)
        session.add(DiaryEntry(engagement_id=ours[i].id, kind="feeding", fields={"amount_ml": 60}, text="喂奶 60ml",
                               occurred_at=when, recorded_at=when, author_openid="o-n",
                               withdrawn_at=when + dt.timedelta(minutes=5) if i == 2 else None))
    session.commit()
    mine = {e.id for e in ours}
    for probe in (1, 2, 3, 500):
        found = [e.id for e in engagements_with_entries(session, day, tz, probe=probe) if e.id in mine]
        assert found == [ours[0].id, ours[4].id, ours[6].id], probe
