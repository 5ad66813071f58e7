"""Voice messages WeChat sends without ``<Recognition>``: download, transcribe, then answer as for the text.

WeChat is withdrawing the recognition it attached to voice pushes. With ``ANXIN_ASR_PROVIDER`` set, the
edge does it: the audio from ``/cgi-bin/media/get`` (``bot.wechat.media.download_voice``), transcribed by
Tencent Cloud's SentenceRecognition (``bot.cloud.asr``), handed to the inbox as the push's recognition
(``ChatMessage.asr = "done"``); the handler records it exactly as typed and says it came from voice.

WeChat waits five seconds for an answer. Download and recognition get ``VOICE_BUDGET`` of them in a thread;
past it the push is answered "transcribing" and recorded as pending (``bot.chat.inbox``, handler
``message:voice:pending``, with the media id), and the thread finishes it once that row is committed
(``inbox.complete``: entries, reply and a customer-service message together, once). A process that dies
first leaves the row pending; the ``voices`` job finishes it. A retry of the push meanwhile is answered from
the inbox (``inbox.seen``) without a second download. A voice the recogniser refuses or cannot read is
answered "please type" and records nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Callable

import requests
from flask import Flask
from sqlalchemy.orm import Session, sessionmaker
from wechatpy.exceptions import WeChatClientException

from bot.chat import inbox
from bot.chat.context import ChatMessage
from bot.cloud import asr_standin
from bot.cloud.asr import AsrFailure, Recognition, SpeechRecognizer, Transcript, recognizer_from
from bot.delivery.wechat_api import get_api
from bot.store import background
from bot.store.db import get_db
from bot.wechat.media import voice_audio
from bot.wechat.services import AppServices

log = logging.getLogger("anxin.wechat.voice")

# The route of a voice message (``bot.chat.router.route``): its pending rows are ``message:voice:pending``.
HANDLER = "message:voice"
# Seconds of WeChat's five for download and recognition together; the rest is the database and the reply.
VOICE_BUDGET = 3.5
# Seconds one recognition request may take to connect, and between bytes of the answer (the SDK's timeout):
# the answer the push waits for is bounded by VOICE_BUDGET; past it, the thread still finishes.
ASR_TIMEOUT = 10.0
# How long the thread waits for the push's own "transcribing" row to be committed before finishing it.
COMMIT_WAIT = 30.0
# A pending voice older than this is no thread's any more: the ``voices`` job finishes it.
RESUME_AFTER = dt.timedelta(minutes=2)
# A voice the network kept from being transcribed is retried by the job until it is this old, then answered
# "please type" (WeChat keeps the media three days; a nurse waits far less).
GIVE_UP_AFTER = dt.timedelta(hours=1)


def init_app(app: Flask) -> None:
    """Build the app's recogniser once; in development, serve the speech-recognition stand-in too."""
    app.extensions["anxin_asr"] = recognizer_from(app.config, ASR_TIMEOUT)
    wechat_standin = app.extensions.get("anxin_standin")
    asr_standin.init_app(app, wechat_standin.transcript_of if wechat_standin is not None else None)


def recognizer(app: Flask) -> SpeechRecognizer | None:
    found: SpeechRecognizer | None = app.extensions.get("anxin_asr")
    return found


def wanted(app: Flask, message: ChatMessage) -> bool:
    """A voice WeChat did not transcribe, on an app that can."""
    return message.msg_type == "voice" and not message.recognition.strip() and recognizer(app) is not None


def transcribe(app: Flask, message: ChatMessage) -> Recognition:
    """Download the voice and transcribe it; every failure is an ``AsrFailure``."""
    found = recognizer(app)
    if found is None:
        return AsrFailure("NotConfigured", "ANXIN_ASR_PROVIDER is not set")
    try:
        response = get_api(app).media.download(message.media_id)
    except WeChatClientException as exc:  # 40007: an unknown or expired media id
        return AsrFailure(f"WeChat.{exc.errcode}", str(exc.errmsg)[:300])
    except (requests.RequestException, OSError) as exc:
        return AsrFailure("WeChat.NetworkError", str(exc)[:300], retryable=True)
    audio = voice_audio(response, message.media_id)
    if isinstance(audio, AsrFailure):
        return audio
    return found.recognize(audio, message.media_format or "amr")


def _as_heard(message: ChatMessage, result: Recognition) -> ChatMessage:
    if isinstance(result, Transcript):
        return dataclasses.replace(message, recognition=result.text, asr="done")
    log.info("voice.unrecognised", extra={"fields": {"dedup_key": message.dedup_key, "code": result.code}})
    return dataclasses.replace(message, recognition="", asr="failed")


@dataclasses.dataclass
class _Transcription:
    done: threading.Event = dataclasses.field(default_factory=threading.Event)
    decided: threading.Event = dataclasses.field(default_factory=threading.Event)
    committed: threading.Event = dataclasses.field(default_factory=threading.Event)
    result: Recognition | None = None
    pending: bool = False


def prepare(app: Flask, sessions: sessionmaker[Session], message: ChatMessage, now: dt.datetime,
            push_key: str | None = None) -> tuple[ChatMessage, Callable[[], None] | None]:
    """The push as the inbox should take it: transcribed within ``VOICE_BUDGET``, or pending.

    The second value, when not None, must be called once the inbox has answered the push (whether it
    succeeded or not): the thread then finishes a pending voice, whose row now exists.
    """
    if inbox.seen(sessions, message, push_key):
        return message, None  # a retry (answered as the first time) or a replayed query string (refused)
    work = _Transcription()

    def run() -> None:
        try:
            work.result = transcribe(app, message)
        except Exception:
            log.exception("voice.failed", extra={"fields": {"dedup_key": message.dedup_key}})
            work.result = AsrFailure("InternalError", "the transcription failed", retryable=True)
        finally:
            work.done.set()
        work.decided.wait()
        if work.pending and work.committed.wait(COMMIT_WAIT) and work.result is not None:
            finish(app, message, work.result, now)

    background.start("voice", run)
    work.pending = not work.done.wait(VOICE_BUDGET)
    work.decided.set()
    if not work.pending and work.result is not None:
        return _as_heard(message, work.result), None
    log.info("voice.pending", extra={"fields": {"dedup_key": message.dedup_key}})
    return dataclasses.replace(message, asr="pending"), work.committed.set


def finish(app: Flask, message: ChatMessage, result: Recognition, received_at: dt.datetime,
           now: dt.datetime | None = None) -> bool:
    """Finish a pending voice with ``result``; False when a failure worth retrying leaves it pending."""
    if isinstance(result, AsrFailure) and result.retryable and (now or received_at) - received_at < GIVE_UP_AFTER:
        log.warning("voice.retry_later", extra={"fields": {"dedup_key": message.dedup_key, "code": result.code}})
        return False
    sessions = get_db(app).session_factory
    assert sessions is not None
    inbox.complete(sessions, _as_heard(message, result), app.config, AppServices(app), received_at)
    return True


def resume_pending(app: Flask, now: dt.datetime) -> dict[str, int]:
    """Finish the voices answered "transcribing" whose thread died with its process (the ``voices`` job)."""
    sessions = get_db(app).session_factory
    assert sessions is not None
    counts = {"finished": 0, "waiting": 0}
    for item in inbox.pending(sessions, HANDLER, now - RESUME_AFTER):
        done = finish(app, item.message, transcribe(app, item.message), item.received_at, now)
        counts["finished" if done else "waiting"] += 1
    return counts
