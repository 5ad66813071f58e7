"""Issue 12, reply XML injection: whatever stored text contains, every reply is the XML we meant."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from bot.chat.context import Article, ChatMessage, News, Text
from bot.core.textsafe import MAX_REPLY_BYTES
from bot.wechat.protocol import render_reply
from tests.support.agency import add_worker, publish
from tests.support.chat import Chat, open_family
from tests.support.factories import make_agency

INJECTION = "]]></Content><MsgType><![CDATA[news]]></MsgType><Url><![CDATA[http://evil.example/]]></Url><Content><![CDATA["


def test_a_note_with_cdata_end_does_not_rewrite_the_familys_reply(app: Flask, client: FlaskClient) -> None:
    family = open_family(app, client)
    chat = Chat(client)
    assert "绑定成功" in chat.say("o-n-x", f"绑定 {family.nurse_code}")
    assert "绑定成功" in chat.say("o-m-x", f"绑定 {family.family_code}")
    assert "已记录" in chat.say("o-n-x", "宝宝很乖" + INJECTION)
    body = chat.post(chat.sender.text("o-m-x", "今天"))
    root = ET.fromstring(body)
    assert [e.tag for e in root] == ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content"]
    assert root.findtext("MsgType") == "text" and root.find("Url") is None
    assert INJECTION in (root.findtext("Content") or "")


def test_an_agency_name_with_cdata_end_does_not_rewrite_a_card(app: Flask, client: FlaskClient, session: Session) -> None:
    key = make_agency(session, "安心]]><MsgType>news</MsgType><Url>http://evil/</Url>")[1]
    code = publish(client, key, add_worker(client, key))
    chat = Chat(client)
    body = chat.post(chat.sender.text("o-visitor-x", code))
    root = ET.fromstring(body)
    assert root.findtext("MsgType") == "news" and root.findtext("ArticleCount") == "1"
    items = root.findall("Articles/item")
    assert len(items) == 1 and "安心]]><MsgType>news</MsgType>" in (items[0].findtext("Description") or "")
    assert (items[0].findtext("Url") or "").endswith(f"/b/{code}")


def _message() -> ChatMessage:
    return ChatMessage(openid="o-1", account="gh_1", msg_type="text", created_at=dt.datetime.now(dt.UTC),
                       create_time=1_700_000_000, msg_id="1", text="x")


@pytest.mark.parametrize("content", ["\x00\x07\x0b\x1f", "\ud800 lone", "\ufffe\uffff", "a]]>b]]]]>c", "😀" * 700,
                                     "测" * 5000, "a" * 3000])
def test_any_text_renders_as_well_formed_xml_within_2048_bytes(content: str) -> None:
    xml = render_reply(Text(content), _message(), 1_700_000_000)
    root = ET.fromstring(xml.encode("utf-8"))
    shown = root.findtext("Content") or ""
    assert len(shown.encode("utf-8")) <= MAX_REPLY_BYTES
    assert "\x00" not in shown and "\ud800" not in shown


def test_cards_link_only_to_http() -> None:
    news = News((Article(title="t]]>", description="d", url="javascript:alert(1)", image="http://x/ y"),))
    root = ET.fromstring(render_reply(news, _message(), 1).encode("utf-8"))
    assert root.findtext("Articles/item/Url") == "" and root.findtext("Articles/item/PicUrl") == ""
    assert root.findtext("Articles/item/Title") == "t]]>"
