"""The chat's own vocabulary: the message a handler receives and the replies it returns.

Nothing here knows Flask or WeChat's XML; the ``/wechat`` view translates at the edge.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from bot.core.textsafe import MAX_REPLY_BYTES, REPLY_CUT_MARKER, clean_text, fit_utf8
from bot.diary.refs import BindingRef

VISITOR = "visitor"
NURSE = "nurse"
PARENT = "parent"


@dataclass(frozen=True)
class ChatMessage:
    """One message or event from a WeChat user, already verified and parsed."""

    openid: str
    account: str  # our Official Account's id (ToUserName)
    msg_type: str  # text, image, voice, video, location, link, event, ...
    created_at: dt.datetime
    create_time: int  # WeChat's CreateTime, seconds since the epoch
    msg_id: str | None = None
    text: str = ""
    event: str = ""  # lower-case: subscribe, unsubscribe, scan, click, ...
    event_key: str = ""
    media_id: str = ""
    pic_url: str = ""
    recognition: str = ""  # a voice message's speech recognition result (WeChat's <Recognition>), if turned on
    media_format: str = ""  # a voice message's Format: amr or speex
    # Our own speech recognition of a voice WeChat sent without <Recognition> (bot.wechat.voice): "" none,
    # "done" (``recognition`` holds it), "failed", or "pending" (answered "transcribing", finished later).
    asr: str = ""

    @property
    def dedup_key(self) -> str:
        """WeChat's identity of a push: MsgId, or sender + CreateTime + Event for events."""
        if self.msg_type == "event" or not self.msg_id:
            return f"evt:{self.openid}:{self.create_time}:{self.event}"
        return f"msg:{self.msg_id}"


@dataclass(frozen=True)
class Text:
    """A text reply."""

    content: str


@dataclass(frozen=True)
class Article:
    title: str
    description: str = ""
    url: str = ""
    image: str = ""


@dataclass(frozen=True)
class News:
    """A news-card reply (WeChat shows at most one article in a passive reply)."""

    articles: tuple[Article, ...]


Reply = Text | News


def reply_to_dict(reply: Reply | None) -> dict[str, Any] | None:
    if reply is None:
        return None
    if isinstance(reply, Text):
        # Stored as sent: WeChat shows at most 2,048 bytes, and the reply column holds 64 KiB on MySQL.
        return {"type": "text", "content": fit_utf8(clean_text(reply.content), MAX_REPLY_BYTES, REPLY_CUT_MARKER)}
    return {"type": "news", "articles": [asdict(a) for a in reply.articles]}


def reply_from_dict(data: Mapping[str, Any] | None) -> Reply | None:
    if data is None:
        return None
    if data["type"] == "text":
        return Text(data["content"])
    return News(tuple(Article(**a) for a in data["articles"]))


class ChatServices(Protocol):
    """What the process around the chat does for a handler once its message is committed."""

    def deliver_notifications(self) -> object:
        """Send what the outbox holds now (the scheduled sweep covers a crash before it runs)."""
        ...

    def fetch_photos(self, photo_ids: list[int]) -> object:
        """Download the photos promised for these pending rows from WeChat."""
        ...


class NoServices:
    """Services of a chat run outside a server (a test, a script): nothing happens after the commit."""

    def deliver_notifications(self) -> object:
        return None

    def fetch_photos(self, photo_ids: list[int]) -> object:
        return None


Work = Callable[[], object]


def roles_of(binding: BindingRef | None) -> frozenset[str]:
    """Everyone is a visitor; a bound user also holds the role of the engagement they work on now."""
    return frozenset({VISITOR} if binding is None else {VISITOR, binding.role})


@dataclass
class ChatContext:
    """What a handler gets: the message, who sent it (their binding, read once as the message came in, and the
    roles it gives them), a database session to work in, and its settings."""

    session: Session
    message: ChatMessage
    binding: BindingRef | None  # the engagement the sender works on now, with its babies; None: not bound
    roles: frozenset[str]
    settings: Mapping[str, Any]
    now: dt.datetime
    services: ChatServices = field(default_factory=NoServices)
    match: Any = None  # the regex match of the command that fired
    post_commit: list[tuple[str, Work]] = field(default_factory=list)

    def after_commit(self, name: str, work: Work) -> None:
        """Run ``work`` in the background once this message's transaction has committed (never if it rolls back)."""
        self.post_commit.append((name, work))
