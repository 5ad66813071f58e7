"""Engagements (上户), their binding codes, bindings, and which engagement a user works on now."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, bindparam, event, func, inspect, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.orm.util import identity_key

from bot.agency.codes import new_code, normalise_code
from bot.core.errors import BadRequest, Conflict, NotFound
from bot.diary import texts
from bot.diary.babies import BabyName
from bot.models import Agency, Baby, Binding, CurrentEngagement, Engagement, Worker

NURSE = "nurse"
PARENT = "parent"
MAX_ENGAGEMENT_DAYS = 366
MIN_DATE, MAX_DATE = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
DEFAULT_TZ = ZoneInfo("Asia/Shanghai")
MAX_BABIES = 4


class BabyLike(Protocol):
    """What the diary reads of a baby: a ``Baby`` row, or the ``BabyFacts`` a chat message's binding carries."""

    @property
    def id(self) -> int: ...
    @property
    def engagement_id(self) -> int: ...
    @property
    def position(self) -> int: ...
    @property
    def nickname(self) -> str | None: ...
    @property
    def sex(self) -> str | None: ...
    @property
    def born_at(self) -> dt.datetime | None: ...
    @property
    def born_on(self) -> dt.date | None: ...
    @property
    def gestation_weeks(self) -> int | None: ...
    @property
    def birth_weight_g(self) -> int | None: ...


class EngagementLike(Protocol):
    """What the diary reads of an engagement: an ``Engagement`` row, or the ``EngagementFacts`` of a binding.
    Its worker and agency are read by id (``session.get``) where a reply names them."""

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
class BabyFacts:
    id: int
    engagement_id: int
    position: int
    nickname: str | None
    sex: str | None
    born_at: dt.datetime | None
    born_on: dt.date | None
    gestation_weeks: int | None
    birth_weight_g: int | None


@dataclass(frozen=True, slots=True)
class EngagementFacts:
    id: int
    agency_id: int
    worker_id: int
    family_name: str
    baby_nickname: str | None
    starts_on: dt.date
    ends_on: dt.date
    baby_birth_date: dt.date | None
    birth_weight_g: int | None
    babies: tuple[BabyFacts, ...]


@dataclass(frozen=True, slots=True)
class BindingFacts:
    """A user's binding as a message reads it, with its engagement and babies: plain values, read in one query.

    Every chat message and mini-program call reads one; mapped objects for the binding, its engagement and each
    baby cost more than the query (the ORM's loading set-up on each execution). Writes go through ``Binding``.
    """

    id: int
    engagement_id: int
    openid: str
    role: str
    engagement: EngagementFacts


@dataclass(frozen=True)
class BabyFields:
    """A baby of an engagement: ``born_at`` is a moment (the hour of birth) or only the day."""

    nickname: str | None = None
    sex: str | None = None
    born_at: dt.datetime | dt.date | None = None
    gestation_weeks: int | None = None
    birth_weight_g: int | None = None

    def born_on(self, tz: ZoneInfo) -> dt.date | None:
        if isinstance(self.born_at, dt.datetime):
            return self.born_at.astimezone(tz).date()
        return self.born_at


