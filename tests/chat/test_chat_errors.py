"""Every chat error is answered in one place: a genuine message always gets a 200 with a text reply.

Each command is sent with hostile arguments (out-of-range dates, huge numbers, unknown codes,
empty text, 2,000 characters) by every role; a handler that fails is rolled back and answered
politely, and its message still counts as received (a retry gets the same answer).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bot.chat import router
from bot.chat.context import ChatContext, Text
from bot.chat.router import BUSY, command
from bot.models import Agency, Complaint, DiaryEntry, InboundMessage, Rating
from tests.support.agency import supervisor_code
from tests.support.chat import MOM, NURSE, Chat, Family, content

VISITOR, BOSS = "o-err-visitor", "o-err-boss"
LONG = "长" * 2000

HOSTILE = [
    "。",  # WeChat sends no empty text; punctuation alone is as empty as it gets
    "日记 1999-11-20",
    "日记 9999-12-31",
    "日记 0001-01-01",
    "日记 2026-02-30",
    "日记 13-45",
    "日记 00-00",
    "日记 " + "9" * 40,
    "今天 " + LONG,
    "昨天 ???",
    "评分 99999999999999999999999",
    "评分 -1",
    "评分 3.5",
    "评分 0",
    "评分 一百亿",
    "评分 5 " + LONG,
    "投诉",
    "投诉 " + LONG,
    "绑定",
    "绑定 ZZZZ2222",
    "绑定 " + "9" * 500,
    "绑定 " + LONG,
    "切换 0",
    "切换 99999999999999999999999",
    "撤销",
    "TFCA1-9MXPZ-X",  # a badge code whose check symbol is wrong
    "00000-00000-0",
    "帮助 " + LONG,
    "体温 99999999999999999999",
    "7:99 喂奶 1e309ml",
    "25:00 喂奶 120ml",
    "体重 -5kg",
    LONG,
    "\u202e\u200b\ufeff",
]


@pytest.fixture
def family(family: Family, client: FlaskClient, chat: Chat) -> Family:
    """The shared family, and its agency's supervisor bound in chat too."""
    assert "绑定成功" in chat.say(BOSS, f"绑定 {supervisor_code(client, family.key)}")
    return family


@pytest.mark.parametrize("openid", [VISITOR, NURSE, MOM, BOSS])
def test_every_command_with_hostile_arguments_gets_a_text_reply(chat: Chat, family: Family, openid: str) -> None:
    for text in HOSTILE:
        reply = chat.say(openid, text)  # Chat.post asserts the 200
        assert reply.strip(), f"{openid} {text[:30]!r}: empty reply"
        assert "error" not in reply.lower() and "{" not in reply, f"{openid} {text[:30]!r}: {reply[:200]}"
        assert reply != BUSY, f"{openid} {text[:30]!r} hit an unexpected error"


def test_a_parent_asking_for_a_day_outside_the_diary_is_told_in_chat(chat: Chat, family: Family) -> None:
    reply = chat.say(MOM, "日记 1999-11-20")
    assert "1999" in reply or "日期" in reply
    assert "不是有效" not in reply


@pytest.fixture
def broken_command() -> Iterator[None]:
    """A chat command that writes, then fails as a bug would: registered like any command, removed after."""

    @command(r"坏掉的命令", name="broken_for_test", priority=1)
    def broken(ctx: ChatContext) -> Text:
        agency = Agency(name="半途写入的机构", api_key_hash="x" * 64)
        ctx.session.add(agency)
        ctx.session.flush()
        raise RuntimeError("a bug in a handler")

    yield
    router.COMMANDS[:] = [c for c in router.COMMANDS if c.name != "broken_for_test"]


def test_an_unexpected_error_is_rolled_back_and_answered_politely(
    app: Flask, chat: Chat, session, broken_command: None, caplog: pytest.LogCaptureFixture
) -> None:
    body = chat.sender.text(VISITOR, "坏掉的命令", msg_id=777001)
    first = content(chat.sender.read_reply(chat.post(body)))
    assert BUSY in first
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Agency).where(Agency.name == "半途写入的机构")) == 0
    # The message itself was received: WeChat's retry gets the same answer and runs nothing again.
    assert session.scalar(select(func.count()).select_from(InboundMessage).where(
        InboundMessage.dedup_key == "msg:777001")) == 1
    assert content(chat.sender.read_reply(chat.post(body))) == BUSY
    failures = [r for r in caplog.records if r.getMessage() == "chat.handler_failed"]
    assert failures and failures[0].exc_info is not None


def test_a_domain_error_rolls_back_what_the_handler_wrote(chat: Chat, family: Family, session) -> None:
    # A rating outside 1-5 and an over-long complaint write nothing at all.
    before = session.scalar(select(func.count()).select_from(Rating))
    assert "1 到 5" in chat.say(MOM, "评分 9")
    assert "不能超过" in chat.say(MOM, "投诉 " + LONG)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Rating)) == before
    assert session.scalar(select(func.count()).select_from(Complaint)) == 0


def test_no_handler_carries_its_own_error_decorator() -> None:
    from pathlib import Path

    import bot.chat.handlers

    for path in Path(bot.chat.handlers.__file__).parent.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"^@chat_errors", source, re.M), path
        assert "current_app" not in source, path


def test_diary_lines_still_record_after_a_refused_line(chat: Chat, family: Family, session) -> None:
    reply = chat.say(NURSE, "喂奶 120ml")
    assert "已记录" in reply
    session.rollback()
    assert session.scalar(select(func.count()).select_from(DiaryEntry)) == 1
