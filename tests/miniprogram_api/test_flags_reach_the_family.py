"""A flag raised from the mini-program reaches the family at once, as one raised in chat does (no job run)."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient

from bot.store import background
from tests.fakes.wechat_api import WeChatApiFake
from tests.support.chat import TZ, Chat, Family
from tests.support.miniprogram import MpUser

DAD = "o-oa-dad"  # the father follows the Official Account and chats with it


def test_a_fever_posted_from_the_phone_is_sent_to_the_family_right_away(
    client: FlaskClient, nurse: MpUser, family: Family, wechat_fake: WeChatApiFake
) -> None:
    chat = Chat(client)
    assert "绑定成功" in chat.say(DAD, f"绑定 {family.family_code}")
    chat.say(DAD, "今天")  # inside the 48-hour window: a customer-service message
    moment = (dt.datetime.now(TZ) - dt.timedelta(minutes=3)).isoformat()
    res = nurse.post(f"/engagements/{family.engagement_id}/entries",
                     {"client_id": "fever-1", "occurred_at": moment, "kind": "temperature", "celsius": 38.6})
    assert res.status_code == 201
    assert [f["severity"] for f in res.get_json()["flags"]] == ["urgent"]
    background.join_all()  # the delivery the request started after its commit; no scheduled job runs
    [message] = wechat_fake.messages_to(DAD)
    assert "38.6" in message["text"]["content"]

