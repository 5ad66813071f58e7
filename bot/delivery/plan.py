"""The channel plan of a notification, and the customer-service quota we count ourselves.

WeChat's rules since June 2023 (its table, quoted at
https://docs.chatalog.ai/zh-cn/platform-setup/wechat/ke-fu-xiao-xi): a user's message allows 5
customer-service messages within 48 hours; following, scanning a code or a menu click 3 within a
minute. Past them WeChat answers 45047; outside the window 45015. So before a notification is sent its
plan is decided, in order:

1. ``custom`` (a customer-service message) while the window is open and our own count of it is not
   spent. Digests and reminders may take only the first ``CUSTOM_LIMIT - URGENT_RESERVE`` of a window:
   the rest stays for urgent flags.
2. ``template`` (a template message, or an Official Account subscription notification ``bizsend``)
   to a follower, when one is configured for the purpose.
3. ``subscribe`` (a mini-program subscription message) to someone known in the mini-program, when they
   have a one-time grant left.

A refusal that says a channel is closed for this user (45047, 45015, 43004) moves the notification to the
next channel of its plan at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.models import CustomQuota
from bot.store.locks import locked_row
from bot.store.retry import retried

CUSTOM_LIMIT = 5  # per user message, within MESSAGE_WINDOW
EVENT_LIMIT = 3  # per event (follow, scan, menu click), within EVENT_WINDOW
MESSAGE_WINDOW = dt.timedelta(hours=48)
EVENT_WINDOW = dt.timedelta(minutes=1)
# Customer-service messages of a window that digests and reminders leave for urgent flags.
URGENT_RESERVE = 3
ROUTINE_KINDS = frozenset({"digest", "reminder", "evaluation"})
# WeChat's answers that close a channel for this user now: try the next one of the plan at once.
# 45047 quota spent, 45015 window closed, 43004 not (or no longer) a follower.
# https://developers.weixin.qq.com/doc/offiaccount/Getting_Started/Global_Return_Code.html
NEXT_CHANNEL = frozenset({45047, 45015, 43004})


@dataclass(frozen=True)
class Window:
    """The customer-service window WeChat holds open for a user: since when and how many messages it allows."""

    opened_at: dt.datetime
    limit: int


def open_window(wrote: dt.datetime | None, event: dt.datetime | None, now: dt.datetime) -> Window | None:
    """The window open at ``now``: a message's (48 hours, 5) before an event's (1 minute, 3)."""
    if wrote is not None and now - wrote < MESSAGE_WINDOW:
        return Window(wrote, CUSTOM_LIMIT)
    if event is not None and now - event < EVENT_WINDOW:
        return Window(event, EVENT_LIMIT)
    return None


def custom_allowance(kind: str, window: Window) -> int:
    """How many of the window's customer-service messages a notification of ``kind`` may be sent within."""
    return window.limit - URGENT_RESERVE if kind in ROUTINE_KINDS else window.limit


def plan_for(kind: str, follower: bool, window: Window | None, template_id: str | None,
             mini_program_template: str | None) -> list[str]:
    """The channels a notification may take, in order (empty: none can carry it)."""
    channels: list[str] = []
    if follower:
        if window is not None and custom_allowance(kind, window) > 0:
            channels.append("custom")
        if template_id:
            channels.append("template")
    elif mini_program_template:
        channels.append("subscribe")
    return channels


def _current(row: CustomQuota, window: Window) -> None:
    """Start the count over when a newer message or event opened the window."""
    if row.opened_at is None or row.opened_at < window.opened_at:
        row.opened_at, row.used = window.opened_at, 0


@retried("plan.take_custom")
def take_custom(session_factory: sessionmaker[Session], openid: str, window: Window, allowance: int) -> bool:
    """Count one customer-service message to ``openid`` if fewer than ``allowance`` went in this window."""
    with session_factory() as session, session.begin():
        row = locked_row(session, CustomQuota, openid, used=0)
        _current(row, window)
        if row.used >= allowance:
            return False
        row.used += 1
        return True


@retried("plan.give_back_custom")
def give_back_custom(session_factory: sessionmaker[Session], openid: str, window: Window) -> None:
    """A send that WeChat never took (a timeout, a system error): it does not count."""
    with session_factory() as session, session.begin():
        row = locked_row(session, CustomQuota, openid, used=0)
        if row.opened_at == window.opened_at and row.used > 0:
            row.used -= 1


@retried("plan.spend_custom")
def spend_custom(session_factory: sessionmaker[Session], openid: str, window: Window) -> None:
    """WeChat says this window is spent or closed (45047, 45015): nothing more goes by customer-service message."""
    with session_factory() as session, session.begin():
        row = locked_row(session, CustomQuota, openid, used=0)
        _current(row, window)
        row.used = max(row.used, window.limit)


def custom_used(session: Session, openid: str) -> int:
    row = session.get(CustomQuota, openid)
    return row.used if row is not None else 0


def mini_program_template(settings: Mapping[str, Any], purpose: str) -> str | None:
    value = settings.get(f"ANXIN_MP_TEMPLATE_{purpose.upper()}")
    return str(value) if value else None
