"""The family in chat: 今天 / 日记 / 昨天 / 日记 11-20, 评分, 投诉."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable

from bot.chat.context import NURSE, PARENT, VISITOR, ChatContext, Text
from bot.chat.handlers.diary_common import bound, tz_of
from bot.chat.router import command
from bot.diary import texts
from bot.diary.days import day_view
from bot.diary.family import complaint_excerpt, file_complaint, rate_day
from bot.diary.parse import cn_to_int
from bot.diary.render import day_text, originals_text, stars
from bot.outbox.daylinks import day_url

_READERS = frozenset({NURSE, PARENT})
TEXT_LIMIT_BYTES = 2048  # a text reply WeChat shows (45002 / cut beyond)
_PARENT = frozenset({PARENT})


def _show(ctx: ChatContext, day: dt.date) -> Text:
    binding = ctx.binding
    if binding is None:
        return Text(texts.NOT_BOUND)
    tz = tz_of(ctx)
    today = ctx.now.astimezone(tz).date()
    if day > today:
        return Text(texts.DATE_FUTURE.format(date=day.isoformat()))
    text = day_text(day_view(ctx.session, binding.engagement, day, tz), binding.engagement, tz, today)
    engagement_id, openid = binding.engagement.id, ctx.message.openid
    return Text(fit_with_link(text, lambda: day_url(ctx.settings, engagement_id, day, openid)))


def _day_asked(ctx: ChatContext, year: str | None, month: str | None, day: str | None) -> dt.date | None:
    """The day a command names (``11-20``, ``2026-11-20``; none: today); None when it is no date. A month and day
    later than today without a year mean last year's (``11-20`` in January)."""
    today_ = ctx.now.astimezone(tz_of(ctx)).date()
    if month is None or day is None:
        return today_
    try:
        wanted = dt.date(int(year) if year else today_.year, int(month), int(day))
        if not year and wanted > today_:
            wanted = wanted.replace(year=wanted.year - 1)
    except ValueError:
        return None
    return wanted


def fit_with_link(text: str, url: Callable[[], str]) -> str:
    """A day longer than WeChat's 2,048-byte text limit ends with a link to its full page (``/d/TOKEN``).

    ``url`` makes the link: signing it is only worth it for a day that does not fit."""
    if len(text.encode("utf-8")) <= TEXT_LIMIT_BYTES:
        return text
    tail = "\n" + texts.MORE_LINK.format(url=url())
    budget = TEXT_LIMIT_BYTES - len(tail.encode("utf-8"))
    kept = text.encode("utf-8")[:budget].decode("utf-8", "ignore")
    return kept.rsplit("\n", 1)[0] + tail


@command(r"今天|今日|日记|日記", name="today", roles=_READERS, help="今天 / 日记 — 查看今天的月子日记", priority=30,
         readonly=True)
def today(ctx: ChatContext) -> Text:
    return _show(ctx, ctx.now.astimezone(tz_of(ctx)).date())


@command(r"昨天|昨日", name="yesterday", roles=_READERS, help="昨天 — 查看昨天的日记", priority=30, readonly=True)
def yesterday(ctx: ChatContext) -> Text:
    return _show(ctx, ctx.now.astimezone(tz_of(ctx)).date() - dt.timedelta(days=1))


@command(r"(?:日记|日記)\s*(?:(\d{4})\s*[-/.年])?\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", name="diary_day", roles=_READERS,
         help="日记 11-20 或 日记 2026-11-20 — 查看某一天的日记", priority=30, readonly=True)
def diary_day(ctx: ChatContext) -> Text:
    wanted = _day_asked(ctx, *ctx.match.groups())
    return Text(texts.DATE_BAD) if wanted is None else _show(ctx, wanted)


_DATE = r"(?:(\d{4})\s*[-/.年])?\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"


@command(rf"(?:原文|原话|原話)\s*(?:{_DATE}|(昨天|昨日))?", name="originals", roles=_READERS,
         help="原文 — 查看月嫂记录的原话（原文 昨天 / 原文 11-20）", priority=30, readonly=True)
