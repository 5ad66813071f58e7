"""Voice messages (issue 10 item 5): WeChat's speech recognition result is recorded exactly like the same text.

A voice push as WeChat sends it once 接收语音识别结果 is on: MsgType voice, MediaId, Format amr and
Recognition (https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html;
the same fields in github:myvas/AspNetCore.Weixin src/Api/Myvas.AspNetCore.Weixin.Messaging/ResponseBuilders/
ReceivedXmls/Messages/VoiceMessageReceivedXml.cs). The recogniser ends sentences with 。 and writes homophones.
"""

from __future__ import annotations

import itertools

from sqlalchemy import select

from bot.models import DiaryEntry
from bot.wechat.simulator import reply_text
from tests.support.chat import MOM, NURSE, Chat, Family

_IDS = itertools.count(880001)


def voice(chat: Chat, openid: str, recognition: str | None) -> str:
    fields = {"MediaId": "VOICE-MEDIA-1", "Format": "amr", "MsgId": str(next(_IDS))}
    if recognition is not None:
        fields["Recognition"] = recognition
    body = chat.sender._xml(openid, "voice", None, fields)
    return reply_text(chat.sender.read_reply(chat.post(body)))


def entries(session) -> list[tuple[str, dict[str, object], str]]:
    session.rollback()
    return [(e.kind, e.fields, e.text) for e in session.scalars(select(DiaryEntry).order_by(DiaryEntry.id))]


def test_a_recognised_voice_line_is_recorded_like_the_text_and_the_reply_says_voice(
        family: Family, chat: Chat, session) -> None:
    reply = voice(chat, NURSE, "青喂左边15分钟。")  # 青喂: the recogniser's homophone of 亲喂
    assert reply.startswith("🎤 语音识别为：“青喂左边15分钟”") and "请核对" in reply
    assert "母乳 左侧 15分钟" in reply
    typed = chat.say(NURSE, "青喂左边15分钟")
    [(kind, fields, text), (kind2, fields2, _)] = entries(session)
    assert (kind, fields) == (kind2, fields2) == ("feeding", {"type": "breast", "side": "left", "duration_min": 15})
    assert text == "青喂左边15分钟"
    assert "母乳 左侧 15分钟" in typed and "语音" not in typed


def test_a_voice_message_without_recognition_asks_to_type_and_names_the_setting(
        family: Family, chat: Chat, session) -> None:
    reply = voice(chat, NURSE, None)
    assert "请改发文字" in reply and "接收语音识别结果" in reply
    assert "暂时无法处理这类消息" not in reply
    assert entries(session) == []


def test_a_parent_s_voice_command_is_read_as_text(family: Family, chat: Chat) -> None:
    chat.say(NURSE, "喂奶 90ml")
    assert "月子日记" in voice(chat, MOM, "今天。")


def test_english_or_pinyin_from_a_nurse_is_a_note_not_a_badge_code(family: Family, chat: Chat, session) -> None:
    reply = chat.say(NURSE, "feeding 90ml")  # 11 letters and digits: a badge code's shape, a wrong check symbol
    assert "已记录 1 条" in reply and "喂奶 90ml" in reply
    reply = chat.say(NURSE, "baby sleeps")
    assert "已记录 1 条" in reply and "备注：baby sleeps" in reply
    assert [k for k, _f, _t in entries(session)] == ["feeding", "note"]
