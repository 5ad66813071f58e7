"""``/d/TOKEN``: one engagement's day for its family, the page digest and flag messages link to.

No login: the signed token (``bot.outbox.daylinks``) is the permission, for one engagement
and one day, sent to one family member, valid for a week. The page shows that day
(entries, flags with their level and advice, every member's rating, the last days'
millilitres as a small chart, the babies' growth against the WHO standard, the nurse by
her name) with the security headers of ``/b/CODE``, and links to the day before and after
within the engagement: links sealed like the one opened, for the same person.

Rating from the page is a form that posts to ``/d/TOKEN/rate``: the member the link was sent
to rates that day through the chat's own ``rate_day`` (one rating per member and day; rating
again replaces it). Bad input gets the page again with the reason in Chinese, and writes nothing.

``GET`` only reads: chat apps fetch links for their previews, so opening a flag message's
link must not stop its escalation. The page of such a link has a 已收到 button, a form
that posts to ``/d/TOKEN/ack``; the token is its permission (the page sends no Referer, so
the token does not leak to other sites), and a POST another site's page made is refused by
the browser's own Sec-Fetch-Site / Origin headers, the way a cookie-less form can be.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from bot.core.clock import utcnow
from bot.core.errors import AnxinError
from bot.diary import texts
from bot.diary.alerts import acknowledge_from_link, acknowledge_from_sms, link_acknowledgement, sms_acknowledgement
from bot.diary.days import DayView, day_view, summaries
from bot.diary.engagements import PARENT
from bot.diary.family import MAX_COMMENT, rate_day
from bot.diary.growth_charts import growth, percentile_text, svg
from bot.diary.kinds import flagged_entries, minutes_text
from bot.diary.refs import BindingRef, EngagementRef, binding_in, engagement_ref, family_title, worker_name
from bot.diary.render import stars
from bot.outbox import daylinks, shortlinks
from bot.outbox.shortlinks import find_link
from bot.store.db import get_session
from bot.web import _SECURITY_HEADERS, bp

CHART_DAYS = 7
CHART_HEIGHT = 90
LEVELS = {"urgent": "紧急", "watch": "留意"}
# The profile page's headers, but the page may post its one form (已收到) to itself.
_DAY_HEADERS = {**_SECURITY_HEADERS, "Content-Security-Policy": _SECURITY_HEADERS["Content-Security-Policy"].replace(
    "form-action 'none'", "form-action 'self'")}
EXPIRED_TEXT = "链接已过期（有效期7天）。请在公众号发送“日记 月-日”查看这一天。"
INVALID_TEXT = "链接无效，请从公众号或小程序的消息重新打开。"
NOT_MEMBER_TEXT = "您已不是这个家庭的成员，无法查看。"
CANNOT_ACK_TEXT = "这个链接不能确认提醒。紧急提醒可在公众号回复“收到”确认。"
CROSS_SITE_TEXT = "请在本页面点击“已收到”按钮确认。"
CROSS_SITE_RATE_TEXT = "请在本页面的评分表单中提交评分。"
RATE_NO_MEMBER_TEXT = "这个链接不能评分，请在公众号发送“评分 5 很细心”为这一天评分。"
RATE_FUTURE_TEXT = "这一天还没到，不能评分。"
RATE_STARS_TEXT = "请选择 1 到 5 星再提交（1 最低，5 最高）。"
RATED_TEXT = "已收到您的评分，谢谢！"


def _page(html: str, status: int = 200) -> Response:
    response = Response(html, status=status, mimetype="text/html")
    response.headers.update(_DAY_HEADERS)
    return response


def _refused(message: str, status: int) -> Response:
    return _page(render_template("refusal.html", refusal={"light": None, "reason": "link"}, message=message,
                                 light_text={}), status)


def _read(token: str) -> daylinks.DayLink | Response:
    if shortlinks.CODE.match(token):  # the short link of an SMS
        short = find_link(get_session(), token, utcnow())
        if short is None:
            return _refused(EXPIRED_TEXT, 410)
        return daylinks.DayLink(short.engagement_id, short.day, None, short.flag_id)
    try:
        return daylinks.read(current_app.config["ANXIN_SECRET_KEY"], token)
    except daylinks.LinkError as exc:
        return _refused(EXPIRED_TEXT, 410) if exc.expired else _refused(INVALID_TEXT, 404)


def _member(link: daylinks.DayLink) -> tuple[EngagementRef | None, BindingRef | None]:
    """The link's engagement while the person it was sent to still belongs to the family (a forwarded old link
    shows nothing), and their binding, read once; an SMS's short link names no one (no binding)."""
    session = get_session()
    if link.openid is not None:
        binding = binding_in(session, link.engagement_id, link.openid)
        return (binding.engagement, binding) if binding is not None else (None, None)
    return engagement_ref(session, link.engagement_id), None


