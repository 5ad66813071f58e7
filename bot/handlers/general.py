"""帮助, the welcome on subscribe, and the hint for anything unrecognised."""

from __future__ import annotations

from sqlalchemy import select

from bot.chat import VISITOR, ChatContext, Reply, Text
from bot.handlers import texts
from bot.handlers.lookup import lookup_reply, scene_code
from bot.handlers.registry import command, commands_for, event, fallback
from bot.models import ChatUser


@command(r"帮助|help|\?|？|菜单", name="help", help="帮助 — 查看可以使用的功能", priority=10)
def help_(ctx: ChatContext) -> Text:
    roles = sorted(ctx.roles - {VISITOR}) or [VISITOR]
    lines = [texts.HELP_ROLE.format(roles="、".join(texts.ROLE_NAMES[r] for r in roles)), texts.HELP_HEADER]
    lines += [f"• {c.help}" for c in commands_for(ctx.roles) if c.help]
    lines.append(texts.HELP_FOOTER)
    return Text("\n".join(lines))


@event("subscribe")
def welcome(ctx: ChatContext) -> Reply:
    _set_subscribed(ctx, True)
    code = scene_code(ctx.message.event_key)  # followed by scanning a badge's QR code
    if code is not None:
        return lookup_reply(ctx, code)
    return Text(texts.WELCOME)


@event("unsubscribe")
def goodbye(ctx: ChatContext) -> None:
    _set_subscribed(ctx, False)


@fallback
def hint(ctx: ChatContext) -> Text:
    if ctx.message.msg_type != "text":
        return Text(texts.FALLBACK_NON_TEXT)
    shown = ctx.message.text.strip()
    if len(shown) > 20:
        shown = shown[:20] + "…"
    return Text(texts.FALLBACK_HINT.format(text=shown))


def _set_subscribed(ctx: ChatContext, subscribed: bool) -> None:
    user = ctx.session.scalar(select(ChatUser).where(ChatUser.openid == ctx.message.openid))
    if user is not None:
        user.subscribed = subscribed
