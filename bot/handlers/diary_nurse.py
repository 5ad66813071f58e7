"""The nurse in chat: every line that is not a command is a diary entry; 撤销; photos."""

from __future__ import annotations

from flask import current_app, has_app_context

from bot import background
from bot.chat import NURSE, ChatContext, Text
from bot.diary import texts
from bot.diary.entries import MAX_LINES, record_entries, withdraw_last
from bot.diary.flags import flags_of_entries
from bot.diary.parse import parse_lines
from bot.diary.photos import fetch_pending, request_photo
from bot.diary.render import entry_line, recorded_text
from bot.handlers import texts as general_texts
from bot.handlers.diary_common import binding_of, chat_errors, deliver_after_commit, tz_of
from bot.handlers.registry import command, message

# A text that is only a badge code (11 symbols, maybe spaced or dashed) is left to the badge lookup.
_NOT_A_BADGE_CODE = r"(?!\s*(?:[0-9a-z][\s\-]*){11}$)"
_NURSE = frozenset({NURSE})


def _ended(ctx: ChatContext) -> str | None:
    binding = binding_of(ctx)
    assert binding is not None
    engagement = binding.engagement
    if ctx.now.astimezone(tz_of(ctx)).date() > engagement.ends_on:
        return texts.ENGAGEMENT_ENDED.format(ends=engagement.ends_on.isoformat())
    return None


@command(r"撤销|撤回|撤消", name="withdraw", roles=_NURSE, help="撤销 — 撤销您最后记录的一条日记", priority=40)
@chat_errors
def withdraw(ctx: ChatContext) -> Text:
    binding = binding_of(ctx)
    assert binding is not None
    entry = withdraw_last(ctx.session, binding.engagement, ctx.message.openid, ctx.now, tz_of(ctx))
    if entry is None:
        return Text(texts.NOTHING_TO_WITHDRAW)
    line = entry_line(entry, tz_of(ctx), backdated=False)
    time, _, body = line.partition(" ")
    return Text(texts.WITHDRAWN.format(time=time, text=body))


@command(_NOT_A_BADGE_CODE + r".+", name="diary_lines", roles=_NURSE,
         help="直接发送日记，每行一条，可带时间，例如：7:30 喂奶 120ml / 下午3点 换尿布 大便 黄色", priority=900)
@chat_errors
def diary_lines(ctx: ChatContext) -> Text:
    ended = _ended(ctx)
    if ended:
        return Text(ended)
    binding = binding_of(ctx)
    assert binding is not None
    tz = tz_of(ctx)
    # The message's own time (CreateTime) is when it was sent, whenever a retry reaches us.
    parsed = parse_lines(ctx.message.text, ctx.message.created_at, tz)
    if not parsed:
        return Text(texts.NOTHING_TO_RECORD)
    entries = record_entries(ctx.session, binding.engagement, ctx.message.openid, parsed, ctx.now, tz, MAX_LINES)
    flags = flags_of_entries(ctx.session, [e.id for e in entries])
    if flags:
        deliver_after_commit(ctx)
    reply = recorded_text(entries, flags, tz)
    hints = [p.hint for p in parsed if p.hint]
    return Text("\n".join([reply, *dict.fromkeys(hints)]))


@message("image")
@chat_errors
def photo(ctx: ChatContext) -> Text | None:
    """A nurse's photo: promise it now (same transaction as the dedup row), fetch it after the answer."""
    if NURSE not in ctx.roles or not ctx.message.media_id:
        return Text(general_texts.FALLBACK_NON_TEXT)
    ended = _ended(ctx)
    if ended:
        return Text(ended)
    binding = binding_of(ctx)
    assert binding is not None
    pending = request_photo(ctx.session, binding.engagement, ctx.message.openid, ctx.message.media_id,
                            ctx.message.dedup_key, ctx.message.created_at)
    if has_app_context():
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        photo_id = pending.id
        background.after_commit(ctx.session, "photo", lambda: fetch_pending(app, [photo_id]))
    return None  # "success" now; "照片已记录 HH:MM" follows as a customer-service message
