"""Urgent flags by SMS when WeChat cannot reach a person: the rounds, the unreached family, refusals.

Everything goes through the loopback WeChat fake and the loopback Tencent Cloud SMS fake (signatures checked).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.agency.staff import create_staff
from bot.cloud.sms import send_sms
from bot.core.clock import utcnow
from bot.diary.phones import set_family_phones
from bot.jobs import run_job
from bot.models import DeliveryAttempt, DiaryFlag, Engagement, FlagEvent, Notification
from bot.store import background
from tests.fakes.sms_api import SMS_SETTINGS, SmsApiFake
from tests.fakes.wechat_api import WeChatApiFake
from tests.support.chat import Chat, Family, open_family
from tests.support.diary import MOM, NURSE, write

# Example numbers, not people's: the contract's and Tencent Cloud's SendSms page's
# (https://intl.cloud.tencent.com/zh/document/product/382/40536).
MOM_PHONE, GRANDMA_PHONE, BOSS_PHONE = "13800138000", "13711112222", "18501234444"
T0 = utcnow().replace(microsecond=0) - dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _background_work_finishes() -> Iterator[None]:
    yield
    background.join_all()


def with_phones(app: Flask, family: Family, *phones: str) -> None:
    with app.extensions["anxin_db"].new_session() as s, s.begin():
        engagement = s.get(Engagement, family.engagement_id)
        assert engagement is not None
        set_family_phones(engagement, list(phones), True, "test", app.extensions["anxin_cipher"], utcnow())
        create_staff(s, family.agency_id, "duty-supervisor", "supervisor", password="Anxin-boss-2026!", phone=BOSS_PHONE,
                     cipher=app.extensions["anxin_cipher"])


def fever(app: Flask, family: Family) -> int:
    write(app, family, "体温 38.5", T0)
    with app.extensions["anxin_db"].new_session() as s:
        return int(s.scalars(select(DiaryFlag.id).where(DiaryFlag.severity == "urgent")).one())


def trail(app: Flask, flag_id: int) -> list[tuple[str, str | None, str | None]]:
    with app.extensions["anxin_db"].reader_session() as s:
        return [(e.action, e.actor, e.channel) for e in s.scalars(
            select(FlagEvent).where(FlagEvent.flag_id == flag_id).order_by(FlagEvent.id))]


def test_first_round_texts_the_family_and_the_second_the_supervisors(app: Flask, client: FlaskClient,
                                                                     family: Family, sms_fake: SmsApiFake) -> None:
    with_phones(app, family, MOM_PHONE, GRANDMA_PHONE)
    flag_id = fever(app, family)
    run_job(app, "deliver")  # WeChat reached the mother: no SMS yet
    assert sms_fake.state.sent == []
    first = run_job(app, "escalate", now=T0 + dt.timedelta(minutes=15, seconds=5)).detail
    assert first is not None and first["sms"] == 2
    [sms] = sms_fake.sent_to(MOM_PHONE)
    assert len(sms_fake.sent_to(GRANDMA_PHONE)) == 1 and sms_fake.sent_to(BOSS_PHONE) == []
    assert re.fullmatch(r"【安心月子】小米：宝宝体温38\.5℃，\d\d-\d\d \d\d:\d\d记录，请尽快查看并回复 "
                        r"http://127\.0\.0\.1:5000/d/[A-Za-z0-9]{10}", sms.text), sms.text
    assert "王家" not in sms.text and MOM_PHONE not in sms.text
    second = run_job(app, "escalate", now=T0 + dt.timedelta(minutes=30, seconds=10)).detail
    assert second is not None and second["sms"] == 1
    [boss] = sms_fake.sent_to(BOSS_PHONE)
    assert "宝宝体温38.5℃" in boss.text
    third = run_job(app, "escalate", now=T0 + dt.timedelta(minutes=45, seconds=15)).detail
    assert third is not None and third["sms"] == 0  # one SMS per phone and flag
    assert len(sms_fake.sent_to(MOM_PHONE)) == 1
    events = trail(app, flag_id)
    assert ("sent", "tel:138****8000", "sms") in events and ("sent", "tel:185****4444", "sms") in events

    # The link of the SMS: the day, read-only on GET; 已收到 acknowledges as that family member.
    code = sms.text.rsplit("/d/", 1)[1]
    page = client.get(f"/d/{code}")
    assert page.status_code == 200 and "38.5" in page.get_data(as_text=True)
    assert ("acknowledged", "tel:138****8000", "sms") not in trail(app, flag_id)
    assert client.post(f"/d/{code}/ack").status_code == 303
    assert ("acknowledged", "tel:138****8000", "sms") in trail(app, flag_id)
    assert client.get("/d/ZZZZZZZZZZ").status_code == 410

    # The outbox shows SMS beside WeChat messages, with the link that was sent.
    out = app.test_cli_runner().invoke(args=["outbox", "--to", "tel:138****8000"])
    assert out.exit_code == 0 and "短信" in out.output and f"/d/{code}" in out.output


def test_a_family_no_wechat_channel_reaches_is_texted_at_once(app: Flask, family: Family,
                                                              wechat_fake: WeChatApiFake, sms_fake: SmsApiFake) -> None:
    with_phones(app, family, MOM_PHONE)
    wechat_fake.state.unsubscribed.add(MOM)  # the mother unfollowed the Official Account
    flag_id = fever(app, family)
    first = run_job(app, "deliver").detail or {}
    assert first["failed"] == 1 and first["retry"] == 0
    run_job(app, "deliver")  # the SMS queued when the last WeChat channel refused (unless this run took it already)
    assert len(sms_fake.sent_to(MOM_PHONE)) == 1  # minutes before the first escalation round
    events = trail(app, flag_id)
    assert ("refused", MOM, "custom") in events and ("refused", MOM, "template") in events
    assert ("sent", "tel:138****8000", "sms") in events


def test_a_family_with_nobody_bound_is_texted_by_the_next_escalation_run(app: Flask, client: FlaskClient,
                                                                         sms_fake: SmsApiFake) -> None:
    family = open_family(app, client)
    assert "绑定成功" in Chat(client).say(NURSE, f"绑定 {family.nurse_code}")
    with_phones(app, family, MOM_PHONE)
    fever(app, family)
    detail = run_job(app, "escalate", now=T0 + dt.timedelta(minutes=1)).detail
    assert detail is not None and detail["sms"] == 1 and detail["escalated"] == 0
    assert len(sms_fake.sent_to(MOM_PHONE)) == 1


def test_an_sms_tencent_refuses_is_kept_in_the_trail_and_not_retried(app: Flask, family: Family,
                                                                     sms_fake: SmsApiFake) -> None:
    with_phones(app, family, MOM_PHONE)
    flag_id = fever(app, family)
    run_job(app, "deliver")
    app.config["ANXIN_TENCENTCLOUD_SECRET_KEY"] = "a-revoked-key"
    run_job(app, "escalate", now=T0 + dt.timedelta(minutes=15, seconds=5))
    assert sms_fake.state.sent == []
    with app.extensions["anxin_db"].reader_session() as s:
        note = s.scalars(select(Notification).where(Notification.channel.is_(None),
                                                    Notification.key.like("sms:%"))).one()
        assert note.status == "failed" and "AuthFailure.SignatureFailure" in (note.last_error or "")
        [attempt] = s.scalars(select(DeliveryAttempt).where(DeliveryAttempt.notification_id == note.id)).all()
        assert (attempt.channel, attempt.outcome) == ("sms", "refused")
    assert ("refused", "tel:138****8000", "sms") in trail(app, flag_id)


def test_an_sms_over_the_per_number_limit_is_retried_later(app: Flask, family: Family,
                                                           sms_fake: SmsApiFake) -> None:
    with_phones(app, family, MOM_PHONE)
    fever(app, family)
    run_job(app, "deliver")
    send_sms({**app.config, **SMS_SETTINGS}, MOM_PHONE, SMS_SETTINGS["ANXIN_SMS_TEMPLATE_FLAG"],
             ["验证", "小米", "12-07 03:05", "AAAAAAAAAA"])  # another message to the number a moment ago
    run_job(app, "escalate", now=T0 + dt.timedelta(minutes=15, seconds=5))
    assert len(sms_fake.sent_to(MOM_PHONE)) == 1  # Tencent: LimitExceeded.PhoneNumberThirtySecondLimit
    with app.extensions["anxin_db"].reader_session() as s:
        note = s.scalars(select(Notification).where(Notification.key.like("sms:%"))).one()
        assert note.status == "pending" and "PhoneNumberThirtySecondLimit" in (note.last_error or "")