def open_engagement(
    session: Session,
    agency: Agency,
    worker_id: int,
    starts_on: dt.date,
    ends_on: dt.date,
    family_name: str,
    baby_nickname: str | None = None,
    baby_birth_date: dt.date | None = None,
    birth_weight_g: int | None = None,
    babies: Sequence[BabyFields] | None = None,
    tz: ZoneInfo = DEFAULT_TZ,
) -> Engagement:
    """Open an engagement for one of the agency's workers, with a fresh nurse code and family code.

    ``babies`` lists each baby (twins: two); without it the engagement has one baby made of
    ``baby_nickname``, ``baby_birth_date`` and ``birth_weight_g``. The first baby is also summed up on
    the engagement's own columns, which the diary's age- and weight-dependent flags read.
    """
    if babies is not None:
        if not 1 <= len(babies) <= MAX_BABIES:
            raise BadRequest(f"宝宝应为1到{MAX_BABIES}个 (babies: 1-{MAX_BABIES})", code="invalid_field")
        if baby_nickname is not None or baby_birth_date is not None or birth_weight_g is not None:
            raise BadRequest("已填写 babies 时，不要再填写 baby_nickname、baby_birth_date、birth_weight_g "
                             "(give either babies or the single-baby fields)", code="invalid_field")
        for number, baby in enumerate(babies, 1):
            born_on = baby.born_on(tz)
            if born_on is not None and born_on > ends_on:
                raise BadRequest(f"第{number}个宝宝的出生日期不能晚于服务结束日期 (babies[{number - 1}].born_at after ends_on)",
                                 code="invalid_field")
        first = babies[0]
        baby_nickname, baby_birth_date, birth_weight_g = first.nickname, first.born_on(tz), first.birth_weight_g
    else:
        babies = [BabyFields(nickname=baby_nickname, born_at=baby_birth_date, birth_weight_g=birth_weight_g)]
    worker = session.get(Worker, worker_id)
    if worker is None or worker.agency_id != agency.id:
        raise NotFound(f"服务员 {worker_id} 不存在 (no such worker)", code="worker_not_found")
    if ends_on < starts_on:
        raise BadRequest("结束日期不能早于开始日期 (ends_on before starts_on)", code="invalid_field")
    if (ends_on - starts_on).days > MAX_ENGAGEMENT_DAYS:
        raise BadRequest(f"一次上户最长{MAX_ENGAGEMENT_DAYS}天 (engagement over {MAX_ENGAGEMENT_DAYS} days)",
                         code="invalid_field")
    if not MIN_DATE <= starts_on <= MAX_DATE:
        raise BadRequest("开始日期超出范围 (starts_on out of range)", code="invalid_field")
    if baby_birth_date is not None and baby_birth_date > ends_on:
        raise BadRequest("宝宝出生日期不能晚于服务结束日期 (baby_birth_date after ends_on)", code="invalid_field")
    nurse_code = new_code(session)
    family_code = new_code(session)
    while family_code == nurse_code:
        family_code = new_code(session)
    engagement = Engagement(
        agency_id=agency.id,
        worker_id=worker.id,
        family_name=family_name,
        baby_nickname=baby_nickname,
        starts_on=starts_on,
        ends_on=ends_on,
        baby_birth_date=baby_birth_date,
        birth_weight_g=birth_weight_g,
        nurse_code=nurse_code,
        family_code=family_code,
    )
    session.add(engagement)
    session.flush()
    for number, baby in enumerate(babies, 1):
        session.add(Baby(
            engagement_id=engagement.id, position=number, nickname=baby.nickname, sex=baby.sex,
            born_at=baby.born_at if isinstance(baby.born_at, dt.datetime) else None, born_on=baby.born_on(tz),
            gestation_weeks=baby.gestation_weeks, birth_weight_g=baby.birth_weight_g,
        ))
    session.flush()
    return engagement


def babies_of(session: Session, engagement_id: int) -> list[BabyLike]:
    """An engagement's babies in birth order (those read with the engagement when it is at hand)."""
    known = session.info.get(_FACTS, {}).get((_BABIES, engagement_id))
    if known is not None:
        return list(known)
    engagement = session.identity_map.get(identity_key(Engagement, engagement_id))
    if isinstance(engagement, Engagement) and "babies" in inspect(engagement).dict:
        return list(engagement.babies)
    return list(session.scalars(select(Baby).where(Baby.engagement_id == engagement_id).order_by(Baby.position)))


def baby_names(session: Session, engagement_id: int) -> list[BabyName]:
    """What a chat line may call each of an engagement's babies (``bot.diary.babies``), in birth order."""
    return [BabyName(b.id, b.position, b.nickname, b.sex) for b in babies_of(session, engagement_id)]


def bind(session: Session, openid: str, code: str, now: dt.datetime, tz: ZoneInfo = DEFAULT_TZ) -> Binding:
    """Bind ``openid`` with a nurse code (once) or a family code (until the engagement ends).

    Binding makes that engagement the user's current one. Binding again with the
    same code is harmless and returns the existing binding.
    """
    code = normalise_code(code)
    if not code:
        raise BadRequest(texts.BIND_USAGE, code="missing_code")
    engagement = session.scalar(
        select(Engagement).where(or_(Engagement.nurse_code == code, Engagement.family_code == code))
    )
    if engagement is None:
        raise NotFound(texts.BIND_UNKNOWN, code="unknown_code")
    role = NURSE if engagement.nurse_code == code else PARENT
    existing = session.scalar(select(Binding).where(Binding.engagement_id == engagement.id, Binding.openid == openid))
    if existing is not None:
        if existing.role != role:
            raise Conflict(texts.BIND_OTHER_ROLE.format(role=texts.ROLE_LABELS[existing.role]), code="other_role")
        _set_current(session, openid, engagement.id, now)
        return existing
    if now.astimezone(tz).date() > engagement.ends_on:
        raise Conflict(texts.BIND_EXPIRED.format(ends=engagement.ends_on.isoformat()), code="code_expired")
    if role == NURSE:
        # Spend the code with one conditional UPDATE: of concurrent binds, exactly one sees a row change
        # (MySQL re-reads the row after waiting for its lock; SQLite writes one at a time).
        spent = session.execute(
            update(Engagement)
            .where(Engagement.id == engagement.id, Engagement.nurse_code_used_at.is_(None))
            .values(nurse_code_used_at=now)
            .execution_options(synchronize_session=False)
        )
        if not getattr(spent, "rowcount", 0):
            session.refresh(engagement)
            same_user = session.scalar(
                select(Binding).where(Binding.engagement_id == engagement.id, Binding.openid == openid)
            )
            if same_user is not None:  # the same nurse's double tap, bound by the other copy
                _set_current(session, openid, engagement.id, now)
                return same_user
            raise Conflict(texts.BIND_USED, code="code_used")
        session.refresh(engagement)
    binding = Binding(engagement_id=engagement.id, openid=openid, role=role, bound_at=now)
    try:
        with session.begin_nested():
            session.add(binding)
    except IntegrityError:  # the same user bound concurrently (a double tap)
        binding = session.scalars(
            select(Binding).where(Binding.engagement_id == engagement.id, Binding.openid == openid)
        ).one()
    _set_current(session, openid, engagement.id, now)
    return binding


