"""绑定 and 切换: who a chat user is in which family (the inbox reads the binding, and the roles, as a message comes in)."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from bot.agency import texts as registry_texts
from bot.agency.supervisors import bind_supervisor, find_supervisor_code
from bot.chat.context import NURSE, PARENT, ChatContext, Text
from bot.chat.router import command
from bot.diary import texts
from bot.diary.bind_attempts import BindLimits, count_bind_attempt
from bot.diary.engagements import bind, bindings_of, set_relation, switch_engagement
from bot.models import Agency
from bot.store.ratelimit import counter_for

BIND_TOO_MANY = texts.BIND_TOO_MANY


def bind_allowed(ctx: ChatContext) -> bool:
    """Count one 绑定 attempt in the budget the QR scene and the mini-program share; False once it is spent."""
    return count_bind_attempt(counter_for(ctx.settings, ctx.session), ctx.message.openid,
                              BindLimits.from_settings(ctx.settings))


def bind_throttle(ctx: ChatContext) -> Text | None:
    """Every code tried counts, refused or not (the guard runs outside the handler's savepoint)."""
    if not ctx.match.group(1).strip():
        return None  # asking how to bind is not an attempt
    return None if bind_allowed(ctx) else Text(BIND_TOO_MANY)


@command(r"(?:绑定|綁定|bind)\s*(.*)", name="bind", priority=40, guard=bind_throttle,
         help="绑定 绑定码 — 绑定为月嫂、家人或机构主管（绑定码由家政公司提供）")
def bind_(ctx: ChatContext) -> Text:
    code = ctx.match.group(1).strip()
    if not code:
        return Text(texts.BIND_USAGE)
    said = _RELATION_AFTER.search(code)  # 绑定 DEMFAM26 奶奶: the code, then who they are to the baby
    if said is not None and said.start() > 0:
        return bind_code(ctx, code[:said.start()], said.group(1))
    return bind_code(ctx, code)


# Who a family member is, said after the code (codes are letters and digits).
_RELATION_AFTER = re.compile(r"[\s,，、]*([\u4e00-\u9fff]{1,8})$")


def bind_code(ctx: ChatContext, code: str, relation: str | None = None) -> Text:
    """Bind the sender with a supervisor, nurse or family code (a refusal is raised, and answered by the registry)."""
    supervisor_code = find_supervisor_code(ctx.session, code)
    if supervisor_code is not None:
        supervisor = bind_supervisor(ctx.session, ctx.message.openid, supervisor_code, ctx.now)
        agency = ctx.session.get(Agency, supervisor.agency_id)
        assert agency is not None
        return Text(registry_texts.SUPERVISOR_BIND_OK.format(agency=agency.name))
    binding = bind(ctx.session, ctx.message.openid, code, ctx.now, ZoneInfo(ctx.settings["ANXIN_TIMEZONE"]))
    engagement = binding.engagement
    reply = texts.BIND_OK.format(
        role=texts.ROLE_LABELS[binding.role], family=engagement.family_name, baby=engagement.baby_nickname or "—",
        starts=engagement.starts_on.isoformat(), ends=engagement.ends_on.isoformat(),
    )
    if binding.role == PARENT and relation is not None:
        set_relation(ctx.session, binding.id, relation)
    if binding.role == PARENT:
        reply += texts.BIND_RELATION.format(relation=binding.relation) if binding.relation else texts.BIND_ASK_RELATION
    return Text(reply)


@command(r"(?:我是|称呼|稱呼)\s*[:：]?\s*(\S.{0,15})", name="relation", roles=frozenset({PARENT}),
         help="我是 妈妈 — 告诉我们您是宝宝的谁（评分时这样称呼您）", priority=40)
def relation(ctx: ChatContext) -> Text:
    """A family member says who they are to the baby, for their current family."""
    binding = ctx.binding
    if binding is None:
        return Text(texts.NOT_BOUND)
    said = ctx.match.group(1).strip().rstrip("。.!！~")
    return Text(texts.RELATION_OK.format(relation=set_relation(ctx.session, binding.id, said).relation))


@command(r"切换(?:\s*(\d+))?", name="switch", roles=frozenset({NURSE, PARENT}),
         help="切换 — 绑定了多户家庭时，查看并切换当前家庭", priority=40)
def switch(ctx: ChatContext) -> Text:
    openid = ctx.message.openid
    if ctx.match.group(1):
        binding = switch_engagement(ctx.session, openid, int(ctx.match.group(1)), ctx.now)
        return Text(texts.SWITCH_OK.format(family=binding.engagement.family_name, role=texts.ROLE_LABELS[binding.role]))
    bindings = bindings_of(ctx.session, openid)
    current = ctx.binding
    number = next((n for n, b in enumerate(bindings, 1) if current is not None and b.id == current.id), None)
    lines = [texts.SWITCH_LIST_HEADER.format(current=number or "—")]
    for n, b in enumerate(bindings, 1):
        e = b.engagement
        lines.append(texts.SWITCH_LIST_LINE.format(n=n, family=e.family_name, role=texts.ROLE_LABELS[b.role],
                                                   starts=e.starts_on.isoformat(), ends=e.ends_on.isoformat()))
    lines.append(texts.SWITCH_LIST_FOOTER)
    return Text("\n".join(lines))
