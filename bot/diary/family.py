"""What the family does: rate a day, file a complaint; and the agency's answer to it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.errors import BadRequest, Conflict, Forbidden, NotFound
from bot.diary import texts
from bot.diary.engagements import DEFAULT_TZ, PARENT, role_in
from bot.diary.refs import EngagementLike, agency_name
from bot.models import Agency, Complaint, Rating
from bot.outbox.queue import enqueue

MAX_COMMENT = 200
MAX_COMPLAINT = 1000
MAX_ANSWER = 1000
COMPLAINT_GRACE = dt.timedelta(days=30)


def rate_day(
    session: Session, engagement: EngagementLike, openid: str, day: dt.date, stars: int, comment: str | None,
    now: dt.datetime, role: str | None = None,
) -> tuple[Rating, bool]:
    """A parent rates one day (1–5 stars) for themselves; rating again replaces only their own.

    Return the rating and whether it replaced one. ``role``: the rater's, from the binding the caller read.
    """
    if (role if role is not None else role_in(session, engagement.id, openid)) != PARENT:
        raise Forbidden(texts.RATE_NOT_PARENT, code="not_parent")
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        raise BadRequest(texts.RATE_RANGE, code="stars_out_of_range")
    # Ratings feed the worker's public grade: only days she actually served count.
    if not engagement.starts_on <= day <= engagement.ends_on:
        raise BadRequest(texts.RATE_OUTSIDE.format(starts=engagement.starts_on, ends=engagement.ends_on),
                         code="day_outside_engagement")
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > MAX_COMMENT:
        raise BadRequest(texts.COMMENT_TOO_LONG.format(max=MAX_COMMENT), code="comment_too_long")
    # Each family member rates for themselves: rating again replaces only one's own stars and comment.
    mine = (Rating.engagement_id == engagement.id, Rating.day == day, Rating.rated_by == openid)
    rating = session.scalar(select(Rating).where(*mine).with_for_update())
    if rating is None:
        rating = Rating(engagement_id=engagement.id, day=day, stars=stars, comment=comment, rated_by=openid,
                        created_at=now, updated_at=now)
        try:
            with session.begin_nested():
                session.add(rating)
            return rating, False
        except IntegrityError:  # the same member rated twice at the same moment (two phones)
            rating = session.scalars(select(Rating).where(*mine)).one()
    rating.stars, rating.comment, rating.updated_at = stars, comment, now
    return rating, True


def file_complaint(
    session: Session, engagement: EngagementLike, openid: str, text: str, now: dt.datetime, tz: ZoneInfo = DEFAULT_TZ,
    role: str | None = None,
) -> Complaint:
    """A parent's complaint (投诉) to the engagement's agency. ``role``: the sender's, from the binding the caller
    read."""
    if (role if role is not None else role_in(session, engagement.id, openid)) != PARENT:
        raise Forbidden(texts.COMPLAINT_NOT_PARENT, code="not_parent")
    text = (text or "").strip()
    if not text:
        raise BadRequest(texts.COMPLAINT_USAGE, code="missing_text")
    if len(text) > MAX_COMPLAINT:
        raise BadRequest(texts.COMPLAINT_TOO_LONG.format(max=MAX_COMPLAINT), code="text_too_long")
    if now.astimezone(tz).date() > engagement.ends_on + COMPLAINT_GRACE:
        raise Conflict(texts.COMPLAINT_TOO_LATE.format(ends=engagement.ends_on, days=COMPLAINT_GRACE.days),
                       code="engagement_long_ended")
    # Open complaints count against the worker's grade: one at a time from each family member.
    pending = session.scalar(
        select(Complaint).where(Complaint.engagement_id == engagement.id, Complaint.openid == openid,
                                Complaint.responded_at.is_(None)).with_for_update()
    )
    if pending is not None:
        raise Conflict(texts.COMPLAINT_PENDING.format(
            date=pending.created_at.astimezone(tz).strftime("%m-%d"), excerpt=complaint_excerpt(pending.text),
            agency=agency_name(session, engagement)), code="complaint_pending")
    complaint = Complaint(agency_id=engagement.agency_id, worker_id=engagement.worker_id, engagement_id=engagement.id,
                          openid=openid, text=text, created_at=now)
    session.add(complaint)
    session.flush()
    return complaint


def complaint_excerpt(text: str) -> str:
    """The start of a complaint, for the family's replies to name it by (its number is the agency's)."""
    text = " ".join(text.split())
    limit = texts.COMPLAINT_EXCERPT_CHARS
    return text if len(text) <= limit else text[:limit] + "…"


def list_complaints(session: Session, agency: Agency, *, since: dt.datetime | None = None,
                    until: dt.datetime | None = None) -> list[Complaint]:
    """The agency's own complaints, newest first; made from ``since`` (included) to ``until`` (excluded)."""
    query = select(Complaint).where(Complaint.agency_id == agency.id)
    if since is not None:
        query = query.where(Complaint.created_at >= since)
    if until is not None:
        query = query.where(Complaint.created_at < until)
    return list(session.scalars(query.order_by(Complaint.created_at.desc(), Complaint.id.desc())))


def answer_complaint(
    session: Session, agency: Agency, complaint_id: int, text: str, now: dt.datetime, tz: ZoneInfo = DEFAULT_TZ
) -> Complaint:
    """The agency answers a complaint once; the family gets the answer through the outbox."""
    text = (text or "").strip()
    if not text:
        raise BadRequest("缺少字段 text (missing field text)", code="missing_field")
    if len(text) > MAX_ANSWER:
        raise BadRequest(f"字段 text 无效：不能超过{MAX_ANSWER}个字 (invalid text)", code="invalid_field")
    complaint = session.get(Complaint, complaint_id, with_for_update=True)
    if complaint is None or complaint.agency_id != agency.id:
        raise NotFound(texts.COMPLAINT_NOT_FOUND, code="complaint_not_found")
    if complaint.responded_at is not None:
        raise Conflict(texts.COMPLAINT_ALREADY_ANSWERED, code="already_answered")
    complaint.response_text = text
    complaint.responded_at = now
    enqueue(
        session, key=f"complaint:{complaint.id}:response", openid=complaint.openid, kind="complaint",
        text=texts.COMPLAINT_ANSWER.format(
            date=complaint.created_at.astimezone(tz).strftime("%m-%d"), excerpt=complaint_excerpt(complaint.text),
            text=text,
        ),
    )
    return complaint
