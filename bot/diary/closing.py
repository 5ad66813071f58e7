"""The end of an engagement (下户): the family's final evaluation, the request for it, and the follow-up visit (回访).

GB/T 31771-2024 6.4 (服务结束及回访). When an engagement's last day has passed, every bound family member is asked
once, through the outbox, for a final evaluation: 1–5 stars on each dimension of ``data/evaluation.yaml`` and a
comment. They answer in chat (``评价 5 5 4 5 很细心``) or the mini-program, from the last day of service until
``EVALUATE_WITHIN`` after it. The agency then schedules a follow-up visit and records what came of it, with the
family's satisfaction. Both count in the worker's credit grade (``bot.lookup.credit``).

Domain code: takes a session and plain values.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.errors import BadRequest, Conflict, Forbidden, NotFound
from bot.diary import texts
from bot.diary.engagements import PARENT
from bot.diary.refs import EngagementLike
from bot.models import Binding, Engagement, FinalEvaluation, FollowUpVisit, Notification, Worker
from bot.outbox import cards
from bot.outbox.queue import enqueue

PATH = Path(__file__).with_name("data") / "evaluation.yaml"
# From the last day of service, for this long, a family member may give (or change) their final evaluation.
EVALUATE_WITHIN = dt.timedelta(days=30)
# The job asks the families of engagements that ended within this many days (a scheduler that was down catches up;
# an engagement that ended long before this feature existed is not asked out of the blue).
ASK_WITHIN = dt.timedelta(days=7)
MAX_COMMENT = 200
MAX_OUTCOME = 1000
# A follow-up visit is planned at most this long after the engagement ended.
FOLLOW_UP_WITHIN = dt.timedelta(days=90)
KIND = "evaluation"  # the notification kind of the request
CHANNELS = ("chat", "miniprogram")


class _Dimension(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,32}$")]
    label: Annotated[str, StringConstraints(min_length=2, max_length=8)]
    hint: Annotated[str, StringConstraints(min_length=2, max_length=40)]


class _EvaluationData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    dimensions: Annotated[list[_Dimension], Field(min_length=1, max_length=8)]
    satisfaction: dict[int, Annotated[str, StringConstraints(min_length=1, max_length=8)]]

    @field_validator("dimensions")
    @classmethod
    def _unique(cls, dimensions: list[_Dimension]) -> list[_Dimension]:
        keys = [d.key for d in dimensions]
        if len(set(keys)) != len(keys):
            raise ValueError(f"dimension keys repeat: {keys}")
        return dimensions

    @field_validator("satisfaction")
    @classmethod
    def _one_to_five(cls, satisfaction: dict[int, str]) -> dict[int, str]:
        if sorted(satisfaction) != [1, 2, 3, 4, 5]:
            raise ValueError("satisfaction names each of 1..5")
        return satisfaction


@dataclass(frozen=True)
class Dimension:
    """One aspect of the service the family gives stars on."""

    key: str
    label: str
    hint: str


def _load(path: Path = PATH) -> tuple[tuple[Dimension, ...], dict[int, str]]:
    data = _EvaluationData.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    return tuple(Dimension(d.key, d.label, d.hint) for d in data.dimensions), dict(sorted(data.satisfaction.items()))


DIMENSIONS, SATISFACTION = _load()
DIMENSION_KEYS = tuple(d.key for d in DIMENSIONS)

# -- what the family reads (Simplified Chinese) -----------------------------------------------------------------
_EXAMPLE = " ".join(["5"] * len(DIMENSIONS))
DIMENSION_LIST = "、".join(f"{i}.{d.label}" for i, d in enumerate(DIMENSIONS, 1))
REQUEST = (
    "{family}的母婴护理服务已于{ends}结束，辛苦您和家人了！\n"
    "请为月嫂{worker}的服务做个总体评价，按顺序给每项打1–5星：\n{dimensions}\n"
    "直接回复，例如：评价 {example} 很细心，谢谢\n"
    "只打一个分也可以（每项同分）：评价 5\n"
    "您的评价会帮助家政公司做好回访，也计入月嫂的信用等级。"
)
GUIDE = ("请按顺序给每项打1–5星，再写一句话：\n{dimensions}\n例如：评价 {example} 很细心\n"
         "只打一个分也可以（每项同分）：评价 5")
USAGE = "请在“评价”后面写星级，例如：评价 {example} 很细心（{count}项依次为：{labels}）"
WRONG_COUNT = ("您打了{given}个分，需要{count}个（依次为：{labels}），或只打一个分表示每项同分。"
               "例如：评价 {example} 很细心")
OUT_OF_RANGE = "每项只能打1到5星，“{value}”不行。例如：评价 {example} 很细心"
COMMENT_TOO_LONG = "评语最多{max}个字，请精简后再发。"
NOT_PARENT = "只有家人可以评价月嫂的服务。"
NOT_ENDED = "服务还没有结束（{ends}下户），结束后我们会请您做总体评价。平时可以发送“评分 5”为当天打分。"
TOO_LATE = "服务已于{ends}结束，总体评价只在结束后{days}天内可以填写。如有意见，请直接联系家政公司。"
THANKS = "谢谢您的评价！\n{lines}{comment}\n家政公司会安排回访。"
REPLACED = "（已更新您之前的评价）"
MINE = "您已评价：\n{lines}{comment}\n如需修改，重新发送即可，例如：评价 {example}"
CARD_SUBJECT = "请为{family}的月嫂服务评价"
CARD_LEVEL = "服务评价"
CARD_HINT = "回复 评价 {example} 即可"
NO_SUCH_DIMENSION = "没有这一项：{key}（可评价的项：{labels}）"
MISSING_DIMENSION = "缺少这一项的星级：{label}"


def labels() -> str:
    return "、".join(d.label for d in DIMENSIONS)


def star_lines(stars: Mapping[str, int]) -> str:
    """One line a dimension: 服务态度 ★★★★★."""
    return "\n".join(f"{d.label} {'★' * stars[d.key]}{'☆' * (5 - stars[d.key])}" for d in DIMENSIONS if d.key in stars)


# -- reading what a parent typed --------------------------------------------------------------------------------
# ``\d`` is any decimal digit, full-width ones too (int() reads them); the comment is kept as typed.
_LEADING_STARS = re.compile(r"\s*((?:\d+\s*(?:星|分)?[\s,，、/／]*)+)(.*)", re.DOTALL)
_NUMBER = re.compile(r"\d+")


def read_typed(text: str) -> tuple[dict[str, int], str | None]:
    """The stars and comment of what follows ``评价``: one number for every dimension or one number each, in order
    (``5 5 4 5``, ``5,5,4,5``, ``5545``), then the comment. Raises BadRequest with what to type instead."""
    match = _LEADING_STARS.fullmatch(text.strip())
    fill = {"example": _EXAMPLE, "count": len(DIMENSIONS), "labels": labels()}
    if not match:
        raise BadRequest(USAGE.format(**fill), code="missing_stars")
    numbers = [unicodedata.normalize("NFKC", n) for n in _NUMBER.findall(match.group(1))]
    if len(numbers) == 1 and len(numbers[0]) == len(DIMENSIONS) > 1:  # typed together: 5545
        numbers = list(numbers[0])
    for number in numbers:
        if not 1 <= int(number) <= 5:
            raise BadRequest(OUT_OF_RANGE.format(value=number, **fill), code="stars_out_of_range")
    values = [int(n) for n in numbers]
    if len(values) == 1:
        values = values * len(DIMENSIONS)
    if len(values) != len(DIMENSIONS):
        raise BadRequest(WRONG_COUNT.format(given=len(values), **fill), code="wrong_number_of_stars")
    comment = match.group(2).strip().lstrip(",，、:：。").strip() or None
    return dict(zip(DIMENSION_KEYS, values, strict=True)), comment


# -- the evaluation ---------------------------------------------------------------------------------------------
def check_stars(stars: Mapping[str, object]) -> dict[str, int]:
    """Every dimension given once, each 1–5 (the mini-program sends them by key)."""
    unknown = [k for k in stars if k not in DIMENSION_KEYS]
    if unknown:
        raise BadRequest(NO_SUCH_DIMENSION.format(key=unknown[0], labels=labels()), code="unknown_dimension")
    checked: dict[str, int] = {}
    for d in DIMENSIONS:
        value = stars.get(d.key)
        if value is None:
            raise BadRequest(MISSING_DIMENSION.format(label=d.label), code="missing_dimension")
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise BadRequest(OUT_OF_RANGE.format(value=value, example=_EXAMPLE), code="stars_out_of_range")
        checked[d.key] = value
    return checked


def window(engagement: EngagementLike) -> tuple[dt.date, dt.date]:
    """The days a final evaluation may be given: the last day of service to ``EVALUATE_WITHIN`` after it."""
    return engagement.ends_on, engagement.ends_on + EVALUATE_WITHIN


def evaluate(
    session: Session, engagement: EngagementLike, openid: str, role: str | None, stars: Mapping[str, object],
    comment: str | None, now: dt.datetime, tz: ZoneInfo, channel: str,
) -> tuple[FinalEvaluation, bool]:
    """A family member's final evaluation of the engagement; evaluating again replaces only their own.

    ``role``: the member's, from the binding the caller read. Returns the evaluation and whether it replaced one.
    Nothing is written on any refusal.
    """
    if role != PARENT:
        raise Forbidden(NOT_PARENT, code="not_parent")
    today = now.astimezone(tz).date()
    opens, closes = window(engagement)
    if today < opens:
        raise Conflict(NOT_ENDED.format(ends=engagement.ends_on.isoformat()), code="not_ended")
    if today > closes:
        raise Conflict(TOO_LATE.format(ends=engagement.ends_on.isoformat(), days=EVALUATE_WITHIN.days),
                       code="evaluation_closed")
    checked = check_stars(stars)
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > MAX_COMMENT:
        raise BadRequest(COMMENT_TOO_LONG.format(max=MAX_COMMENT), code="comment_too_long")
    average = round(sum(checked.values()) / len(checked), 2)
    mine = (FinalEvaluation.engagement_id == engagement.id, FinalEvaluation.openid == openid)
    found = session.scalar(select(FinalEvaluation).where(*mine).with_for_update())
    if found is None:
        found = FinalEvaluation(engagement_id=engagement.id, openid=openid, stars=checked, average=average,
                                comment=comment, channel=channel, at=now)
        try:
            with session.begin_nested():
                session.add(found)
            return found, False
        except IntegrityError:  # the same member from two phones at once
            found = session.scalars(select(FinalEvaluation).where(*mine)).one()
    found.stars, found.average, found.comment, found.channel, found.at = checked, average, comment, channel, now
    return found, True


def evaluation_of(session: Session, engagement_id: int, openid: str) -> FinalEvaluation | None:
    return session.scalar(select(FinalEvaluation).where(FinalEvaluation.engagement_id == engagement_id,
                                                        FinalEvaluation.openid == openid))


def thanks(evaluation: FinalEvaluation, replaced: bool) -> str:
    comment = f"\n评语：{evaluation.comment}" if evaluation.comment else ""
    return THANKS.format(lines=star_lines(evaluation.stars), comment=comment) + (REPLACED if replaced else "")


def already(evaluation: FinalEvaluation) -> str:
    comment = f"\n评语：{evaluation.comment}" if evaluation.comment else ""
    return MINE.format(lines=star_lines(evaluation.stars), comment=comment, example=_EXAMPLE)


def guide() -> str:
    return GUIDE.format(dimensions=DIMENSION_LIST, example=_EXAMPLE)


# -- asking the family, once ------------------------------------------------------------------------------------
def request_text(family_name: str, ends_on: dt.date, worker_name: str) -> str:
    return REQUEST.format(family=family_name, ends=f"{ends_on.month}月{ends_on.day}日", worker=worker_name,
                          dimensions=DIMENSION_LIST, example=_EXAMPLE)


def request_key(engagement_id: int, openid: str) -> str:
    return f"{KIND}:{engagement_id}:{openid}"


def queue_requests(session: Session, today: dt.date, tz: ZoneInfo, now: dt.datetime) -> dict[str, int]:
    """Ask every bound family member of every engagement that ended (its last day before ``today``, within
    ``ASK_WITHIN``) for a final evaluation: once each (the notification's key), never one who already gave it."""
    counts = {"engagements": 0, "queued": 0}
    rows = session.execute(
        select(Engagement.id, Engagement.family_name, Engagement.baby_nickname, Engagement.ends_on, Worker.name,
               Binding.openid)
        .join(Worker, Worker.id == Engagement.worker_id)
        .join(Binding, (Binding.engagement_id == Engagement.id) & (Binding.role == PARENT))
        .where(Engagement.ends_on < today, Engagement.ends_on >= today - ASK_WITHIN)
        .order_by(Engagement.id, Binding.id)
    ).all()
    if not rows:
        return counts
    ids = sorted({r.id for r in rows})
    asked = set(session.scalars(select(Notification.key).where(
        Notification.key.in_([request_key(r.id, r.openid) for r in rows]))))
    evaluated = {(e, o) for e, o in session.execute(select(FinalEvaluation.engagement_id, FinalEvaluation.openid)
                                                    .where(FinalEvaluation.engagement_id.in_(ids)))}
    counts["engagements"] = len(ids)
    for row in rows:
        key = request_key(row.id, row.openid)
        if key in asked or (row.id, row.openid) in evaluated:
            continue
        card = cards.card("digest", CARD_SUBJECT.format(family=row.baby_nickname or row.family_name), CARD_LEVEL,
                          now.astimezone(tz), hint=CARD_HINT.format(example=_EXAMPLE), day=row.ends_on,
                          engagement_id=row.id)
        queued = enqueue(session, key=key, openid=row.openid, kind=KIND,
                         text=request_text(row.family_name, row.ends_on, row.name), template=card, now=now)
        counts["queued"] += queued is not None
    return counts


# -- the follow-up visit (回访) ----------------------------------------------------------------------------------
FOLLOW_UP_STATES = ("due", "scheduled", "done")


@dataclass(frozen=True)
class FollowUp:
    """An ended engagement as the follow-up list shows it: its visit, if any, and the family's evaluations."""

    engagement: Engagement
    worker_name: str
    visit: FollowUpVisit | None
    evaluations: list[FinalEvaluation]
    members: dict[str, str]  # openid -> how the family member is named (家人1 … by the order they bound, as ratings)

    def member(self, evaluation: FinalEvaluation) -> str:
        return self.members.get(evaluation.openid, texts.FORMER_MEMBER)

    def averages(self) -> dict[str, float]:
        """Each dimension's mean over the family's evaluations that gave it (one given before a dimension was added
        to the data file has none for it)."""
        means = {}
        for d in DIMENSIONS:
            given = [int(e.stars[d.key]) for e in self.evaluations if d.key in e.stars]
            if given:
                means[d.key] = round(sum(given) / len(given), 1)
        return means


LIST_LIMIT = 200


def follow_ups(session: Session, agency_id: int, state: str, today: dt.date, limit: int = LIST_LIMIT) -> list[FollowUp]:
    """The agency's ended engagements by follow-up state: ``due`` (none planned yet, longest ended first),
    ``scheduled`` (planned, soonest first), ``done`` (latest first)."""
    if state not in FOLLOW_UP_STATES:
        raise BadRequest("未知的回访状态 (state: due | scheduled | done)", code="invalid_field")
    query = (select(Engagement, Worker.name, FollowUpVisit)
             .join(Worker, Worker.id == Engagement.worker_id)
             .outerjoin(FollowUpVisit, FollowUpVisit.engagement_id == Engagement.id)
             .where(Engagement.agency_id == agency_id, Engagement.ends_on < today))
    if state == "due":
        query = query.where(FollowUpVisit.id.is_(None)).order_by(Engagement.ends_on, Engagement.id)
    elif state == "scheduled":
        query = query.where(FollowUpVisit.id.is_not(None), FollowUpVisit.done_at.is_(None)).order_by(
            FollowUpVisit.scheduled_for, Engagement.id)
    else:
        query = query.where(FollowUpVisit.done_at.is_not(None)).order_by(FollowUpVisit.done_at.desc())
    found = session.execute(query.limit(limit)).all()
    evaluations, members = _family_words(session, [e.id for e, _, _ in found])
    return [FollowUp(e, name, visit, evaluations.get(e.id, []), members.get(e.id, {})) for e, name, visit in found]


def _family_words(session: Session, engagement_ids: list[int]
                  ) -> tuple[dict[int, list[FinalEvaluation]], dict[int, dict[str, str]]]:
    """The final evaluations of the engagements, and how each family member is named (as their daily ratings)."""
    evaluations: dict[int, list[FinalEvaluation]] = {}
    members: dict[int, dict[str, str]] = {}
    if not engagement_ids:
        return evaluations, members
    for evaluation in session.scalars(select(FinalEvaluation).where(FinalEvaluation.engagement_id.in_(engagement_ids))
                                      .order_by(FinalEvaluation.id)):
        evaluations.setdefault(evaluation.engagement_id, []).append(evaluation)
    for engagement_id, openid in session.execute(
            select(Binding.engagement_id, Binding.openid)
            .where(Binding.engagement_id.in_(engagement_ids), Binding.role == PARENT).order_by(Binding.id)):
        named = members.setdefault(engagement_id, {})
        named[openid] = texts.FAMILY_MEMBER.format(n=len(named) + 1)
    return evaluations, members


def follow_up_of(session: Session, agency_id: int, engagement_id: int) -> FollowUp | None:
    """One engagement of the agency with its visit and evaluations (None: not the agency's)."""
    row = session.execute(
        select(Engagement, Worker.name, FollowUpVisit).join(Worker, Worker.id == Engagement.worker_id)
        .outerjoin(FollowUpVisit, FollowUpVisit.engagement_id == Engagement.id)
        .where(Engagement.id == engagement_id, Engagement.agency_id == agency_id)
    ).first()
    if row is None:
        return None
    evaluations, members = _family_words(session, [engagement_id])
    return FollowUp(row[0], row[1], row[2], evaluations.get(engagement_id, []), members.get(engagement_id, {}))


def _agency_engagement(session: Session, agency_id: int, engagement_id: int) -> Engagement:
    engagement = session.get(Engagement, engagement_id)
    if engagement is None or engagement.agency_id != agency_id:
        raise NotFound("没有这一户 (no such engagement)", code="engagement_not_found")
    return engagement


def _visit(session: Session, engagement_id: int) -> FollowUpVisit | None:
    return session.scalar(select(FollowUpVisit).where(FollowUpVisit.engagement_id == engagement_id).with_for_update())


def schedule_follow_up(session: Session, agency_id: int, engagement_id: int, on: dt.date, staff_id: int | None,
                       today: dt.date) -> FollowUpVisit:
    """Plan the follow-up visit of an engagement for ``on`` (planning again moves it) until it is recorded."""
    engagement = _agency_engagement(session, agency_id, engagement_id)
    if on < max(today, engagement.ends_on):
        raise BadRequest(f"回访日期不能早于今天和下户日期（{max(today, engagement.ends_on)}）", code="invalid_date")
    if on > engagement.ends_on + FOLLOW_UP_WITHIN:
        raise BadRequest(f"回访应在下户后{FOLLOW_UP_WITHIN.days}天内（{engagement.ends_on + FOLLOW_UP_WITHIN}前）",
                         code="invalid_date")
    visit = _visit(session, engagement.id)
    if visit is not None and visit.done_at is not None:
        raise Conflict("这一户的回访已经记录，不能再改日期", code="already_done")
    if visit is None:
        visit = FollowUpVisit(engagement_id=engagement.id, scheduled_for=on, scheduled_by=staff_id)
        session.add(visit)
    else:
        visit.scheduled_for, visit.scheduled_by = on, staff_id
    session.flush()
    return visit


def record_follow_up(session: Session, agency_id: int, engagement_id: int, outcome: str, satisfaction: int | None,
                     staff_id: int | None, now: dt.datetime, tz: ZoneInfo) -> FollowUpVisit:
    """Record the follow-up visit's outcome and the family's satisfaction (1–5), once; a visit made without
    being planned (a call on the spot) is planned for the day it was made."""
    engagement = _agency_engagement(session, agency_id, engagement_id)
    today = now.astimezone(tz).date()
    if today < engagement.ends_on:
        raise Conflict(f"服务还没有结束（{engagement.ends_on}下户），结束后再回访", code="not_ended")
    outcome = (outcome or "").strip()
    if not outcome:
        raise BadRequest("请填写回访情况", code="missing_field")
    if len(outcome) > MAX_OUTCOME:
        raise BadRequest(f"回访情况最多{MAX_OUTCOME}个字", code="invalid_field")
    if satisfaction not in SATISFACTION:
        raise BadRequest("请选择家人的满意度", code="invalid_field")
    visit = _visit(session, engagement.id)
    if visit is not None and visit.done_at is not None:
        raise Conflict("这一户的回访已经记录过了", code="already_done")
    if visit is None:
        visit = FollowUpVisit(engagement_id=engagement.id, scheduled_for=today, scheduled_by=staff_id)
        session.add(visit)
    visit.done_at, visit.done_by, visit.outcome, visit.satisfaction = now, staff_id, outcome, satisfaction
    session.flush()
    return visit
