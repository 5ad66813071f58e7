"""An engagement's diary by day, ``/console/engagements/ID/diary``: the supervisor's quality check.

The day is the family's own (``bot.diary.days.day_view``) and its entries are written as everywhere else
(``bot.diary.render``); the console adds what only the agency sees: every flag of the day, withdrawn ones too,
with what was done about it.
"""

from __future__ import annotations

import datetime as dt

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from bot.console import bp, current_agency, needs, today, tz
from bot.core.errors import NotFound
from bot.diary.days import day_view
from bot.diary.flags import withdrawals
from bot.diary.photos import photo_bytes
from bot.diary.render import hhmm, stars, summary_lines
from bot.models import DiaryFlag, Engagement, Worker
from bot.store.db import get_session


def _engagement(engagement_id: int) -> Engagement:
    found = get_session().get(Engagement, engagement_id)
    if found is None or found.agency_id != current_agency().id:
        raise NotFound("未找到该上户记录", code="engagement_not_found")
    return found


def _day(engagement: Engagement, last: dt.date) -> dt.date:
    """The day asked for (``?day=YYYY-MM-DD``) within the service, else its latest day so far."""
    first = engagement.starts_on
    text = request.args.get("day", "")
    try:
        asked = dt.date.fromisoformat(text) if text else last
    except ValueError:
        asked = last
    return min(max(asked, first), max(first, last))


@bp.get("/engagements/<id:engagement_id>/diary")
@needs("engagements")
def engagement_diary(engagement_id: int) -> ResponseReturnValue:
    """One day: the summary, the entries in time order (the nurse's words on demand), flags and ratings."""
    db = get_session()
    engagement = _engagement(engagement_id)
    zone, now = tz(), today()
    last = min(engagement.ends_on, now)
    day = _day(engagement, last)
    view = day_view(db, engagement, day, zone)
    flags = list(db.scalars(select(DiaryFlag).where(DiaryFlag.engagement_id == engagement.id, DiaryFlag.day == day)
                            .order_by(DiaryFlag.raised_at, DiaryFlag.id)))
    flagged = {f.entry_id: f for f in flags if f.cleared_at is None}
    babies = {b.id: b.label for b in view.babies}
    entries = [{
        "view": e, "time": hhmm(e.occurred_at, zone), "what": e.body, "baby": babies.get(e.baby_id or 0),
        "flag": flagged.get(e.id), "photo_id": e.fields.get("photo_id") if e.kind == "photo" else None,
    } for e in view.entries]
    one = dt.timedelta(days=1)
    return render_template(
        "console/diary.html", e=engagement, worker=db.get(Worker, engagement.worker_id), day=day, view=view,
        entries=entries, summary=summary_lines(view.summary), flags=flags, withdrawn=withdrawals(db, [f.id for f in flags]),
        stars=stars, previous=day - one if day > engagement.starts_on else None,
        following=day + one if day < last else None, weekday="一二三四五六日"[day.weekday()],
    )


@bp.get("/engagements/<id:engagement_id>/photos/<id:photo_id>")
@needs("engagements")
def diary_photo(engagement_id: int, photo_id: int) -> ResponseReturnValue:
    found = photo_bytes(get_session(), _engagement(engagement_id).id, photo_id)
    if found is None:
        return Response("照片不存在或尚未保存", status=404, mimetype="text/plain")
    return Response(found[0], mimetype=found[1], headers={"Cache-Control": "private, no-store"})
