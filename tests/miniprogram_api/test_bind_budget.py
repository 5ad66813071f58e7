"""Issue 36.3: one budget of binding attempts for chat ``绑定 CODE``, the ``bind_CODE`` scene and ``POST /mp/v1/bind``.

Before, the mini-program answered every guess (60 of 60) while chat stopped at ANXIN_BIND_LIMIT_USER.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.diary.texts import BIND_TOO_MANY
from bot.models import Binding
from bot.wechat.simulator import reply_text
from tests.support.chat import Chat, open_family

PER_USER, TOTAL = 3, 10


@pytest.fixture
def app_settings(app_settings: dict[str, object]) -> dict[str, object]:
    return {**app_settings, "ANXIN_BIND_LIMIT_USER": PER_USER, "ANXIN_BIND_LIMIT_TOTAL": TOTAL}


def _scan(chat: Chat, openid: str, code: str) -> str:
    return reply_text(chat.sender.read_reply(chat.post(chat.sender.event(openid, "SCAN", f"bind_{code}"))))


def _bindings(session) -> set[str]:
    session.rollback()  # see what the requests committed
    return set(session.scalars(select(Binding.openid)))


def test_guesses_in_the_mini_program_spend_the_chat_budget_too(app: Flask, client: FlaskClient, login,
                                                               session) -> None:
    family = open_family(app, client)
    guesser = login("o-bind-guesser")
    answers = [guesser.post("/bind", {"code": f"ZZZZZZZ{n}"}) for n in range(PER_USER + 2)]
    assert [a.status_code for a in answers] == [404] * PER_USER + [429, 429]
    assert answers[-1].get_json()["error"] == {"code": "too_many_bind_attempts", "message": BIND_TOO_MANY}
    # The same person in chat, with the right code, typed or scanned: refused, nothing bound.
    chat = Chat(client)
    assert chat.say("o-bind-guesser", f"绑定 {family.nurse_code}") == BIND_TOO_MANY
    assert _scan(chat, "o-bind-guesser", family.nurse_code) == BIND_TOO_MANY
    assert guesser.post("/bind", {"code": family.nurse_code}).status_code == 429
    assert _bindings(session) == set()
    # Someone else still binds.
    assert "绑定成功" in chat.say("o-bind-honest", f"绑定 {family.nurse_code}")


def test_guesses_in_chat_spend_the_mini_program_budget_too(app: Flask, client: FlaskClient, login,
                                                           session) -> None:
    family = open_family(app, client)
    chat = Chat(client)
    assert all("绑定码不存在" in chat.say("o-chat-guesser", f"绑定 ZZZZZZZ{n}") for n in range(PER_USER - 1))
    assert "绑定码" in _scan(chat, "o-chat-guesser", "ZZZZZZZY")
    refused = login("o-chat-guesser").post("/bind", {"code": family.family_code})
    assert refused.status_code == 429 and refused.get_json()["error"]["message"] == BIND_TOO_MANY
    assert _bindings(session) == set()


def test_the_platform_wide_budget_is_one_across_surfaces(app: Flask, client: FlaskClient, login,
                                                         session) -> None:
    family = open_family(app, client)
    chat = Chat(client)
    for n in range(TOTAL // 2):  # half the guesses in chat, half in the mini-program, each from a fresh openid
        assert "绑定码不存在" in chat.say(f"o-rot-chat-{n}", "绑定 ZZZZZZZZ")
        assert login(f"o-rot-mp-{n}").post("/bind", {"code": "ZZZZZZZZ"}).status_code == 404
    assert login("o-rot-mp-last").post("/bind", {"code": family.family_code}).status_code == 429
    assert chat.say("o-rot-chat-last", f"绑定 {family.family_code}") == BIND_TOO_MANY
    assert _bindings(session) == set()
