"""The evening digest (今日小结): each bound parent gets the day's figures once, and is asked to rate it.

Domain code: takes a session and plain values. One notification per parent and
day (``digest:{engagement_id}:{openid}:{date}``), queued in one transaction, so a
second run the same day queues nothing and the outbox sends each once. The day's
rating belongs to the family (one per engagement and day): once someone rated,
every parent's digest shows the rating instead of asking.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from bot.diary import texts
from bot.diary.days import DayView, day_bounds, day_view
from bot.diary.engagements import parents_of
from bot.diary.render import stars, summary_lines
from bot.models import DiaryEntry, Engagement
from bot.outbox import enqueue


def engagements_with_entries(session: Session, day: dt.date, tz: ZoneInfo) -> list[Engagement]:
    """Engagements with at least one (not withdrawn) entry on the local ``day``."""
    start, end = day_bounds(day, tz)
    # One probe of ix_diary_entry_engagement_id_occurred_at per engagement, never a scan of the diary.
    has_entries = exists().where(
        DiaryEntry.engagement_id == Engagement.id, DiaryEntry.occurred_at >= start, DiaryEntry.occurred_at < end,
        DiaryEntry.withdrawn_at.is_(None),
    )
    return list(session.scalars(select(Engagement).where(has_entries).order_by(Engagement.id)))


def _family(engagement: Engagement) -> str:
    if engagement.baby_nickname:
        return f"{engagement.baby_nickname}（{engagement.family_name}）"
    return engagement.family_name


def figure_lines(view: DayView) -> list[str]:
    """The day's figures (feeds and ml, nappies, sleep, temperatures) and anything flagged."""
    lines = summary_lines(view.summary) or [texts.DIGEST_NOTHING_COUNTED]
    if view.flags:
        lines.append(texts.SUMMARY_FLAGS.format(count=len(view.flags)))
        lines += [f"{texts.FLAG_SEVERITY[f.severity]} {f.reason}" for f in view.flags]
    return lines


def rating_request(view: DayView) -> str:
    if view.rating is None:
        return texts.DIGEST_RATE
    comment = f" {view.rating.comment}" if view.rating.comment else ""
    return texts.DIGEST_RATED.format(stars=stars(view.rating.stars), comment=comment)


def digest_text(view: DayView, engagement: Engagement) -> str:
    """The customer-service message: header, figures, flags, and the request to rate."""
    lines = [texts.DIGEST_HEADER.format(family=_family(engagement), date=view.date.isoformat(),
                                        weekday=texts.WEEKDAYS[view.date.weekday()]),
             texts.DIGEST_ENTRIES.format(count=view.summary.entries)]
    lines += figure_lines(view)
    lines += [texts.DIGEST_DETAILS, rating_request(view)]
    return "\n".join(lines)


def digest_template(view: DayView, engagement: Engagement) -> dict[str, Any]:
    """The template message's fields, for a parent outside the 48-hour window."""
    return {
        "first": texts.DIGEST_TEMPLATE_TITLE.format(family=_family(engagement), date=view.date.isoformat()),
        "keyword1": texts.DIGEST_TEMPLATE_KEYWORD1.format(count=view.summary.entries),
        "keyword2": view.date.isoformat(),
        "remark": "\n".join([*figure_lines(view), rating_request(view)]),
    }


def queue_digests(session: Session, day: dt.date, tz: ZoneInfo, now: dt.datetime) -> dict[str, int]:
    """Queue the digest of ``day`` to every bound parent of every engagement with entries that day."""
    counts = {"engagements": 0, "queued": 0}
    for engagement in engagements_with_entries(session, day, tz):
        parents = parents_of(session, engagement.id)
        if not parents:
            continue
        counts["engagements"] += 1
        view = day_view(session, engagement, day, tz)
        text, template = digest_text(view, engagement), digest_template(view, engagement)
        for openid in parents:
            note = enqueue(session, key=f"digest:{engagement.id}:{openid}:{day.isoformat()}", openid=openid,
                           kind="digest", text=text, template=template, now=now)
            counts["queued"] += note is not None
    return counts