def _set_current(session: Session, openid: str, engagement_id: int, now: dt.datetime) -> None:
    _forget(session)
    current = session.get(CurrentEngagement, openid)
    if current is None:
        try:
            with session.begin_nested():
                session.add(CurrentEngagement(openid=openid, engagement_id=engagement_id, chosen_at=now))
            return
        except IntegrityError:
            current = session.get(CurrentEngagement, openid, populate_existing=True)
            assert current is not None
    current.engagement_id = engagement_id
    current.chosen_at = now


def bindings_of(session: Session, openid: str) -> list[Binding]:
    """Every engagement the user is bound to, oldest first (the numbering ``切换`` shows)."""
    return list(session.scalars(select(Binding).where(Binding.openid == openid).order_by(Binding.id)))


_MEMO = "anxin.current_binding"
_NO_BINDING = object()
# What a binding's read brought along, by (_BABIES, engagement_id) and (_ENGAGEMENT, engagement_id): kept until the
# transaction ends (a savepoint's end may undo a binding, never an engagement or its babies).
_FACTS = "anxin.engagement_facts"
_BABIES, _ENGAGEMENT = "babies", "engagement"


def _forget(session: Session) -> None:
    session.info.pop(_MEMO, None)


def _with_engagement(where: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
    """The binding ``where`` picks, with its engagement and the engagement's babies, in one plain join.

    Only the columns handling a message reads, as plain rows: PyMySQL parses every column's description on
    every query, and the codes and the rows' own timestamps are not read here.
    """
    return (
        select(Binding.id, Binding.engagement_id, Binding.openid, Binding.role,
               Engagement.agency_id, Engagement.worker_id, Engagement.family_name, Engagement.baby_nickname,
               Engagement.starts_on, Engagement.ends_on, Engagement.baby_birth_date, Engagement.birth_weight_g,
               Baby.id, Baby.position, Baby.nickname, Baby.sex, Baby.born_at, Baby.born_on, Baby.gestation_weeks,
               Baby.birth_weight_g)
        .join(Binding.engagement).outerjoin(Engagement.babies).where(where).order_by(Baby.position)
    )


def _facts(rows: Sequence[Any]) -> BindingFacts | None:
    """The binding of ``_with_engagement``'s rows (one a baby; one with no baby columns when there is none)."""
    if not rows:
        return None
    first = rows[0]
    babies = tuple(BabyFacts(r[12], r[1], r[13], r[14], r[15], r[16], r[17], r[18], r[19])
                   for r in rows if r[12] is not None)
    engagement = EngagementFacts(first[1], first[4], first[5], first[6], first[7], first[8], first[9], first[10],
                                 first[11], babies)
    return BindingFacts(first[0], first[1], first[2], first[3], engagement)


def _read_binding(session: Session, statement: Select[*tuple[Any, ...]], params: dict[str, Any]) -> BindingFacts | None:
    session.flush()  # read on the connection: what the session holds must be there
    found = _facts(session.connection().execute(statement, params).all())
    if found is not None:
        facts = session.info.setdefault(_FACTS, {})
        facts[(_BABIES, found.engagement_id)] = found.engagement.babies
        facts[(_ENGAGEMENT, found.engagement_id)] = found.engagement
    return found


def engagement_of(session: Session, engagement_id: int) -> EngagementLike | None:
    """An engagement to read: the one a binding of this transaction brought along, else its row."""
    known: EngagementFacts | None = session.info.get(_FACTS, {}).get((_ENGAGEMENT, engagement_id))
    if known is not None:
        return known
    return session.get(Engagement, engagement_id)


def _current_binding() -> Select[*tuple[Any, ...]]:
    chosen = (select(CurrentEngagement.engagement_id).where(CurrentEngagement.openid == bindparam("openid"))
              .scalar_subquery())
    # Picked by id in a subquery: the join below then reads one binding's rows.
    best = (select(Binding.id).where(Binding.openid == bindparam("openid"))
            .order_by((Binding.engagement_id == func.coalesce(chosen, 0)).desc(), Binding.id.desc())
            .limit(1).scalar_subquery())
    return _with_engagement(Binding.id == best)


# Built once: every chat message asks for it, and building it costs more than running it.
_CURRENT_BINDING = _current_binding()


def current_binding(session: Session, openid: str) -> BindingFacts | None:
    """The binding of the engagement the user works on now (the one chosen, else the newest).

    One query (the binding with its engagement and babies); kept for the rest of the transaction, since a chat
    message asks for it several times (roles, the handler, the entry's author check). Binding or switching
    forgets it, and so does the end of any transaction, savepoints included.
    """
    memo: dict[object, object] = session.info.setdefault(_MEMO, {})
    found = memo.get(openid)
    if found is None:
        found = _read_binding(session, _CURRENT_BINDING, {"openid": openid}) or _NO_BINDING
        _remember(session, openid, found)
    return found if isinstance(found, BindingFacts) else None


def _remember(session: Session, key: object, found: object) -> None:
    """Keep what was read for the rest of the transaction (forgotten when it, or a savepoint, ends)."""
    session.info.setdefault(_MEMO, {})[key] = found


# Listening on the class, once: listening on each request's session cost more than the rest of the memo.
@event.listens_for(Session, "after_transaction_end")
def _forget_on_end(session: Session, transaction: SessionTransaction) -> None:
    # A flush's own sub-transaction changes no binding; a savepoint's or the transaction's end may have.
    if transaction.nested or transaction.parent is None:
        _forget(session)
    if transaction.parent is None:
        session.info.pop(_FACTS, None)


def current_engagement(session: Session, openid: str) -> EngagementFacts | None:
    binding = current_binding(session, openid)
    return binding.engagement if binding is not None else None


def switch_engagement(session: Session, openid: str, number: int, now: dt.datetime) -> Binding:
    """Make the user's ``number``-th binding (1-based, as ``bindings_of`` lists them) the current one."""
    bindings = bindings_of(session, openid)
    if not bindings:
        raise NotFound(texts.NOT_BOUND, code="not_bound")
    if not 1 <= number <= len(bindings):
        raise BadRequest(texts.SWITCH_BAD.format(n=number), code="bad_number")
    binding = bindings[number - 1]
    _set_current(session, openid, binding.engagement_id, now)
    return binding


def role_in(session: Session, engagement_id: int, openid: str) -> str | None:
    """The role ``openid`` holds in an engagement, or None for a stranger."""
    memo = session.info.get(_MEMO, {})
    known = memo.get(openid)
    if isinstance(known, BindingFacts) and known.engagement_id == engagement_id:
        return known.role  # the binding this transaction already read
    known = memo.get((engagement_id, openid))
    if isinstance(known, BindingFacts):
        return known.role
    return session.scalar(select(Binding.role).where(Binding.engagement_id == engagement_id, Binding.openid == openid))


_BINDING_IN = _with_engagement(
    (Binding.engagement_id == bindparam("engagement_id")) & (Binding.openid == bindparam("openid")))


def binding_in(session: Session, engagement_id: int, openid: str) -> BindingFacts | None:
    """``openid``'s binding to one engagement, with the engagement and its babies: one query, kept for the
    transaction like ``current_binding`` (``role_in`` then asks nothing more)."""
    found = _read_binding(session, _BINDING_IN, {"engagement_id": engagement_id, "openid": openid})
    if found is not None:
        _remember(session, (engagement_id, openid), found)
    return found


def agency_name(session: Session, engagement: EngagementLike) -> str:
    """The name of the engagement's agency (a reply that names it; the binding carries only its id)."""
    agency = session.get(Agency, engagement.agency_id)
    assert agency is not None  # a foreign key
    return agency.name


def worker_name(session: Session, engagement: EngagementLike) -> str:
    """The name of the engagement's worker (the agency's notice of a flag names her)."""
    worker = session.get(Worker, engagement.worker_id)
    assert worker is not None  # a foreign key
    return worker.name


def parents_of(session: Session, engagement_id: int) -> list[str]:
    return list(session.scalars(
        select(Binding.openid).where(Binding.engagement_id == engagement_id, Binding.role == PARENT).order_by(Binding.id)
    ))
