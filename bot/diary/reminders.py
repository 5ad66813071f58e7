"""Gentle nudges to a nurse whose diary has gone quiet for 4 daytime hours.

Daytime is 08:00–22:00 local; the quiet hours must lie within the daytime of the
same day, so a night's sleep is never counted and nobody is nudged at night. A
stretch is quiet from the later of the last entry and 08:00, so a nurse who has
written nothing today (or never) is nudged from 12:00. One nudge per quiet
stretch: the key names the nurse, the engagement and the last entry of the day
(``reminder:{openid}:{engagement_id}:{entry_id}``), or the day when there is none
yet (``reminder:{openid}:{engagement_id}:{date}``); a new entry starts a new stretch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.diary import texts
from bot.diary.engagements import NURSE
from bot.models import Binding, DiaryEntry, Engagement
from bot.outbox import cards
from bot.outbox.queue import enqueue

DAY_STARTS = dt.time(8)
DAY_ENDS = dt.time(22)
QUIET = dt.timedelta(hours=4)


def _duration(delta: dt.timedelta) -> str:
    hours, minutes = divmod(int(delta.total_seconds() // 60), 60)
    return f"{hours}小时{minutes}分" if minutes else f"{hours}小时"


def _last_entry(session: Session, engagement_id: int, now: dt.datetime) -> DiaryEntry | None:
    return session.scalar(
        select(DiaryEntry)
        .where(DiaryEntry.engagement_id == engagement_id, DiaryEntry.withdrawn_at.is_(None), DiaryEntry.occurred_at <= now)
        .order_by(DiaryEntry.occurred_at.desc(), DiaryEntry.id.desc()).limit(1)
    )


@dataclass(frozen=True)
class Quiet:
    """A nurse of an active engagement whose diary has been quiet for 4 daytime hours."""

    binding: Binding
    engagement: Engagement
    since: dt.datetime  # local: the last entry of the day, or 08:00 when there is none yet
    last: DiaryEntry | None  # that entry, if there is one today
    key: str  # one nudge per quiet stretch


def quiet_nurses(session: Session, now: dt.datetime, tz: ZoneInfo, agency_id: int | None = None) -> list[Quiet]:
    """Every nurse of an active engagement (of ``agency_id``, if given) quiet for 4 daytime hours now."""
    local = now.astimezone(tz)
    if not DAY_STARTS <= local.time() < DAY_ENDS:
        return []
    today = local.date()
    day_start = dt.datetime.combine(today, DAY_STARTS, tzinfo=tz)
    query = (
        select(Binding, Engagement).join(Engagement, Engagement.id == Binding.engagement_id)
        .where(Binding.role == NURSE, Engagement.starts_on <= today, Engagement.ends_on >= today)
        .order_by(Binding.id)
    )
    if agency_id is not None:
        query = query.where(Engagement.agency_id == agency_id)
    found = []
    for binding, engagement in session.execute(query):
        last = _last_entry(session, engagement.id, now)
        if last is not None and last.occurred_at.astimezone(tz) >= day_start:
            since = last.occurred_at.astimezone(tz)
            key = f"reminder:{binding.openid}:{engagement.id}:{last.id}"
        else:
            since, last = day_start, None
            key = f"reminder:{binding.openid}:{engagement.id}:{today.isoformat()}"
        if local - since >= QUIET:
            found.append(Quiet(binding, engagement, since, last, key))
    return found


def queue_reminders(session: Session, now: dt.datetime, tz: ZoneInfo) -> dict[str, int]:
    """Queue a nudge to every nurse of an active engagement whose diary is quiet for 4 daytime hours."""
    counts = {"nurses": 0, "quiet": 0, "queued": 0}
    local = now.astimezone(tz)
    if not DAY_STARTS <= local.time() < DAY_ENDS:
        return counts
    today = local.date()
    counts["nurses"] = int(session.scalar(
        select(func.count(Binding.id)).join(Engagement, Engagement.id == Binding.engagement_id)
        .where(Binding.role == NURSE, Engagement.starts_on <= today, Engagement.ends_on >= today)
    ) or 0)
    for quiet in quiet_nurses(session, now, tz):
        engagement = quiet.engagement
        family = engagement.baby_nickname or engagement.family_name
        if quiet.last is not None:
            text = texts.REMINDER_QUIET.format(family=family, hours=_duration(local - quiet.since),
                                               last=quiet.since.strftime("%H:%M"))
        else:
            text = texts.REMINDER_NOTHING_TODAY.format(family=family)
        counts["quiet"] += 1
        card = cards.card("reminder", texts.REMINDER_CARD_SUBJECT.format(family=family, last=quiet.since.strftime("%H:%M")),
                          cards.PHRASES["reminder"], local)
        note = enqueue(session, key=quiet.key, openid=quiet.binding.openid, kind="reminder", text=text, template=card,
                       now=now)
        counts["queued"] += note is not None
    return counts
