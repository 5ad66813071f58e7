"""``/console/followups``: the follow-up visit (回访) of every engagement that ended, with the family's final evaluation.

An engagement whose last day has passed is 待安排 until a visit is planned (a date), 待回访 until its outcome and the
family's satisfaction are recorded, then 已回访. The same functions as everywhere (``bot.diary.closing``); the
satisfaction counts in the worker's credit grade. ``followup_card`` (a template global) lets an engagement's page
show the same card.
"""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from bot.console import bp, current_agency, current_staff, needs, today, tz
from bot.core.clock import utcnow
from bot.core.errors import AnxinError, BadRequest
from bot.diary import closing
from bot.store.db import get_session

STATE_TEXT = {"due": "待安排", "scheduled": "待回访", "done": "已回访"}


def _context() -> dict[str, object]:
    return {"dimensions": closing.DIMENSIONS, "satisfaction": closing.SATISFACTION, "state_text": STATE_TEXT,
            "today": today(), "follow_up_within": closing.FOLLOW_UP_WITHIN}


def _page(state: str, problems: dict[int, str] | None = None, status: int = 200) -> ResponseReturnValue:
    rows = closing.follow_ups(get_session(), current_agency().id, state, today())
    return render_template("console/followups.html", rows=rows, state=state, problems=problems or {},
                           **_context()), status


@bp.get("/followups")
@needs("engagements")
def followups() -> ResponseReturnValue:
    """Ended engagements by follow-up state, each with the family's final evaluation."""
    state = request.args.get("state", "due")
    return _page(state if state in closing.FOLLOW_UP_STATES else "due")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise BadRequest("请选择回访日期", code="invalid_date") from None


def _satisfaction(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


@bp.post("/followups/<id:engagement_id>/schedule")
@needs("engagements")
def schedule_followup(engagement_id: int) -> ResponseReturnValue:
    """Plan (or move) the follow-up visit of an ended engagement."""
    db = get_session()
    back = request.form.get("back", "due")
    try:
        visit = closing.schedule_follow_up(db, current_agency().id, engagement_id,
                                           _date(request.form.get("scheduled_for", "")), current_staff().id, today())
    except AnxinError as error:
        db.rollback()
        return _page(back if back in closing.FOLLOW_UP_STATES else "due", {engagement_id: error.message}, error.status)
    db.commit()
    flash(f"已安排回访：{visit.scheduled_for:%Y-%m-%d}")
    return redirect(url_for("console.followups", state="scheduled"))


@bp.post("/followups/<id:engagement_id>/record")
@needs("engagements")
def record_followup(engagement_id: int) -> ResponseReturnValue:
    """Record what the follow-up visit found and the family's satisfaction (once)."""
    db = get_session()
    back = request.form.get("back", "scheduled")
    try:
        closing.record_follow_up(db, current_agency().id, engagement_id, request.form.get("outcome", ""),
                                 _satisfaction(request.form.get("satisfaction", "")), current_staff().id, utcnow(),
                                 tz())
    except AnxinError as error:
        db.rollback()
        return _page(back if back in closing.FOLLOW_UP_STATES else "scheduled", {engagement_id: error.message},
                     error.status)
    db.commit()
    flash("已记录回访结果，满意度将计入月嫂的信用等级")
    return redirect(url_for("console.followups", state="done"))


@bp.context_processor
def _card_context() -> dict[str, object]:
    """What ``console/followup_card.html`` (included in an engagement's page) needs beside ``followup_card``."""
    return {"followup_dimensions": closing.DIMENSIONS, "followup_satisfaction": closing.SATISFACTION,
            "followup_today": today()}


@bp.app_template_global("followup_card")
def followup_card(engagement_id: int) -> closing.FollowUp | None:
    """The follow-up and final evaluations of one of the signed-in agency's engagements (its page shows them)."""
    return closing.follow_up_of(get_session(), current_agency().id, engagement_id)
