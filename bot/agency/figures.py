"""The dashboard's figures of an agency: engagements in service, this month's rating, this week's look-ups, checks
running out and run out. Domain code: no Flask; days are the agency's local days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.agency.expiry import WARN_DAYS, Expiring, expiring
from bot.models import Engagement, LookupLog, Rating, Worker


@dataclass(frozen=True)
class Figures:
    active_engagements: int
    month_rating: float | None  # the average stars of this month's day ratings, None without any
    month_ratings: int
    week_lookups: int  # look-ups of the agency's workers since Monday
    expiring: list[Expiring]  # in force, running out within WARN_DAYS
    expired: list[Expiring]  # the newest check of its kind, already out of date


def figures(session: Session, agency_id: int, today: dt.date, tz: ZoneInfo) -> Figures:
    active = session.scalar(select(func.count()).select_from(Engagement).where(
        Engagement.agency_id == agency_id, Engagement.starts_on <= today, Engagement.ends_on >= today)) or 0
    month_start = today.replace(day=1)
    average, count = session.execute(
        select(func.avg(Rating.stars), func.count(Rating.id)).join(Engagement, Engagement.id == Rating.engagement_id)
        .where(Engagement.agency_id == agency_id, Rating.day >= month_start, Rating.day <= today)).one()
    monday = dt.datetime.combine(today - dt.timedelta(days=today.weekday()), dt.time(0), tzinfo=tz)
    lookups = session.scalar(select(func.count()).select_from(LookupLog).join(Worker, Worker.id == LookupLog.worker_id)
                             .where(Worker.agency_id == agency_id, LookupLog.at >= monday)) or 0
    checks = expiring(session, today, WARN_DAYS, agency_id=agency_id)
    return Figures(
        active_engagements=int(active), month_rating=round(float(average), 1) if average is not None else None,
        month_ratings=int(count or 0), week_lookups=int(lookups),
        expiring=[c for c in checks if c.days_left(today) >= 0], expired=[c for c in checks if c.days_left(today) < 0],
    )
