"""``/d/TOKEN``: one engagement's day for its family, the page digest and flag messages link to.

No login: the signed token (``bot.daylinks``) is the permission, for one engagement
and one day, sent to one family member, valid for a week. The page shows that day
only (entries, flags with their level and advice, every member's rating, the last
days' millilitres as a small chart) with the security headers of ``/b/CODE``.
Opening the link of a flag message acknowledges that flag for the family.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Response, current_app, render_template, request
from flask.typing import ResponseReturnValue

from bot import daylinks
from bot.clock import utcnow
from bot.db import get_session
from bot.diary import texts
from bot.diary.alerts import opened_link
from bot.diary.days import day_view, summaries
from bot.diary.engagements import role_in
from bot.diary.keepsake import nurse_display_name
from bot.diary.render import stars
from bot.models import Engagement
from bot.web import _SECURITY_HEADERS, bp

CHART_DAYS = 7
CHART_HEIGHT = 90
LEVELS = {"urgent": "紧急", "watch": "留意"}


def _page(html: str, status: int = 200) -> Response:
    response = Response(html, status=status, mimetype="text/html")
    response.headers.update(_SECURITY_HEADERS)
    return response


def _refused(message: str, status: int) -> Response:
    return _page(render_template("refusal.html", refusal={"light": None, "reason": "link"}, message=message,
                                 light_text={}), status)


@bp.get("/d/<token>")
def day_page(token: str) -> ResponseReturnValue:
    """The family's day page (Simplified Chinese, a phone's width)."""
    config = current_app.config
    try:
        link = daylinks.read(config["ANXIN_SECRET_KEY"], token)
    except daylinks.LinkError as exc:
        if exc.expired:
            return _refused("链接已过期（有效期7天）。请在公众号发送“日记 月-日”查看这一天。", 410)
        return _refused("链接无效，请从公众号或小程序的消息重新打开。", 404)
    if request.method == "HEAD":  # link previews: nothing read, nothing acknowledged
        return Response(status=200, mimetype="text/html", headers={"Cache-Control": "no-store"})
    session = get_session()
    engagement = session.get(Engagement, link.engagement_id)
    # The person it was sent to must still belong to the family; a forwarded old link shows nothing.
    if engagement is None or (link.openid is not None and role_in(session, engagement.id, link.openid) is None):
        return _refused("您已不是这个家庭的成员，无法查看。", 403)
    tz = ZoneInfo(config["ANXIN_TIMEZONE"])
    if link.flag_id is not None:
        opened_link(session, link.flag_id, engagement.id, link.openid, utcnow())
        session.commit()
    view = day_view(session, engagement, link.day, tz)
    first = max(link.day - dt.timedelta(days=CHART_DAYS - 1), engagement.starts_on)
    days = summaries(session, engagement, first, link.day, tz) if first <= link.day else []
    top = max([d.feed_ml for d in days] + [1])
    chart = [{"ml": d.feed_ml, "label": f"{d.date.month}/{d.date.day}", "today": d.date == link.day,
              "height": round(CHART_HEIGHT * d.feed_ml / top)} for d in days]
    hours, minutes = divmod(view.summary.sleep_min, 60)
    html = render_template(
        "day.html", view=view, family=engagement.baby_nickname or engagement.family_name,
        weekday=texts.WEEKDAYS[view.date.weekday()], nurse=nurse_display_name(session, engagement),
        levels=LEVELS, flagged={f.entry_id for f in view.flags}, stars=stars, reader=link.openid,
        times={e.id: e.occurred_at.astimezone(tz).strftime("%H:%M") for e in view.entries},
        bodies={e.id: texts.PHOTO_LINE if e.kind == "photo" else e.body for e in view.entries},
        sleep=f"{hours}时{minutes}分" if hours else f"{minutes}分", chart=chart if len(chart) > 1 else [],
        valid_days=daylinks.LINK_TTL.days,
    )
    return _page(html)
