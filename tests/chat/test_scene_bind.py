"""Scene QR ``bind_CODE`` binds like ``绑定 CODE``; badge scenes and the welcome still work around it."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.models import Binding
from bot.wechat.simulator import reply_text
from tests.support.chat import Chat, open_family


def _event(chat: Chat, openid: str, event: str, key: str) -> str:
    return reply_text(chat.sender.read_reply(chat.post(chat.sender.event(openid, event, key))))


def test_a_nurse_scans_the_nurse_code_and_a_parent_follows_by_the_family_code(app: Flask, client: FlaskClient,
                                                                               session) -> None:
    family = open_family(app, client)
    chat = Chat(client)
    nurse = _event(chat, "o-nurse", "SCAN", f"bind_{family.nurse_code}")
    assert "绑定成功" in nurse and "月嫂" in nurse and "王家" in nurse
    parent = _event(chat, "o-parent", "subscribe", f"qrscene_bind_{family.family_code}")
    assert "绑定成功" in parent and "家人" in parent
    again = _event(chat, "o-other", "SCAN", f"bind_{family.nurse_code}")
    assert "已被使用" in again, again
    unknown = _event(chat, "o-x", "SCAN", "bind_ZZZZZZZZ")
    assert "绑定码" in unknown and "绑定成功" not in unknown
    session.rollback()
    assert {(b.openid, b.role) for b in session.scalars(select(Binding))} == {("o-nurse", "nurse"), ("o-parent", "parent")}
    # The nurse's diary works after the scan: the binding is the same as a typed code's.
    assert "已记录" in chat.say("o-nurse", "喂奶 120ml")


def test_other_scenes_and_a_plain_follow_are_unchanged(app: Flask, client: FlaskClient) -> None:
    chat = Chat(client)
    assert "欢迎" in _event(chat, "o-new", "subscribe", "")
    assert "不存在" in _event(chat, "o-new", "SCAN", "badge_00000-00001-Y")
