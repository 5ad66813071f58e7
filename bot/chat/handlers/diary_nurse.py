"""The nurse in chat: every line that is not a command is a diary entry; 撤销; photos."""

from __future__ import annotations

import re

from bot.chat.context import NURSE, ChatContext, Reply, Text
from bot.chat.handlers import texts as general_texts
from bot.chat.handlers.diary_common import bound, deliver_after_commit, tz_of
from bot.chat.handlers.lookup import lookup_reply
from bot.chat.router import command, message
from bot.diary import texts
from bot.diary.entries import MAX_LINES, Recorded, record_entries, withdraw_last
from bot.diary.parse import read_lines
from bot.diary.photos import request_photo
from bot.diary.render import entry_line, recorded_text
from bot.lookup.codes import CHAT_PATTERN, CodeCheck, check_code

# A text that is only a badge code (11 symbols, maybe spaced or dashed) is left to the badge lookup.
_NOT_A_BADGE_CODE = r"(?!\s*(?:[0-9a-z][\s\-]*){11}$)"
_NURSE = frozenset({NURSE})
# A code as the badge prints it: 5-5-1 symbols with dashes, or 11 capitals and digits with a digit among them.
_PRINTED_CODE = re.compile(r"[0-9A-Za-z]{5}\s*[-‐–—]\s*[0-9A-Za-z]{5}\s*[-‐–—]\s*[0-9A-Za-z]|(?=[A-Z]*\d)[0-9A-Z]{11}")


def _ended(ctx: ChatContext) -> str | None:
    binding = bound(ctx)
    engagement = binding.engagement
    if ctx.now.astimezone(tz_of(ctx)).date() > engagement.ends_on:
        return texts.ENGAGEMENT_ENDED.format(ends=engagement.ends_on.isoformat())
    return None


@command(r"撤销|撤回|撤消", name="withdraw", roles=_NURSE, help="撤销 — 撤销您最后记录的一条日记", priority=40)
def withdraw(ctx: ChatContext) -> Text:
    binding = bound(ctx)
    entry = withdraw_last(ctx.session, binding.engagement, ctx.message.openid, ctx.now, tz_of(ctx))
    if entry is None:
        return Text(texts.NOTHING_TO_WITHDRAW)
    line = entry_line(entry, tz_of(ctx), backdated=False)
    time, _, body = line.partition(" ")
    return Text(texts.WITHDRAWN.format(time=time, text=body))


@command(CHAT_PATTERN, name="nurse_badge_shape", roles=_NURSE, priority=45)
def badge_shape(ctx: ChatContext) -> Reply:
    """A nurse's 11 letters or digits (``feeding 90ml``, pinyin) are a badge code only if its check symbol is right
    or it is written the way a badge prints it (``X7K2M-9QHRP-4``: then she is told it is mistyped)."""
    text = ctx.message.text
    if check_code(text)[0] is CodeCheck.VALID or _PRINTED_CODE.fullmatch(text.strip()):
        return lookup_reply(ctx, text)
    return record_text(ctx, text)


@command(_NOT_A_BADGE_CODE + r".+", name="diary_lines", roles=_NURSE,
         help="直接发送日记，每行一条，可带时间，例如：7:30 喂奶 120ml / 下午3点 换尿布 大便 黄色", priority=900)
def diary_lines(ctx: ChatContext) -> Text:
    return record_text(ctx, ctx.message.text)


def record_text(ctx: ChatContext, text: str, header: str | None = None) -> Text:
    """Record what a nurse wrote (or said: ``header`` tells her it came from voice) and confirm it as understood."""
    ended = _ended(ctx)
    if ended:
        return Text(ended)
    binding = bound(ctx)
    tz = tz_of(ctx)
    # The message's own time (CreateTime) is when it was sent, whenever a retry reaches us.
    lines = read_lines(text, ctx.message.created_at, tz, binding.engagement.babies)
    parsed = [entry for line in lines for entry in line.entries]
    refused = [(line.text, line.refused) for line in lines if line.refused]
    if not parsed and not refused:
        return Text(texts.NOTHING_TO_RECORD)
    entries = (record_entries(ctx.session, binding.engagement, ctx.message.openid, parsed, ctx.now, tz, MAX_LINES,
                              role=binding.role)
               if parsed else Recorded([], []))
    flags = entries.flags  # raised by these lines (chat lines are new entries: no earlier flag is theirs)
    if flags:
        deliver_after_commit(ctx)
    sent_day = ctx.message.created_at.astimezone(tz).date()
    reply = recorded_text(list(entries), flags, tz, sent_day=sent_day, refused=refused, header=header,
                          babies=binding.engagement.babies)
    hints = [p.hint for p in parsed if p.hint]
    return Text("\n".join([reply, *dict.fromkeys(hints)]))


@message("image")
def photo(ctx: ChatContext) -> Text | None:
    """A nurse's photo: promise it now (same transaction as the dedup row), fetch it after the answer."""
    if NURSE not in ctx.roles or not ctx.message.media_id:
        return Text(general_texts.FALLBACK_NON_TEXT)
    ended = _ended(ctx)
    if ended:
        return Text(ended)
    binding = bound(ctx)
    pending = request_photo(ctx.session, binding.engagement, ctx.message.openid, ctx.message.media_id,
                            ctx.message.dedup_key, ctx.message.created_at)
    photo_id, services = pending.id, ctx.services
    ctx.after_commit("photo", lambda: services.fetch_photos([photo_id]))
    return None  # "success" now; "照片已记录 HH:MM" follows as a customer-service message
