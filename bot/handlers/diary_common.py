"""Shared pieces of the diary's chat handlers: errors as replies, the time zone, post-commit work."""

from __future__ import annotations

import functools
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from bot import background
from bot.chat import ChatContext, Reply, Text
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
    from bot.notify import delivery

    background.after_commit(ctx.session, "deliver", delivery(current_app._get_current_object()))  # type: ignore[attr-defined]
