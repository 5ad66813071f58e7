"""Shared pieces of the diary's chat handlers: the time zone, the binding, post-commit work."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.chat.context import ChatContext
from bot.diary.engagements import BindingFacts, current_binding


def tz_of(ctx: ChatContext) -> ZoneInfo:
    return ZoneInfo(ctx.settings["ANXIN_TIMEZONE"])


def binding_of(ctx: ChatContext) -> BindingFacts | None:
    return current_binding(ctx.session, ctx.message.openid)


def deliver_after_commit(ctx: ChatContext) -> None:
    """Send what this message queued in the outbox as soon as it is committed (the sweep covers a crash)."""
    ctx.after_commit("deliver", ctx.services.deliver_notifications)
