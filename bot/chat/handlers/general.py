"""帮助, the welcome on subscribe, and the hint for anything unrecognised."""

from __future__ import annotations

from bot.chat.context import PARENT, VISITOR, ChatContext, Reply, Text
from bot.chat.handlers import texts
from bot.chat.router import command, commands_for, event, fallback


@command(r"帮助|help|\?|？|菜单", name="help", help="帮助 — 查看可以使用的功能", priority=10,
         readonly=True)
def help_(ctx: ChatContext) -> Text:
    roles = sorted(ctx.roles - {VISITOR}) or [VISITOR]
    lines = [texts.HELP_ROLE.format(roles="、".join(texts.ROLE_NAMES[r] for r in roles)), texts.HELP_HEADER]
    # A nurse or a parent reads the commands of that role (and everyone's), not those kept for visitors (a
    # supervisor's 收到 with what was done).
    lines += [f"• {c.help}" for c in commands_for(frozenset(roles)) if c.help]
    lines.append(texts.HELP_FOOTER)
    return Text("\n".join(lines))


@event("subscribe")
def welcome(ctx: ChatContext) -> Reply:
    """Following (without a scene: a scene's own handler answers; the inbox records the subscription)."""
    return Text(texts.WELCOME)


@event("unsubscribe")
def goodbye(ctx: ChatContext) -> None:
    """Nothing to say to someone who left; the inbox records that they did."""


@fallback
def hint(ctx: ChatContext) -> Text:
    if ctx.message.msg_type != "text":
        return Text(texts.FALLBACK_NON_TEXT)
    shown = ctx.message.text.strip()
    if len(shown) > 20:
        shown = shown[:20] + "…"
    return Text((texts.FALLBACK_HINT_PARENT if PARENT in ctx.roles else texts.FALLBACK_HINT).format(text=shown))
