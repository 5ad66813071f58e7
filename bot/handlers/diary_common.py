"""Shared pieces of the diary's chat handlers: errors as replies, the time zone, post-commit work."""

from __future__ import annotations

import functools
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from bot.chat import ChatContext, Reply, Text
from bot.db import get_db
from bot.diary import background
from bot.diary.engagements import current_binding
from bot.errors import AnxinError
from bot.handlers.registry import Handler
from bot.models import Binding


def chat_errors(handler: Handler) -> Handler:
    """Run the handler in a savepoint; a domain error becomes its message, and nothing it wrote stays."""

    @functools.wraps(handler)
    def run(ctx: ChatContext) -> Reply | None:
        try:
            with ctx.session.begin_nested():
                return handler(ctx)
        except AnxinError as exc:
            return Text(exc.message)

    return run


def tz_of(ctx: ChatContext) -> ZoneInfo:
    return ZoneInfo(ctx.settings["ANXIN_TIMEZONE"])


def binding_of(ctx: ChatContext) -> Binding | None:
    return current_binding(ctx.session, ctx.message.openid)


def deliver_after_commit(ctx: ChatContext) -> None:
    """Send what this message queued in the outbox as soon as it is committed (the sweep covers a crash)."""
    if not has_app_context():
        return
    from bot.notify import send_pending
    from bot.wechat.api import get_api

    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def deliver() -> None:
        factory = get_db(app).session_factory
        assert factory is not None
        send_pending(factory, get_api(app))

    background.after_commit(ctx.session, "deliver", deliver)
