"""A badge code in chat, or a scan of the badge's Official Account QR → the verified profile."""

from __future__ import annotations

from bot.chat.context import Article, ChatContext, News, Reply, Text
from bot.chat.router import command, scene
from bot.lookup.codes import CHAT_PATTERN
from bot.lookup.credit import KIND_LABELS
from bot.lookup.profile import STATE_TEXT, Limits, Profile, find_profile, local_today
from bot.store.ratelimit import counter_for

BADGE_SCENE = "badge_"
_LIGHT_ICON = {"green": "🟢 绿码", "yellow": "🟡 黄码", "red": "🔴 红码"}


@command(CHAT_PATTERN, name="badge", help="工牌编号（如 ABCDE-FGHJK-M）— 核验家政服务员的身份与资质", priority=50)
def badge_code(ctx: ChatContext) -> Reply:
    return lookup_reply(ctx, ctx.message.text)


@scene(BADGE_SCENE)
def badge_scene(ctx: ChatContext, code: str) -> Reply:
    """The badge's Official Account QR code (scene ``badge_CODE``), scanned, or followed by scanning it."""
    return lookup_reply(ctx, code)


def lookup_reply(ctx: ChatContext, text: str) -> Reply:
    """Look the code up for the chat user and say what was found."""
    settings = ctx.settings
    result = find_profile(
        ctx.session, text, "chat", who=ctx.message.openid, address=None,
        today=local_today(settings["ANXIN_TIMEZONE"]), limits=Limits.from_settings(settings),
        counter=counter_for(settings, ctx.session),
    )
    if not isinstance(result, Profile):
        return Text(result.message)
    return profile_news(result, settings["ANXIN_PUBLIC_URL"])


def profile_news(profile: Profile, public_url: str) -> News:
    """The profile as a news card: status, who, checks, credit; the link opens the full page."""
    url = f"{public_url.rstrip('/')}/b/{profile.code}"
    title = f"{_LIGHT_ICON[profile.light]} · {profile.masked_name}"
    if profile.certified:
        title += " · 安心服务证"
    gender = {"female": "女", "male": "男"}.get(profile.gender, "")
    lines = [
        profile.light_text,
        f"{gender} · {profile.age}岁 · 从业{profile.experience_years}年 · {'、'.join(profile.service_types)}",
        f"所属机构：{profile.agency_name}",
        "；".join(f"{KIND_LABELS[c.kind]}{STATE_TEXT[c.state]}" for c in profile.checks),
        f"信用等级：{'★' * profile.credit.grade}{'☆' * (5 - profile.credit.grade)}",
    ]
    if profile.ratings.count:
        lines.append(f"雇主评分 {profile.ratings.average:.1f}（{profile.ratings.count} 次）")
    lines.append("点击查看完整核验信息，请核对照片与本人是否一致。")
    return News((Article(title=title, description="\n".join(lines), url=url,
                         image=f"{url}/photo" if profile.has_photo else ""),))
