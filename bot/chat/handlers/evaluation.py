"""The family's final evaluation in chat, once the engagement ended: ``评价 5 5 4 5 很细心`` (``bot.diary.closing``)."""

from __future__ import annotations

import re

from bot.chat.context import NURSE, PARENT, VISITOR, ChatContext, Text
from bot.chat.handlers.diary_common import bound, tz_of
from bot.chat.router import command
from bot.diary import closing
from bot.diary.texts import NOT_BOUND

_KEYWORD = r"评价|評價|总评|總評"


def _as_typed(ctx: ChatContext) -> str:
    """What follows the keyword as the parent typed it (a comment keeps its full-width punctuation)."""
    match = re.match(rf"\s*(?:{_KEYWORD})", ctx.message.text)
    return ctx.message.text[match.end():] if match else str(ctx.match.group(1))


@command(rf"(?:{_KEYWORD})\s*(\S.*)", name="evaluate", roles=frozenset({PARENT}), priority=30,
         help=f"评价 {' '.join(['5'] * len(closing.DIMENSIONS))} 评语 — 服务结束后为月嫂做总体评价"
              f"（{closing.labels()}，各1–5星）")
def evaluate(ctx: ChatContext) -> Text:
    binding = bound(ctx)
    stars, comment = closing.read_typed(_as_typed(ctx))
    evaluation, replaced = closing.evaluate(ctx.session, binding.engagement, ctx.message.openid, binding.role, stars,
                                            comment, ctx.now, tz_of(ctx), "chat")
    return Text(closing.thanks(evaluation, replaced))


@command(rf"(?:{_KEYWORD})", name="evaluation_guide", roles=frozenset({PARENT}), priority=30, readonly=True)
def evaluation_guide(ctx: ChatContext) -> Text:
    """``评价`` alone: the parent's own evaluation if given, else how to give it (or why not yet)."""
    binding = bound(ctx)
    today = ctx.now.astimezone(tz_of(ctx)).date()
    opens, closes = closing.window(binding.engagement)
    if today < opens:
        return Text(closing.NOT_ENDED.format(ends=binding.engagement.ends_on.isoformat()))
    mine = closing.evaluation_of(ctx.session, binding.engagement.id, ctx.message.openid)
    if mine is not None:
        return Text(closing.already(mine))
    if today > closes:
        return Text(closing.TOO_LATE.format(ends=binding.engagement.ends_on.isoformat(),
                                            days=closing.EVALUATE_WITHIN.days))
    return Text(closing.guide())


@command(rf"(?:{_KEYWORD}).*", name="evaluate_refused", roles=frozenset({VISITOR, NURSE}), priority=31, readonly=True)
def evaluate_refused(ctx: ChatContext) -> Text:
    return Text(closing.NOT_PARENT if NURSE in ctx.roles else NOT_BOUND)
