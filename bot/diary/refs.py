"""A sender's binding as a request reads it: the binding, its engagement (with the names of its agency and worker)
and the engagement's babies, as frozen plain values from one query.

It is read once where a request is resolved — the chat inbox, as it decides the sender's role; a mini-program call,
for the engagement it names — and passed down: the handlers and the diary take it from there, and nothing keeps it
on the session. Writes go through the mapped models (``Binding``, ``Engagement``, ``Baby``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Row, Select, bindparam, func, select
from sqlalchemy.orm import Session

from bot.diary.babies import BabyRef, labelled
from bot.models import Agency, Baby, Binding, CurrentEngagement, Engagement, Worker

__all__ = ["BabyRef", "BindingRef", "EngagementLike", "EngagementRef", "binding_in", "current_binding",
           "engagement_ref", "family_title", "read_babies"]


class EngagementLike(Protocol):
    """What the diary reads of an engagement: the ``EngagementRef`` a binding carries, or an ``Engagement`` row
    (a job, the console)."""

    @property
    def id(self) -> int: ...
    @property
    def agency_id(self) -> int: ...
    @property
    def worker_id(self) -> int: ...
    @property
    def family_name(self) -> str: ...
    @property
    def baby_nickname(self) -> str | None: ...
    @property
    def starts_on(self) -> dt.date: ...
    @property
    def ends_on(self) -> dt.date: ...
    @property
    def baby_birth_date(self) -> dt.date | None: ...
    @property
    def birth_weight_g(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class EngagementRef:
    """An engagement as a request reads it, with what its replies name (agency, worker) and its babies."""

    id: int
    agency_id: int
    worker_id: int
    family_name: str
    baby_nickname: str | None
    starts_on: dt.date
    ends_on: dt.date
    baby_birth_date: dt.date | None
    birth_weight_g: int | None
    agency_name: str
    worker_name: str
    babies: tuple[BabyRef, ...]  # in birth order, labelled


@dataclass(frozen=True, slots=True)
class BindingRef:
    """A user's binding to one engagement: who they are there (``role``) and the engagement itself."""

    id: int
    openid: str
    role: str
    engagement: EngagementRef

    @property
    def engagement_id(self) -> int:
        return self.engagement.id


# The columns a request reads, each named: the codes and the rows' own timestamps are not among them.
_ENGAGEMENT_COLUMNS = (
    Engagement.id.label("engagement_id"), Engagement.agency_id, Engagement.worker_id, Engagement.family_name,
    Engagement.baby_nickname, Engagement.starts_on, Engagement.ends_on, Engagement.baby_birth_date,
    Engagement.birth_weight_g, Agency.name.label("agency_name"), Worker.name.label("worker_name"),
)
_BABY_COLUMNS = (
    Baby.id.label("baby_id"), Baby.position.label("baby_position"), Baby.nickname.label("baby_nickname_"),
    Baby.sex.label("baby_sex"), Baby.born_at.label("baby_born_at"), Baby.born_on.label("baby_born_on"),
    Baby.gestation_weeks.label("baby_gestation_weeks"), Baby.birth_weight_g.label("baby_birth_weight_g"),
)