def _engagement(link: daylinks.DayLink) -> EngagementRef | None:
    return _member(link)[0]


def _last_day(engagement: EngagementRef, tz: ZoneInfo) -> dt.date:
    """The last day a family can open: the engagement's end, or today while it lasts."""
    return min(engagement.ends_on, utcnow().astimezone(tz).date())


def _neighbour(link: daylinks.DayLink, engagement: EngagementRef, tz: ZoneInfo, step: int) -> str | None:
    """The page of the day before (``step`` -1) or after (+1), sealed for the same person; None past the ends."""
    day = link.day + dt.timedelta(days=step)
    if not engagement.starts_on <= day <= _last_day(engagement, tz):
        return None
    token = daylinks.sign(current_app.config["ANXIN_SECRET_KEY"], link.engagement_id, day, link.openid)
    return url_for("web.day_page", token=token)


@bp.get("/d/<token>")
def day_page(token: str) -> ResponseReturnValue:
    """The family's day page (Simplified Chinese, a phone's width). Reads only."""
    link = _read(token)
    if isinstance(link, Response):
        return link
    if request.method == "HEAD":  # link previews: nothing read
        return Response(status=200, mimetype="text/html", headers={"Cache-Control": "no-store"})
    engagement, binding = _member(link)
    if engagement is None:
        return _refused(NOT_MEMBER_TEXT, 403)
    return _render(token, link, engagement, binding, rated=request.args.get("rated") == "1")


def _render(token: str, link: daylinks.DayLink, engagement: EngagementRef, binding: BindingRef | None,
            error: str | None = None, status: int = 200, rated: bool = False,
            form: dict[str, str] | None = None) -> Response:
    session = get_session()
    tz = ZoneInfo(current_app.config["ANXIN_TIMEZONE"])
    view = day_view(session, engagement, link.day, tz)
    ack = None
    flags = view.family_flags  # a flag only the agency's supervisors receive is not the family's to read
    if link.flag_id is not None and any(f.id == link.flag_id for f in flags):
        short = find_link(session, token, utcnow()) if shortlinks.CODE.match(token) else None
        if short is not None:
            ack = sms_acknowledgement(session, short)
        else:
            ack = link_acknowledgement(session, link.flag_id, engagement.id, link.openid)
    first = max(link.day - dt.timedelta(days=CHART_DAYS - 1), engagement.starts_on)
    days = summaries(session, engagement, first, link.day, tz) if first <= link.day else []
    top = max([d.feed_ml for d in days] + [1])
    chart = [{"ml": d.feed_ml, "label": f"{d.date.month}/{d.date.day}", "today": d.date == link.day,
              "height": round(CHART_HEIGHT * d.feed_ml / top)} for d in days]
    babies = growth(session, engagement, tz, until=link.day)
    charts = [{"baby": baby.label, "chart": chart, "svg": svg(chart, f"growth-{chart.indicator.kind}-{i}"),
               "latest": chart.measurements[-1], "share": percentile_text(chart.measurements[-1])}
              for i, baby in enumerate(babies) for chart in baby.charts]
    can_rate = binding is not None and binding.role == PARENT and link.day <= utcnow().astimezone(tz).date()
    mine = view.rating_of(link.openid) if link.openid else None
    html = render_template(
        "day.html", view=view, flags=flags, family=family_title(engagement, view.babies),
        weekday=texts.WEEKDAYS[view.date.weekday()], nurse=worker_name(session, engagement),
        agency=engagement.agency_name, growth=charts,
        previous=_neighbour(link, engagement, tz, -1), following=_neighbour(link, engagement, tz, 1),
        can_rate=can_rate, mine=mine, rate_action=url_for("web.rate", token=token), error=error, rated=rated,
        form=form or {}, max_comment=MAX_COMMENT,
        levels=LEVELS, flagged=flagged_entries(flags), stars=stars, reader=link.openid,
        times={e.id: e.occurred_at.astimezone(tz).strftime("%H:%M") for e in view.entries},
        babies={b.id: b.label for b in view.babies}, originals=_originals(view),
        sleep=minutes_text(view.summary.sleep_min), chart=chart if len(chart) > 1 else [],
        valid_days=daylinks.LINK_TTL.days, ack_flag=link.flag_id, ack=ack,
        ack_action=url_for("web.acknowledge", token=token),
    )
    return _page(html, status)


