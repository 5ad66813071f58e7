"""Engagements (上户), their binding codes, bindings, and which engagement a user works on now.

A request reads its sender's binding once (``bot.diary.refs``); this module writes them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.agency.codes import new_code, normalise_code
from bot.core.errors import BadRequest, Conflict, Forbidden, NotFound
from bot.diary import texts
from bot.models import Agency, Baby, Binding, CurrentEngagement, Engagement, Worker

NURSE = "nurse"
PARENT = "parent"
MAX_ENGAGEMENT_DAYS = 366
MIN_DATE, MAX_DATE = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
DEFAULT_TZ = ZoneInfo("Asia/Shanghai")
MAX_BABIES = 4


@dataclass(frozen=True)
class BabyFields:
    """A baby to register with a new engagement (what ``open_engagement`` writes; the diary reads ``BabyRef``):
    ``born_at`` is a moment (the hour of birth) or only the day."""

    nickname: str | None = None
    sex: str | None = None
    born_at: dt.datetime | dt.date | None = None
    gestation_weeks: int | None = None
    birth_weight_g: int | None = None
    # AAP 2022 neurotoxicity risk factors: () when the agency said none, None when not known.
    risk_factors: tuple[str, ...] | None = None

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
            risk_factors=None if baby.risk_factors is None else ",".join(baby.risk_factors),
        ))
    session.flush()
    return engagement


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


# Who a family member says they are to the baby: a few characters of words, no digits or signs (妈妈, 奶奶, 小姨).
RELATION = re.compile(r"[\u4e00-\u9fff]{1,8}")


def set_relation(session: Session, binding_id: int, said: str) -> Binding:
    """Keep who a family member is to the baby (``妈妈``, ``爷爷`` …): how their ratings and their family name them."""
    relation = said.strip()
    if not RELATION.fullmatch(relation):
        raise BadRequest(texts.RELATION_BAD, code="invalid_relation")
    binding = session.get(Binding, binding_id)
    if binding is None or binding.role != PARENT:
        raise Forbidden(texts.RELATION_NOT_PARENT, code="not_parent")
    binding.relation = relation
    return binding


def _set_current(session: Session, openid: str, engagement_id: int, now: dt.datetime) -> None:
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
    """The role ``openid`` holds in an engagement, or None for a stranger (for a request that has not read its
    binding: one that has asks its ``BindingRef``)."""
    return session.scalar(select(Binding.role).where(Binding.engagement_id == engagement_id, Binding.openid == openid))


def parents_of(session: Session, engagement_id: int) -> list[str]:
    return list(session.scalars(
        select(Binding.openid).where(Binding.engagement_id == engagement_id, Binding.role == PARENT).order_by(Binding.id)
    ))