def _with_engagement(statement: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
    """Join the engagement, its agency and worker (one each) and its babies (one row a baby, or one without)."""
    return (statement.join(Agency, Agency.id == Engagement.agency_id).join(Worker, Worker.id == Engagement.worker_id)
            .outerjoin(Baby, Baby.engagement_id == Engagement.id).order_by(Baby.position))


def _baby(row: Row[Any]) -> BabyRef:
    return BabyRef(id=row.baby_id, position=row.baby_position, nickname=row.baby_nickname_, sex=row.baby_sex,
                   born_at=row.baby_born_at, born_on=row.baby_born_on, gestation_weeks=row.baby_gestation_weeks,
                   birth_weight_g=row.baby_birth_weight_g)


def _engagement(rows: Sequence[Row[Any]]) -> EngagementRef:
    first = rows[0]
    return EngagementRef(
        id=first.engagement_id, agency_id=first.agency_id, worker_id=first.worker_id, family_name=first.family_name,
        baby_nickname=first.baby_nickname, starts_on=first.starts_on, ends_on=first.ends_on,
        baby_birth_date=first.baby_birth_date, birth_weight_g=first.birth_weight_g, agency_name=first.agency_name,
        worker_name=first.worker_name, babies=labelled([_baby(r) for r in rows if r.baby_id is not None]),
    )


def _binding(rows: Sequence[Row[Any]]) -> BindingRef | None:
    if not rows:
        return None
    first = rows[0]
    return BindingRef(id=first.binding_id, openid=first.openid, role=first.role, engagement=_engagement(rows))


_BINDINGS = _with_engagement(
    select(Binding.id.label("binding_id"), Binding.openid, Binding.role, *_ENGAGEMENT_COLUMNS, *_BABY_COLUMNS)
    .join(Engagement, Engagement.id == Binding.engagement_id))


def _current_binding() -> Select[*tuple[Any, ...]]:
    chosen = (select(CurrentEngagement.engagement_id).where(CurrentEngagement.openid == bindparam("openid"))
              .scalar_subquery())
    # Picked by id in a subquery: the join then reads one binding's rows.
    best = (select(Binding.id).where(Binding.openid == bindparam("openid"))
            .order_by((Binding.engagement_id == func.coalesce(chosen, 0)).desc(), Binding.id.desc())
            .limit(1).scalar_subquery())
    return _BINDINGS.where(Binding.id == best)


# Built once: every chat message asks for one, and building a statement costs more than running it.
_CURRENT_BINDING = _current_binding()
_BINDING_IN = _BINDINGS.where(Binding.engagement_id == bindparam("engagement_id"), Binding.openid == bindparam("openid"))
_ENGAGEMENT = _with_engagement(select(*_ENGAGEMENT_COLUMNS, *_BABY_COLUMNS)
                               .where(Engagement.id == bindparam("engagement_id")))
_BABIES = (select(*_BABY_COLUMNS).where(Baby.engagement_id.in_(bindparam("engagement_ids", expanding=True)))
           .add_columns(Baby.engagement_id).order_by(Baby.engagement_id, Baby.position))


def _rows(session: Session, statement: Select[*tuple[Any, ...]], params: dict[str, Any]) -> Sequence[Row[Any]]:
    session.flush()  # read on the connection: what the session holds must be there
    return session.connection().execute(statement, params).all()


def current_binding(session: Session, openid: str) -> BindingRef | None:
    """The binding of the engagement the user works on now (the one chosen, else the newest): one query."""
    return _binding(_rows(session, _CURRENT_BINDING, {"openid": openid}))


def binding_in(session: Session, engagement_id: int, openid: str) -> BindingRef | None:
    """``openid``'s binding to one engagement (None for a stranger to it): one query."""
    return _binding(_rows(session, _BINDING_IN, {"engagement_id": engagement_id, "openid": openid}))


def engagement_ref(session: Session, engagement_id: int) -> EngagementRef | None:
    """An engagement read as a binding reads it, for a request that came in by something else (an entry's id)."""
    rows = _rows(session, _ENGAGEMENT, {"engagement_id": engagement_id})
    return _engagement(rows) if rows else None


def read_babies(session: Session, engagement_ids: Sequence[int]) -> dict[int, tuple[BabyRef, ...]]:
    """The babies of several engagements (a job's), each engagement's in birth order and labelled: one query."""
    found: dict[int, list[BabyRef]] = {e: [] for e in engagement_ids}
    if engagement_ids:
        for row in _rows(session, _BABIES, {"engagement_ids": list(engagement_ids)}):
            found[row.engagement_id].append(_baby(row))
    return {e: labelled(babies) for e, babies in found.items()}


def babies_of(session: Session, engagement: EngagementLike) -> tuple[BabyRef, ...]:
    """An engagement's babies: those its ``EngagementRef`` carries, else read (a row, from a job or the console)."""
    if isinstance(engagement, EngagementRef):
        return engagement.babies
    return read_babies(session, [engagement.id])[engagement.id]


def agency_name(session: Session, engagement: EngagementLike) -> str:
    """The name of the engagement's agency (read only for a row: a binding carries it)."""
    if isinstance(engagement, EngagementRef):
        return engagement.agency_name
    agency = session.get(Agency, engagement.agency_id)
    assert agency is not None  # a foreign key
    return agency.name


def worker_name(session: Session, engagement: EngagementLike) -> str:
    """The name of the engagement's worker (read only for a row: a binding carries it)."""
    if isinstance(engagement, EngagementRef):
        return engagement.worker_name
    worker = session.get(Worker, engagement.worker_id)
    assert worker is not None  # a foreign key
    return worker.name


def family_title(engagement: EngagementLike, babies: Sequence[BabyRef] = ()) -> str:
    """Whom a family's day is about: every baby of twins (``大宝、二宝``), else the baby's nickname or the family."""
    if len(babies) > 1:
        return "、".join(b.label for b in babies)
    return engagement.baby_nickname or engagement.family_name