def _originals(view: DayView) -> dict[int, str]:
    """The nurse's own line, on demand under the first entry it made: a line that made two entries is shown once."""
    seen: set[tuple[str, dt.datetime]] = set()  # a line is its text as it came in (every entry it made shares both)
    originals = {}
    for e in view.entries:
        if e.kind in ("photo", "note") or (e.text, e.recorded_at) in seen:
            continue
        seen.add((e.text, e.recorded_at))
        originals[e.id] = e.original
    return originals


def _cross_site() -> bool:
    """A POST another site's page made (the browser says so); a request with neither header is let through, the
    token being the permission."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return True
    origin = request.headers.get("Origin")
    if not origin or origin == "null":  # "null": our own page, which sends no Referer (and so no origin)
        return False
    ours = {request.host, urlsplit(str(current_app.config["ANXIN_PUBLIC_URL"])).netloc}
    return urlsplit(origin).netloc not in ours


@bp.post("/d/<token>/ack")
def acknowledge(token: str) -> ResponseReturnValue:
    """已收到 on the page of a flag's link: the parent it was sent to acknowledges that flag, then sees the page."""
    link = _read(token)
    if isinstance(link, Response):
        return link
    if _cross_site():
        return _refused(CROSS_SITE_TEXT, 403)
    engagement = _engagement(link)
    if engagement is None:
        return _refused(NOT_MEMBER_TEXT, 403)
    if link.flag_id is None:
        return _refused(CANNOT_ACK_TEXT, 400)
    session = get_session()
    short = find_link(session, token, utcnow()) if shortlinks.CODE.match(token) else None
    if short is not None:
        done = acknowledge_from_sms(session, short, utcnow())
    else:
        done = acknowledge_from_link(session, link.flag_id, engagement.id, link.openid, utcnow())
    if not done:
        session.rollback()
        return _refused(CANNOT_ACK_TEXT, 400)
    session.commit()
    # Post/Redirect/Get: the page, now showing 已确认; reloading it does not post again.
    return redirect(url_for("web.day_page", token=token, _anchor="flags"), code=303)


def _stars(raw: str | None) -> int | None:
    """The form's stars: a whole number from 1 to 5 as text, else None (junk, empty, 4.5, ５)."""
    raw = (raw or "").strip()
    return int(raw) if raw in ("1", "2", "3", "4", "5") else None


@bp.post("/d/<token>/rate")
def rate(token: str) -> ResponseReturnValue:
    """The family member the link was sent to rates its day (the chat's ``rate_day``), then sees the page."""
    link = _read(token)
    if isinstance(link, Response):
        return link
    if _cross_site():
        return _refused(CROSS_SITE_RATE_TEXT, 403)
    engagement, binding = _member(link)
    if engagement is None:
        return _refused(NOT_MEMBER_TEXT, 403)
    if binding is None or link.openid is None:
        return _refused(RATE_NO_MEMBER_TEXT, 400)
    tz = ZoneInfo(current_app.config["ANXIN_TIMEZONE"])
    form = {"stars": str(request.form.get("stars", ""))[:8], "comment": str(request.form.get("comment", ""))[:400]}
    stars_given = _stars(form["stars"])
    if link.day > utcnow().astimezone(tz).date():
        return _render(token, link, engagement, binding, error=RATE_FUTURE_TEXT, status=400, form=form)
    if stars_given is None:
        return _render(token, link, engagement, binding, error=RATE_STARS_TEXT, status=400, form=form)
    session = get_session()
    try:
        rate_day(session, engagement, link.openid, link.day, stars_given, form["comment"], utcnow(), role=binding.role)
    except AnxinError as exc:  # not a parent, a day outside the engagement, a comment too long: said, nothing written
        session.rollback()
        return _render(token, link, engagement, binding, error=exc.message, status=exc.status, form=form)
    session.commit()
    return redirect(url_for("web.day_page", token=token, rated=1, _anchor="ratings"), code=303)
