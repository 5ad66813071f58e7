"""The evening digest (今日小结): each bound parent gets the day's figures once, and is asked to rate it.

Domain code: takes a session and plain values. One notification per parent and
day (``digest:{engagement_id}:{openid}:{date}``), queued in one transaction, so a
second run the same day queues nothing and the outbox sends each once. Each family
member rates for themselves: a parent who rated sees their own rating instead of the
request. Every digest carries a card (``bot.outbox.cards``) whose link opens the day (``/d/TOKEN``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.diary import texts
from bot.diary.days import DayView, day_bounds, day_views
from bot.diary.engagements import PARENT
from bot.diary.refs import family_title
from bot.diary.render import flag_lines, stars, summary_lines
from bot.models import Binding, DiaryEntry, Engagement, Notification
from bot.models.base import use_index
from bot.models.diary import BY_DAY, DIARY_ENTRIES
from bot.outbox import cards
from bot.outbox.queue import enqueue

# Engagements probed for entries at a time: an IN list of up to 500 ids is read as ranges of
# ix_diary_entry_engagement_id_occurred_at, the day of each engagement and nothing else. From 1,000 (MariaDB's
# in_predicate_conversion_threshold) on, it becomes a join that reads every entry of each engagement, and so did
# the EXISTS this replaced: 25 s for 10,000 engagements with 40 days of diary, against 1.6 s.
PROBE = 500


def engagements_with_entries(session: Session, day: dt.date, tz: ZoneInfo, probe: int = PROBE) -> list[Engagement]:
    """Engagements with at least one (not withdrawn) entry on the local ``day``, in id order (``probe`` at a time)."""
    start, end = day_bounds(day, tz)
    ids = list(session.scalars(select(Engagement.id).order_by(Engagement.id)))
    found: list[int] = []
    for first in range(0, len(ids), probe):
        found += session.scalars(use_index(
            select(DiaryEntry.engagement_id).distinct()
            .where(DiaryEntry.engagement_id.in_(ids[first:first + probe]), DiaryEntry.occurred_at >= start,
                   DiaryEntry.occurred_at < end, DiaryEntry.withdrawn_at.is_(None)), DIARY_ENTRIES, BY_DAY)
        )
    found.sort()
    engagements: list[Engagement] = []
    for first in range(0, len(found), probe):
        engagements += session.scalars(
            select(Engagement).where(Engagement.id.in_(found[first:first + probe])).order_by(Engagement.id))
    return engagements


def _family(view: DayView, engagement: Engagement) -> str:
    """``小米（王家）``; twins ``大宝、二宝（周家）``; the family alone when no baby has a name."""
    title = family_title(engagement, view.babies)
    return f"{title}（{engagement.family_name}）" if title != engagement.family_name else title


def figure_lines(view: DayView) -> list[str]:
    """The day's figures (feeds and ml, nappies, sleep, temperatures) and what the family is told to look at."""
    return (summary_lines(view.summary) or [texts.DIGEST_NOTHING_COUNTED]) + flag_lines(view.family_flags)


def rating_request(view: DayView, openid: str) -> str:
    """Thanks for this parent's own rating, or the request to rate (each family member rates for themselves)."""
    own = view.rating_of(openid)
    if own is None:
        return texts.DIGEST_RATE
    comment = f" {own.comment}" if own.comment else ""
    return texts.DIGEST_RATED.format(stars=stars(own.stars), comment=comment)


def digest_text(view: DayView, engagement: Engagement, openid: str) -> str:
    """The customer-service message: header, figures, flags, and the request to rate."""
    lines = [texts.DIGEST_HEADER.format(family=_family(view, engagement), date=view.date.isoformat(),
                                        weekday=texts.WEEKDAYS[view.date.weekday()]),
             texts.DIGEST_ENTRIES.format(count=view.summary.entries)]
    lines += figure_lines(view)
    lines += [texts.DIGEST_DETAILS, rating_request(view, openid)]
    return "\n".join(lines)


def digest_card(view: DayView, engagement: Engagement, now: dt.datetime, tz: ZoneInfo) -> dict[str, Any]:
    """The short fields of the digest for a parent outside the 48-hour window, and its link to the day."""
    flags = view.family_flags
    hint = (texts.DIGEST_CARD_HINT_FLAGS.format(count=view.summary.entries, flags=len(flags)) if flags
            else texts.DIGEST_CARD_HINT.format(count=view.summary.entries))
    return cards.card("digest", texts.DIGEST_CARD_SUBJECT.format(family=family_title(engagement, view.babies)),
                      cards.PHRASES["digest"], now.astimezone(tz), hint=hint, day=view.date, engagement_id=engagement.id)


# Engagements whose digests are built and inserted together: five reads and one multi-row INSERT a chunk.
CHUNK = 500


def queue_digests(session: Session, day: dt.date, tz: ZoneInfo, now: dt.datetime) -> dict[str, int]:
    """Queue the digest of ``day`` to every bound parent of every engagement with entries that day.

    Set-based: the day of ``CHUNK`` engagements at a time (``day_views``), the keys already queued in one
    query, the new notifications in one INSERT. A run that races another (two schedulers) falls back to
    ``enqueue`` row by row for that chunk, so each parent still gets one digest.
    """
    counts = {"engagements": 0, "queued": 0}
    engagements = engagements_with_entries(session, day, tz)
    for first in range(0, len(engagements), CHUNK):
        chunk = engagements[first:first + CHUNK]
        parents: dict[int, list[str]] = {}
        for engagement_id, openid in session.execute(
            select(Binding.engagement_id, Binding.openid)
            .where(Binding.engagement_id.in_([e.id for e in chunk]), Binding.role == PARENT).order_by(Binding.id)
        ):
            parents.setdefault(engagement_id, []).append(openid)
        chunk = [e for e in chunk if e.id in parents]
        counts["engagements"] += len(chunk)
        views = day_views(session, [e.id for e in chunk], day, tz)
        rows = []
        for engagement in chunk:
            view = views[engagement.id]
            card = digest_card(view, engagement, now, tz)
            for openid in parents[engagement.id]:
                rows.append({"key": f"digest:{engagement.id}:{openid}:{day.isoformat()}"[:191], "openid": openid,
                             "kind": "digest", "text": digest_text(view, engagement, openid), "template": card,
                             "created_at": now, "next_attempt_at": now})
        counts["queued"] += _insert_new(session, rows)
    return counts


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert the notifications whose keys are not queued yet; return how many were."""
    if not rows:
        return 0
    queued = set(session.scalars(select(Notification.key).where(Notification.key.in_([r["key"] for r in rows]))))
    rows = [r for r in rows if r["key"] not in queued]
    if not rows:
        return 0
    try:
        with session.begin_nested():
            session.execute(insert(Notification), rows)
        return len(rows)
    except IntegrityError:  # another run queued some of them meanwhile: one at a time, each once
        return sum(enqueue(session, key=r["key"], openid=r["openid"], kind=r["kind"], text=r["text"],
                           template=r["template"], now=r["created_at"]) is not None for r in rows)
