"""``收到``: a parent or a supervisor acknowledges the latest urgent flag(s); a supervisor may add what was done.

``收到`` from a parent stops the escalation of every urgent flag of their families
raised in the last 24 hours; ``收到 已电话联系家属去医院`` from a supervisor records
the agency's acknowledgement with that note. Both are kept in the flag's trail.
"""

from __future__ import annotations

from bot.chat.context import VISITOR, ChatContext, Text
from bot.chat.router import command
from bot.diary import texts
from bot.diary.alerts import acknowledge_latest
from bot.diary.engagements import PARENT

MAX_NOTE = 500


_ACK = r"收到(?:[\s，,。：:!！]+(.*))?"


# One command, two help lines: a parent reads what 收到 does for them; the agency's supervisor (a visitor in chat)
# how to add what was done.
@command(_ACK, name="ack_supervisor", roles=frozenset({VISITOR}), priority=20,
         help="收到 — 确认紧急提醒（督导可附处理情况：收到 已联系家属）")
@command(_ACK, name="ack", roles=frozenset({PARENT}), priority=20, help="收到 — 告诉我们您已看到紧急提醒")
def ack(ctx: ChatContext) -> Text:
    note = (ctx.match.group(1) or "").strip()[:MAX_NOTE] or None
    done = acknowledge_latest(ctx.session, ctx.message.openid, note, ctx.now)
    if not done.role:
        return Text(texts.ACK_NOT_ALLOWED)
    if not done.flags:
        return Text(texts.ACK_NOTHING)
    lines = "\n".join(f"· {f.reason}" for f in done.flags)
    if done.role == PARENT:
        return Text(texts.ACK_PARENT_OK.format(count=len(done.flags), lines=lines))
    return Text(texts.ACK_SUPERVISOR_OK.format(count=len(done.flags), lines=lines, note=note or texts.ACK_NO_NOTE))
