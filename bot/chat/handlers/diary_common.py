"""Shared pieces of the diary's chat handlers: the time zone, the sender's binding, post-commit work."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.chat.context import ChatContext
from bot.diary.refs import BindingRef


def tz_of(ctx: ChatContext) -> ZoneInfo:
    return ZoneInfo(ctx.settings["ANXIN_TIMEZONE"])


def bound(ctx: ChatContext) -> BindingRef:
    """The sender's binding, for a command only bound users reach (its roles say so): read as the message came in."""
    assert ctx.binding is not None, "a nurse's or parent's command runs only for a bound sender"
    return ctx.binding


def deliver_after_commit(ctx: ChatContext) -> None:
    """Send what this message queued in the outbox as soon as it is committed (the sweep covers a crash)."""
    ctx.after_commit("deliver", ctx.services.deliver_notifications)
