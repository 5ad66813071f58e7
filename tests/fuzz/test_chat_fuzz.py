"""Fuzzing the nurse's chat language: the parser on arbitrary text, and arbitrary text from a bound nurse."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import example, given
from hypothesis import strategies as st

from bot.core.textsafe import MAX_REPLY_BYTES, is_clean
from bot.diary.entries import KINDS
from bot.diary.parse import parse_lines, read_lines
from bot.diary.schemas import MAX_TEXT, check_fields
from tests.support.chat import Chat, open_family
from tests.support.fuzz import budget
from tests.support.strategies import any_text, chat_text

TZ = ZoneInfo("Asia/Shanghai")
SENT = dt.datetime(2026, 11, 20, 4, 30, tzinfo=dt.UTC)


@budget(3000)
@given(text=st.one_of(any_text, chat_text))
@example(text="体温 39.5\n" * 60)
@example(text="晚上12点 喂奶 120ml\n夜里3点 换尿布 大便 黄色")
@example(text="37度8")
@example(text="\x00\x0b 喂奶 99999999999999999999ml")
def test_the_parser_takes_any_text(text: str) -> None:
    """Every line is understood (one entry or several, issue 10) or refused with a reason; nothing is lost."""
    read = read_lines(text, SENT, TZ)
    lines = [line for line in re.split(r"\r\n|\r|\n", text) if line.strip()]
    assert len(read) == len(lines)
    for line in read:
        assert line.entries or line.refused, line.text
        assert not (line.entries and line.refused)
        for entry in line.entries:
            assert entry.kind in KINDS and entry.text and entry.occurred_at.tzinfo is not None
            assert isinstance(entry.fields, dict)
            check_fields(entry.kind, entry.fields)  # storable: what the parser makes, the entry models accept
    assert len(parse_lines(text, SENT, TZ)) == sum(len(line.entries) for line in read)


@pytest.fixture
def nurse_chat(app: Flask, client: FlaskClient) -> Chat:
    family = open_family(app, client)
    chat = Chat(client)
    assert "绑定成功" in chat.say("o-fuzz-nurse", f"绑定 {family.nurse_code}")
    assert "绑定成功" in chat.say("o-fuzz-mom", f"绑定 {family.family_code}")
    return chat


@budget(300)
@given(text=chat_text.filter(lambda t: len(t) <= 8000 and len(t.encode("utf-8")) < 60_000))
@example(text="宝宝很乖]]></Content><MsgType>news</MsgType>")
@example(text="\n".join(["体温39"] * 1365))
@example(text="记" * MAX_TEXT + "记")
def test_a_nurse_may_send_anything(nurse_chat: Chat, text: str) -> None:
    """A message is refused only where text cleaning would change it (characters XML cannot carry) or where it
    is blank (the XML reader drops surrounding blanks, so its Content is missing); WeChat sends neither. Every
    other message is answered with words (200), and the family's day stays readable after it."""
    sender = nurse_chat.sender
    params, data = sender.sign(sender.text("o-fuzz-nurse", text))
    res = nurse_chat.client.post("/wechat", query_string=params, data=data, content_type="text/xml")
    if res.status_code == 400 and (not is_clean(text) or not text.strip()):  # refused, nothing done
        assert res.get_json()["error"]["code"] == "not_a_wechat_message"
        return
    assert res.status_code == 200, (is_clean(text), res.data[:300])
    reply = sender.read_reply(res.data)
    assert reply is not None and reply["MsgType"] == "text", reply
    content = reply.get("Content") or ""
    assert content.strip() and len(content.encode("utf-8")) <= MAX_REPLY_BYTES
    day = sender.read_reply(nurse_chat.post(sender.text("o-fuzz-mom", "今天")))
    assert day is not None and day["MsgType"] == "text" and (day.get("Content") or "").strip()