def originals(ctx: ChatContext) -> Text:
    """The nurse's own lines of a day, each once: the diary shows entries as understood, these on demand."""
    binding = bound(ctx)
    year, month, day, yesterday_ = ctx.match.groups()
    wanted = _day_asked(ctx, year, month, day)
    if wanted is None:
        return Text(texts.DATE_BAD)
    if yesterday_:
        wanted -= dt.timedelta(days=1)
    tz = tz_of(ctx)
    if wanted > ctx.now.astimezone(tz).date():
        return Text(texts.DATE_FUTURE.format(date=wanted.isoformat()))
    text = originals_text(day_view(ctx.session, binding.engagement, wanted, tz), binding.engagement, tz)
    engagement_id, openid = binding.engagement.id, ctx.message.openid
    return Text(fit_with_link(text, lambda: day_url(ctx.settings, engagement_id, wanted, openid)))


@command(r"(?:今天|日记|日記|昨天)\s*\S.*", name="diary_day_bad", roles=_PARENT, priority=31, readonly=True)
def diary_day_bad(ctx: ChatContext) -> Text:
    return Text(texts.DATE_BAD)


@command(r"(?:今天|今日|日记|日記|昨天|昨日)", name="diary_not_bound", roles=frozenset({VISITOR}), priority=150,
         readonly=True)
def diary_not_bound(ctx: ChatContext) -> Text:
    return Text(texts.NOT_BOUND)


def _as_typed(ctx: ChatContext, keyword: str, normalised: str) -> str:
    """What follows the command word in the text as the user typed it (full-width punctuation kept)."""
    match = re.match(rf"\s*(?:{keyword})", ctx.message.text)
    return ctx.message.text[match.end():] if match else normalised


_RATE_RE = re.compile(r"\s*(-?\d+(?:\.\d+)?|[零一二两三四五六七八九十]+)\s*(?:星|分|颗星)?[\s,，:：。!！]*(.*)", re.DOTALL)


@command(r"(?:评分|評分|打分)(.*)", name="rate", roles=_PARENT,
         help="评分 1-5 评语 — 为今天的服务评分，例如：评分 5 很专业", priority=30)
def rate(ctx: ChatContext) -> Text:
    match = _RATE_RE.fullmatch(_as_typed(ctx, "评分|評分|打分", ctx.match.group(1)).strip())
    if not match:
        return Text(texts.RATE_USAGE)
    token = unicodedata.normalize("NFKC", match.group(1))
    value = cn_to_int(token) if not re.match(r"-?\d", token) else None
    if value is None:
        try:
            number = float(token)
        except ValueError:
            return Text(texts.RATE_USAGE)
        if number != int(number):
            return Text(texts.RATE_RANGE)
        value = int(number)
    binding = bound(ctx)
    day = ctx.now.astimezone(tz_of(ctx)).date()
    rating, replaced = rate_day(ctx.session, binding.engagement, ctx.message.openid, day, value, match.group(2), ctx.now,
                                 role=binding.role)
    reply = texts.RATE_OK.format(date=day.isoformat(), stars=stars(rating.stars),
                                 comment=f" {rating.comment}" if rating.comment else "")
    return Text(reply + (texts.RATE_REPLACED if replaced else ""))


@command(r"(?:评分|評分|打分).*", name="rate_refused", roles=frozenset({VISITOR, NURSE}), priority=31,
         readonly=True)
def rate_refused(ctx: ChatContext) -> Text:
    return Text(texts.RATE_NOT_PARENT if NURSE in ctx.roles else texts.NOT_BOUND)


@command(r"(?:投诉|投訴)[\s:：,，]*(.*)", name="complain", roles=_PARENT, help="投诉 内容 — 向家政公司投诉", priority=30)
def complain(ctx: ChatContext) -> Text:
    text = _as_typed(ctx, "投诉|投訴", ctx.match.group(1)).strip().lstrip(":：,，").strip()
    if not text:
        return Text(texts.COMPLAINT_USAGE)
    binding = bound(ctx)
    complaint = file_complaint(ctx.session, binding.engagement, ctx.message.openid, text, ctx.now, tz_of(ctx),
                               role=binding.role)
    return Text(texts.COMPLAINT_OK.format(agency=binding.engagement.agency_name,
                                          excerpt=complaint_excerpt(complaint.text)))


@command(r"(?:投诉|投訴).*", name="complain_refused", roles=frozenset({VISITOR, NURSE}), priority=31,
         readonly=True)
def complain_refused(ctx: ChatContext) -> Text:
    return Text(texts.COMPLAINT_NOT_PARENT if NURSE in ctx.roles else texts.NOT_BOUND)
