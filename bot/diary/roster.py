"""An agency's engagements as a list: by state (active, upcoming, ended), worker or family, a page at a time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.agency.listing import MAX_PER_PAGE, Page
from bot.diary.engagements import NURSE, PARENT
from bot.models import Baby, Binding, DiaryFlag, Engagement, Worker

STATES = ("active", "upcoming", "ended")


@dataclass(frozen=True)
class EngagementRow:
    engagement: Engagement
    worker_name: str
    state: str  # active | upcoming | ended
    babies: list[Baby]
    nurse_bound: bool
    parents: int
    open_flags: int


def state_of(engagement: Engagement, today: dt.date) -> str:
    if engagement.starts_on > today:
        return "upcoming"
    return "ended" if engagement.ends_on < today else "active"


def find_engagements(
    session: Session, agency_id: int, today: dt.date, *, state: str | None = None, worker_id: int | None = None,
    q: str | None = None, page: int = 1, per_page: int = 20, since: dt.date | None = None, until: dt.date | None = None,
) -> Page[EngagementRow]:
    """The agency's engagements, latest start first; ``since``/``until``: those whose service (上户 to 下户)
    overlaps these days."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    query = (select(Engagement, Worker.name).join(Worker, Worker.id == Engagement.worker_id)
             .where(Engagement.agency_id == agency_id))
    if state == "active":
        query = query.where(Engagement.starts_on <= today, Engagement.ends_on >= today)
    elif state == "upcoming":
        query = query.where(Engagement.starts_on > today)
    elif state == "ended":
        query = query.where(Engagement.ends_on < today)
    if worker_id is not None:
        query = query.where(Engagement.worker_id == worker_id)
    if since is not None:
        query = query.where(Engagement.ends_on >= since)
    if until is not None:
        query = query.where(Engagement.starts_on <= until)
    if q:
        escaped = q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Engagement.family_name.like(f"%{escaped}%", escape="\\"))
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = session.execute(
        query.order_by(Engagement.starts_on.desc(), Engagement.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    ids = [e.id for e, _ in rows]
    babies: dict[int, list[Baby]] = {i: [] for i in ids}
    bound: dict[int, dict[str, int]] = {i: {NURSE: 0, PARENT: 0} for i in ids}
    flags: dict[int, int] = {}
    if ids:
        for baby in session.scalars(select(Baby).where(Baby.engagement_id.in_(ids)).order_by(Baby.position)):
            babies[baby.engagement_id].append(baby)
        for engagement_id, role, count in session.execute(
            select(Binding.engagement_id, Binding.role, func.count(Binding.id))
            .where(Binding.engagement_id.in_(ids)).group_by(Binding.engagement_id, Binding.role)
        ):
            bound[engagement_id][role] = int(count)
        flags = {engagement_id: int(count) for engagement_id, count in session.execute(
            select(DiaryFlag.engagement_id, func.count(DiaryFlag.id))
            .where(DiaryFlag.engagement_id.in_(ids), DiaryFlag.acknowledged_at.is_(None), DiaryFlag.cleared_at.is_(None))
            .group_by(DiaryFlag.engagement_id)
        )}
    items = [EngagementRow(e, name, state_of(e, today), babies[e.id], bound[e.id][NURSE] > 0, bound[e.id][PARENT],
                           flags.get(e.id, 0)) for e, name in rows]
    return Page(items, total, page, per_page)
