"""Nudges to a quiet nurse: after 4 daytime hours, once per quiet stretch, never at night."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskClient

from bot.jobs import run_job
from tests.fakes.wechat_api import WeChatApiFake
from tests.support.chat import today
from tests.support.diary import DAY, MOM, NURSE, bound_family, local, notifications, texts_to, write


def nudges(fake: WeChatApiFake, openid: str = NURSE) -> list[str]:
    return texts_to(fake, openid, "【温馨提醒】")


def remind(app: Flask, at: dt.datetime) -> dict:  # type: ignore[type-arg]
    result = run_job(app, "reminders", now=at)
    assert result.ran and result.error is None
    assert result.detail is not None
    return dict(result.detail)


def test_four_quiet_daytime_hours_bring_one_nudge_per_stretch(app: Flask, client: FlaskClient,
                                                             wechat_fake: WeChatApiFake, session) -> None:
    family = bound_family(app, client)
    [first] = write(app, family, "8:30 喂奶 90ml", local(8, 35))

    assert remind(app, local(12, 0))["queued"] == 0  # 3.5 hours: not yet
    assert nudges(wechat_fake) == []
    assert remind(app, local(12, 30)) == {"nurses": 1, "quiet": 1, "queued": 1, "sent": 1, "retry": 0, "failed": 0}
    [nudge] = nudges(wechat_fake)
    assert nudge.startswith("【温馨提醒】小米的月子日记已经 4小时 没有新记录了（上一条 08:30）")
    assert "喂奶 90ml" in nudge
    assert remind(app, local(13, 0))["queued"] == 0  # the same quiet stretch: no second nudge
    assert remind(app, local(21, 30))["queued"] == 0
    assert len(nudges(wechat_fake)) == 1

    [second] = write(app, family, "14:00 换尿布 小便", local(14, 5))  # she writes again ...
    assert remind(app, local(16, 0))["queued"] == 0
    assert remind(app, local(18, 0))["queued"] == 1  # ... and goes quiet again: a new nudge
    assert len(nudges(wechat_fake)) == 2
    assert "上一条 14:00" in nudges(wechat_fake)[-1]
    assert nudges(wechat_fake, MOM) == []  # nudges are the nurse's alone
    keys = [n.key for n in notifications(session, "reminder")]
    assert keys == [f"reminder:{NURSE}:{family.engagement_id}:{first}", f"reminder:{NURSE}:{family.engagement_id}:{second}"]


def test_no_nudge_at_night_and_the_night_does_not_count(app: Flask, client: FlaskClient,
                                                       wechat_fake: WeChatApiFake) -> None:
    family = bound_family(app, client)
    write(app, family, "17:00 喂奶 90ml", local(17, 5))
    assert remind(app, local(22, 0)) == {"nurses": 0, "quiet": 0, "queued": 0, "sent": 0, "retry": 0, "failed": 0}
    assert remind(app, local(23, 30))["queued"] == 0
    next_day = DAY + dt.timedelta(days=1)
    assert remind(app, local(3, 0, next_day))["queued"] == 0
    write(app, family, "6:00 喂奶 80ml", local(6, 5, next_day))  # a night entry: daytime quiet starts at 08:00
    assert remind(app, local(10, 0, next_day))["queued"] == 0
    assert remind(app, local(11, 30, next_day))["queued"] == 0
    assert nudges(wechat_fake) == []
    assert remind(app, local(12, 0, next_day))["queued"] == 1
    [nudge] = nudges(wechat_fake)
    assert "小米今天还没有记录月子日记" in nudge  # nothing written in today's daytime yet


def test_a_nurse_who_has_not_written_is_nudged_from_noon(app: Flask, client: FlaskClient,
                                                        wechat_fake: WeChatApiFake, session) -> None:
    family = bound_family(app, client, parents=())
    assert remind(app, local(11, 59))["queued"] == 0
    assert remind(app, local(12, 0))["queued"] == 1
    assert remind(app, local(16, 30))["queued"] == 0  # one nudge for the whole silent day
    [nudge] = nudges(wechat_fake)
    assert "今天还没有记录" in nudge and "喂奶 90ml" in nudge
    [note] = notifications(session, "reminder")
    assert note.key == f"reminder:{NURSE}:{family.engagement_id}:{DAY.isoformat()}"


def test_only_active_engagements_are_watched(app: Flask, client: FlaskClient, wechat_fake: WeChatApiFake) -> None:
    bound_family(app, client, parents=())  # starts two days ago: on the day before it starts, nothing
    before_start = today() - dt.timedelta(days=3)
    assert remind(app, local(15, 0, before_start)) == {"nurses": 0, "quiet": 0, "queued": 0, "sent": 0, "retry": 0,
                                                       "failed": 0}
    after_end = today() + dt.timedelta(days=27)
    assert remind(app, local(15, 0, after_end))["nurses"] == 0
    assert nudges(wechat_fake) == []
