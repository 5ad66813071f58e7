"""Lists of an agency's workers for the back office and ``GET /admin/v1/workers``: search, light, pages.

The status light of a worker is ``bot.lookup.profile.status_light`` over the checks in force; to filter
and page ten thousand workers without loading them, the same rule is written here once more as SQL over
the newest verification of each kind. ``tests/agency/test_listing.py`` checks that both agree for every
combination of states.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, Subquery, and_, case, func, or_, select
from sqlalchemy.orm import Session

from bot.lookup.codes import CodeCheck, check_code
from bot.lookup.profile import GREEN, RED, YELLOW
from bot.models import Badge, Verification, Worker

LIGHTS = (GREEN, YELLOW, RED)
MAX_PER_PAGE = 100
T = TypeVar("T")


@dataclass(frozen=True)
class WorkerRow:
    id: int
    name: str
    created_at: dt.datetime
    gender: str
    service_types: list[str]
    experience_years: int
    light: str
    consented: bool
    badge_code: str | None  # the badge she holds now, if any
    credit_grade: int | None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def light_column(agency_id: int, today: dt.date, worker_ids: list[int] | None = None) -> tuple[ColumnElement[str], Subquery]:
    """The SQL for each worker's light, and the subquery it reads (join it on ``worker_id``)."""
    newest_ids = (
        select(func.max(Verification.id).label("id"))
        .join(Worker, Worker.id == Verification.worker_id)
        .where(Worker.agency_id == agency_id)
        .group_by(Verification.worker_id, Verification.kind)
    )
    if worker_ids is not None:
        newest_ids = newest_ids.where(Verification.worker_id.in_(worker_ids))
    newest = newest_ids.subquery()

    def in_force(kind: str) -> ColumnElement[int]:
        valid = and_(Verification.kind == kind, Verification.status == "verified",
                     or_(Verification.expires_on.is_(None), Verification.expires_on >= today))
        return func.max(case((valid, 1), else_=0)).label(kind)

    checks = (
        select(Verification.worker_id.label("worker_id"), in_force("identity"), in_force("health"), in_force("insurance"))
        .join(newest, newest.c.id == Verification.id)
        .group_by(Verification.worker_id)
        .subquery()
    )
    identity, health, insurance = (func.coalesce(checks.c[k], 0) for k in ("identity", "health", "insurance"))
    light: ColumnElement[str] = case(
        (identity == 0, RED), (and_(health == 1, insurance == 1), GREEN), else_=YELLOW
    )
    return light, checks


def find_workers(
    session: Session, agency_id: int, today: dt.date, *, q: str | None = None, light: str | None = None,
    page: int = 1, per_page: int = 20, since: dt.datetime | None = None, until: dt.datetime | None = None,
) -> Page[WorkerRow]:
    """The agency's workers, newest first: ``q`` a part of the name or a badge code; ``light`` green|yellow|red;
    ``since``/``until``: registered from (included) and before (excluded) these instants."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    query = select(Worker).where(Worker.agency_id == agency_id)
    if since is not None:
        query = query.where(Worker.created_at >= since)
    if until is not None:
        query = query.where(Worker.created_at < until)
    if q:
        q = q.strip()
        code_check, code = check_code(q)
        if code_check is CodeCheck.VALID:
            query = query.where(Worker.id.in_(select(Badge.worker_id).where(Badge.code == code)))
        else:
            escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(Worker.name.like(f"%{escaped}%", escape="\\"))
    if light:
        # Filtering by light needs every worker's light: computed in SQL over the newest checks.
        light_sql, checks = light_column(agency_id, today)
        query = query.outerjoin(checks, checks.c.worker_id == Worker.id).where(light_sql == light)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    page_workers = list(session.scalars(query.order_by(Worker.id.desc()).limit(per_page).offset((page - 1) * per_page)))
    # The page's own lights: only its workers' checks are read.
    lights: dict[int, str] = {}
    if page_workers:
        page_light, page_checks = light_column(agency_id, today, [w.id for w in page_workers])
        lights = {worker_id: str(value) for worker_id, value in session.execute(
            select(Worker.id, page_light).outerjoin(page_checks, page_checks.c.worker_id == Worker.id)
            .where(Worker.id.in_([w.id for w in page_workers])))}
    rows = [(w, lights.get(w.id, RED)) for w in page_workers]
    ids = [worker.id for worker, _ in rows]
    badges: dict[int, str] = {}
    if ids:
        for worker_id, code in session.execute(
            select(Badge.worker_id, Badge.code).where(Badge.worker_id.in_(ids), Badge.revoked_at.is_(None))
            .order_by(Badge.id)
        ):
            badges[worker_id] = code
    items = [
        WorkerRow(id=w.id, name=w.name, created_at=w.created_at, gender=w.gender, service_types=list(w.service_types or []),
                  experience_years=w.experience_years, light=str(row_light), consented=w.consent_signed_on is not None,
                  badge_code=badges.get(w.id), credit_grade=w.credit_grade)
        for w, row_light in rows
    ]
    return Page(items, total, page, per_page)
