"""Voice without WeChat's ``<Recognition>`` (issue 34 item 7): downloaded, transcribed by Tencent Cloud's
SentenceRecognition through its SDK, and read as the same text; every failure answered "please type".

The WeChat fake serves the voice (AMR, as ``/cgi-bin/media/get`` does) and knows what it says; the speech
recognition fake (``tests/fakes/asr_api.py``) checks the SDK's real TC3-HMAC-SHA256 signature and the API's
limits before it answers. Voice pushes are built as WeChat sends them (MsgType voice, MediaId, Format, MsgId;
https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html).
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import select

from bot.cloud.asr_standin import silent_amr
from bot.diary import texts
from bot.jobs import run_job
from bot.models import DiaryEntry, InboundMessage
from bot.store import background
from bot.wechat.simulator import reply_text
from tests.fakes.asr_api import SECRET_ID, SECRET_KEY, AsrApiFake
from tests.fakes.wechat_api import WeChatApiFake
from tests.support.chat import MOM, NURSE, Chat, Family


@pytest.fixture
def app_settings(app_settings, asr_fake: AsrApiFake):
    asr_fake.reset()
    return {**app_settings, "ANXIN_ASR_PROVIDER": "tencent", "ANXIN_ASR_API_BASE": asr_fake.url,
            "ANXIN_TENCENTCLOUD_SECRET_ID": SECRET_ID, "ANXIN_TENCENTCLOUD_SECRET_KEY": SECRET_KEY}


def push(chat: Chat, body: str) -> str:
    return reply_text(chat.sender.read_reply(chat.post(body)))


def entries(session) -> list[tuple[str, dict[str, object], str]]:
    session.rollback()
    return [(e.kind, e.fields, e.text) for e in session.scalars(select(DiaryEntry).order_by(DiaryEntry.id))]


def test_a_voice_without_recognition_is_downloaded_transcribed_and_recorded_and_the_reply_says_voice(
        family: Family, chat: Chat, session, wechat_fake: WeChatApiFake, asr_fake: AsrApiFake) -> None:
    audio = wechat_fake.add_voice("VOICE-1", "喂奶90ml。")
    reply = push(chat, chat.sender.voice(NURSE, "VOICE-1", recognition=""))
    assert reply.startswith("🎤 语音识别为：“喂奶90ml”") and "来自语音" in reply
    assert "已记录 1 条" in reply and "喂奶 90ml" in reply
    assert [(k, f) for k, f, _t in entries(session)] == [("feeding", {"amount_ml": 90})]
    [download] = wechat_fake.calls_to("/cgi-bin/media/get")
    assert download.params["media_id"] == "VOICE-1"
    [call] = asr_fake.state.calls
    assert (call.action, call.code) == ("SentenceRecognition", "")
    assert call.params["VoiceFormat"] == "amr" and call.params["EngSerViceType"] == "8k_zh"
    assert call.params["SourceType"] == 1 and call.params["DataLen"] == len(audio)


def test_speex_goes_to_the_16k_engine_and_a_parent_s_voice_is_routed_like_text(
        family: Family, chat: Chat, wechat_fake: WeChatApiFake, asr_fake: AsrApiFake) -> None:
    chat.say(NURSE, "喂奶 90ml")
    wechat_fake.add_voice("VOICE-2", "今天", voice_format="speex")
    assert "月子日记" in push(chat, chat.sender.voice(MOM, "VOICE-2", voice_format="speex"))
    [call] = asr_fake.state.calls
    assert call.params["VoiceFormat"] == "speex" and call.params["EngSerViceType"] == "16k_zh"


@pytest.mark.parametrize("code", ["FailedOperation.ErrorRecognize", "InternalError"])
def test_a_recognition_error_asks_to_type_and_records_nothing(
        family: Family, chat: Chat, session, wechat_fake: WeChatApiFake, asr_fake: AsrApiFake, code: str) -> None:
    wechat_fake.add_voice("VOICE-3", "喂奶90ml")
    asr_fake.fail_next(code=code)
    reply = push(chat, chat.sender.voice(NURSE, "VOICE-3"))
    assert reply == texts.VOICE_ASR_FAILED and "请改发文字" in reply
    assert entries(session) == []
    assert [c.code for c in asr_fake.state.calls] == [code]


def test_a_voice_nothing_could_be_heard_in_asks_to_type(
        family: Family, chat: Chat, session, wechat_fake: WeChatApiFake) -> None:
    wechat_fake.add_voice("VOICE-4", "")  # silence: the recogniser answers an empty Result
    assert push(chat, chat.sender.voice(NURSE, "VOICE-4")) == texts.VOICE_ASR_FAILED
    assert entries(session) == []


def test_a_voice_over_sixty_seconds_is_refused_by_the_api_and_the_nurse_asked_to_type(
        family: Family, chat: Chat, session, wechat_fake: WeChatApiFake, asr_fake: AsrApiFake) -> None:
    wechat_fake.add_voice("VOICE-5", "喂奶90ml", audio=silent_amr(61))
    assert push(chat, chat.sender.voice(NURSE, "VOICE-5")) == texts.VOICE_ASR_FAILED
    assert [c.code for c in asr_fake.state.calls] == ["InvalidParameterValue.ErrorVoicedataTooLong"]
    assert entries(session) == []


def test_an_unknown_media_id_is_40007_and_asks_to_type_without_calling_recognition(
        family: Family, chat: Chat, session, wechat_fake: WeChatApiFake, asr_fake: AsrApiFake) -> None:
    assert push(chat, chat.sender.voice(NURSE, "VOICE-EXPIRED")) == texts.VOICE_ASR_FAILED
    assert [c.params.get("media_id") for c in wechat_fake.calls_to("/cgi-bin/media/get")] == ["VOICE-EXPIRED"]
    assert asr_fake.state.calls == []
    assert entries(session) == []


def test_a_slow_recognition_is_answered_transcribing_then_recorded_once_and_sent_even_when_wechat_retries(
        family: Family, chat: Chat, session, wechat_fake: WeChatApiFake, asr_fake: AsrApiFake) -> None:
    wechat_fake.add_voice("VOICE-6", "喂奶120ml")
    asr_fake.fail_next(delay=4.5)  # past the 3.5 s WeChat's five leave for download and recognition
    body = chat.sender.voice(NURSE, "VOICE-6")
    started = time.monotonic()
    assert push(chat, body) == texts.VOICE_TRANSCRIBING
    assert time.monotonic() - started < 4.5  # WeChat got its answer in time
    assert push(chat, body) == texts.VOICE_TRANSCRIBING  # WeChat's retry while the first is still being heard
    background.join_all()
    background.join_all()
    assert [(k, f) for k, f, _t in entries(session)] == [("feeding", {"amount_ml": 120})]
    [sent] = [m["text"]["content"] for m in wechat_fake.messages_to(NURSE) if "语音识别为" in m["text"]["content"]]
    assert sent.startswith("🎤 语音识别为：“喂奶120ml”") and "喂奶 120ml" in sent
    final = push(chat, body)  # a retry after it was finished: its answer, nothing recorded again
    assert final == sent
    assert len(entries(session)) == 1
    assert len(wechat_fake.calls_to("/cgi-bin/media/get")) == 1 and len(asr_fake.state.calls) == 1


def test_a_voice_left_transcribing_by_a_dead_process_is_finished_by_the_voices_job(
        app, family: Family, chat: Chat, session, wechat_fake: WeChatApiFake, asr_fake: AsrApiFake) -> None:
    wechat_fake.add_voice("VOICE-7", "换尿布 大便")
    asr_fake.fail_next(code="InternalError.ErrorRecognize", delay=4.0)  # the thread's try fails: left for the job
    assert push(chat, chat.sender.voice(NURSE, "VOICE-7")) == texts.VOICE_TRANSCRIBING
    background.join_all()
    session.rollback()
    assert session.scalar(select(InboundMessage.handler).where(InboundMessage.msg_type == "voice")) \
        == "message:voice:pending"
    assert entries(session) == []
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=3)
    assert run_job(app, "voices", now=later).detail == {"finished": 1, "waiting": 0}
    background.join_all()
    assert [k for k, _f, _t in entries(session)] == ["diaper"]
    assert any("语音识别为：“换尿布 大便”" in m["text"]["content"] for m in wechat_fake.messages_to(NURSE))
    assert run_job(app, "voices", now=later).detail == {"finished": 0, "waiting": 0}
    assert len(entries(session)) == 1


def test_the_api_refuses_a_request_signed_with_another_secret(
        app, family: Family, chat: Chat, session, wechat_fake: WeChatApiFake, asr_fake: AsrApiFake) -> None:
    from bot.cloud.asr import recognizer_from

    app.extensions["anxin_asr"] = recognizer_from(
        {**app.config, "ANXIN_TENCENTCLOUD_SECRET_KEY": "not-the-account-s-key"}, 2.0)
    wechat_fake.add_voice("VOICE-8", "喂奶90ml")
    assert push(chat, chat.sender.voice(NURSE, "VOICE-8")) == texts.VOICE_ASR_FAILED
    assert [c.code for c in asr_fake.state.calls] == ["AuthFailure.SignatureFailure"]
    assert entries(session) == []


def test_wechat_s_own_recognition_is_still_used_without_calling_the_api(
        family: Family, chat: Chat, wechat_fake: WeChatApiFake, asr_fake: AsrApiFake) -> None:
    reply = push(chat, chat.sender.voice(NURSE, "VOICE-9", recognition="喂奶60ml。"))
    assert reply.startswith("🎤 语音识别为：“喂奶60ml”")
    assert asr_fake.state.calls == [] and wechat_fake.calls_to("/cgi-bin/media/get") == []


def test_a_captured_query_string_carrying_another_voice_is_refused_before_any_download(
        family: Family, chat: Chat, client, session, wechat_fake: WeChatApiFake, asr_fake: AsrApiFake) -> None:
    chat.say(NURSE, "喂奶 90ml")
    wechat_fake.add_voice("VOICE-10", "体温39.5")
    params, body = chat.sender.sign(chat.sender.text(NURSE, "换尿布"))
    assert client.post("/wechat", query_string=params, data=body, content_type="text/xml").status_code == 200
    forged = client.post("/wechat", query_string=params, data=chat.sender.voice(NURSE, "VOICE-10"),
                         content_type="text/xml")
    assert forged.status_code == 403 and forged.get_json()["error"]["code"] == "stale_or_replayed"
    assert wechat_fake.calls_to("/cgi-bin/media/get") == [] and asr_fake.state.calls == []
    assert [k for k, _f, _t in entries(session)] == ["feeding", "diaper"]
