"""The credit grade (信用等级): 1 to 5 stars from verifications, ratings, complaints, and how engagements closed
(the family's final evaluations and the agency's follow-up visits).

Deterministic, and every point it gives or takes is a reason the worker can read
(PIPL art. 24: the right to an explanation of an automated decision). The formula
is written down in docs/lookup.md; keep the two in step.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, bindparam, exists, func, select
from sqlalchemy.orm import QueryableAttribute, Session

from bot.core.clock import utcnow
from bot.models import (
    VERIFICATION_KINDS,
    Complaint,
    Engagement,
    FinalEvaluation,
    FollowUpVisit,
    Rating,
    Verification,
    Worker,
    WorkerPhoto,
)

BASE_POINTS = 40
POINTS_PER_CHECK = 6  # each of the six checks currently valid
POINTS_PER_FAILED_CHECK = -10
MIN_RATINGS = 3
POINTS_PER_STAR_ABOVE_3 = 10  # (average - 3) * 10, from -20 to +20
POINTS_PER_ENGAGEMENT = 2
MAX_ENGAGEMENT_POINTS = 10
POINTS_PER_OPEN_COMPLAINT = -8
POINTS_PER_ANSWERED_COMPLAINT = -3
# The family's considered word on a whole engagement (GB/T 31771-2024 6.4): counted from the first one.
POINTS_PER_FINAL_STAR_ABOVE_3 = 10  # (average of the evaluations' own averages - 3) * 10, from -20 to +20
POINTS_PER_SATISFACTION_ABOVE_3 = 5  # (average satisfaction found by follow-up visits - 3) * 5, from -10 to +10
GRADE_FLOORS = ((85, 5), (70, 4), (55, 3), (40, 2))  # score at least → stars
GRADE_CAP_WITHOUT_IDENTITY = 2

KIND_LABELS = {
    "identity": "实名认证",
    "health": "健康证",
    "no_criminal_record": "无犯罪记录证明",
    "training_exam": "岗前培训考核",
    "vocational_cert": "职业技能证书",
    "insurance": "保险",
}


@dataclass(frozen=True)
class CheckState:
    kind: str
    state: str  # verified | expired | pending | failed | missing
    checked_on: dt.date | None
    expires_on: dt.date | None


@dataclass(frozen=True)
class RatingSummary:
    average: float | None
    count: int


@dataclass(frozen=True)
class ComplaintSummary:
    total: int
    answered: int


@dataclass(frozen=True)
class ClosingSummary:
    """How the worker's engagements closed: the families' final evaluations and the follow-up visits' satisfaction."""

    evaluation_average: float | None = None
    evaluations: int = 0
    satisfaction_average: float | None = None
    follow_ups: int = 0


@dataclass(frozen=True)
class Credit:
    grade: int
    score: int
    reasons: list[str]


def check_states(session: Session, worker_id: int, today: dt.date) -> dict[str, CheckState]:
    """The check in force of each kind (the newest row), as the employer may see it."""
    session.flush()  # plain rows, read on the connection: a check changed in this session counts
    # The newest of each kind last.
    newest = {row.kind: row for row in session.connection().execute(_CHECKS_OF, {"worker_id": worker_id})}
    states = {}
    for kind in VERIFICATION_KINDS:
        found = newest.get(kind)
        if found is None:
            states[kind] = CheckState(kind, "missing", None, None)
            continue
        _, status, checked_on, expires_on = found
        if status != "verified":  # pending | failed
            states[kind] = CheckState(kind, status, checked_on, expires_on)
            continue
        expired = expires_on is not None and expires_on < today
        states[kind] = CheckState(kind, "expired" if expired else "verified", checked_on, expires_on)
    return states


def record_columns(worker_id: ColumnElement[int] | QueryableAttribute[int]) -> list[ColumnElement[Any]]:
    """Ratings (average, count), engagements served by ``:today``, complaints (total, answered) and whether a
    photo is on file, as six named scalar subqueries of ``worker_id``: a bind parameter, or the column of a worker
    the enclosing query reads (the badge look-up asks them with the badge, in one round trip)."""
    def of_ratings(aggregate: ColumnElement[Any]) -> ColumnElement[Any]:
        return (select(aggregate).join(Engagement, Engagement.id == Rating.engagement_id)
                .where(Engagement.worker_id == worker_id).scalar_subquery())

    return [
        of_ratings(func.avg(Rating.stars)).label("rating_average"),
        of_ratings(func.count(Rating.id)).label("rating_count"),
        select(func.count(Engagement.id)).where(Engagement.worker_id == worker_id,
                                                Engagement.starts_on <= bindparam("today")).scalar_subquery()
        .label("engagements_served"),
        select(func.count(Complaint.id)).where(Complaint.worker_id == worker_id).scalar_subquery()
        .label("complaints_total"),
        select(func.count(Complaint.responded_at)).where(Complaint.worker_id == worker_id).scalar_subquery()
        .label("complaints_answered"),
        exists().where(WorkerPhoto.worker_id == worker_id).label("has_photo"),
    ]


def closing_columns(worker_id: ColumnElement[int] | QueryableAttribute[int]) -> list[ColumnElement[Any]]:
    """The families' final evaluations (average, count) and the follow-up visits' satisfaction (average, count) of
    the worker's engagements, as four named scalar subqueries of ``worker_id`` (as ``record_columns``)."""
    def of_evaluations(aggregate: ColumnElement[Any]) -> ColumnElement[Any]:
        return (select(aggregate).join(Engagement, Engagement.id == FinalEvaluation.engagement_id)
                .where(Engagement.worker_id == worker_id).scalar_subquery())

    def of_visits(aggregate: ColumnElement[Any]) -> ColumnElement[Any]:
        return (select(aggregate).join(Engagement, Engagement.id == FollowUpVisit.engagement_id)
                .where(Engagement.worker_id == worker_id, FollowUpVisit.done_at.is_not(None)).scalar_subquery())

    return [
        of_evaluations(func.avg(FinalEvaluation.average)).label("evaluation_average"),
        of_evaluations(func.count(FinalEvaluation.id)).label("evaluation_count"),
        of_visits(func.avg(FollowUpVisit.satisfaction)).label("satisfaction_average"),
        of_visits(func.count(FollowUpVisit.satisfaction)).label("satisfaction_count"),
    ]


def read_closing(row: Row[*tuple[Any, ...]]) -> ClosingSummary:
    """The columns of ``closing_columns`` in ``row``, by name."""
    evaluations, satisfaction = row.evaluation_average, row.satisfaction_average
    return ClosingSummary(
        round(float(evaluations), 1) if evaluations is not None else None, int(row.evaluation_count or 0),
        round(float(satisfaction), 1) if satisfaction is not None else None, int(row.satisfaction_count or 0),
    )


def read_record(row: Row[*tuple[Any, ...]]) -> tuple[RatingSummary, int, ComplaintSummary, bool]:
    """The columns of ``record_columns`` in ``row``, by name, as ratings, engagements served, complaints and photo."""
    average = row.rating_average
    ratings = RatingSummary(round(float(average), 1) if average is not None else None, int(row.rating_count or 0))
    complaints = ComplaintSummary(int(row.complaints_total or 0), int(row.complaints_answered or 0))
    return ratings, int(row.engagements_served or 0), complaints, bool(row.has_photo)


_CHECK = Verification.__table__.c
# Built once: building them costs more than running them. A badge look-up reads the record with the badge
# (``bot.lookup.profile``); the credit computation reads it here.
_WORKER_RECORD = select(*record_columns(bindparam("worker_id")), *closing_columns(bindparam("worker_id")))
# Plain rows of what the employer may see of each check: no ORM objects of the encrypted document columns.
_CHECKS_OF = (select(_CHECK.kind, _CHECK.status, _CHECK.checked_on, _CHECK.expires_on)
              .where(_CHECK.worker_id == bindparam("worker_id")).order_by(_CHECK.id))


def worker_record(session: Session, worker_id: int, today: dt.date
                  ) -> tuple[RatingSummary, int, ComplaintSummary, bool, ClosingSummary]:
    """Ratings, engagements served, complaints, whether a photo is on file and how engagements closed: one query of
    ``record_columns`` and ``closing_columns``."""
    row = session.execute(_WORKER_RECORD, {"worker_id": worker_id, "today": today}).one()
    return (*read_record(row), read_closing(row))


def grade_for(
    checks: dict[str, CheckState], ratings: RatingSummary, served: int, complaints: ComplaintSummary,
    closing: ClosingSummary | None = None,
) -> Credit:
    """Apply the formula of docs/lookup.md to what is known of the worker."""
    score = BASE_POINTS
    reasons = [f"基础分 {BASE_POINTS}"]
    valid = [k for k, c in checks.items() if c.state == "verified"]
    if valid:
        points = POINTS_PER_CHECK * len(valid)
        score += points
        reasons.append(f"{len(valid)}/6 项核验有效：{'、'.join(KIND_LABELS[k] for k in valid)}（+{points}）")
    failed = [k for k, c in checks.items() if c.state == "failed"]
    if failed:
        points = POINTS_PER_FAILED_CHECK * len(failed)
        score += points
        reasons.append(f"{len(failed)} 项核验未通过：{'、'.join(KIND_LABELS[k] for k in failed)}（{points}）")
    if ratings.count >= MIN_RATINGS and ratings.average is not None:
        points = round((ratings.average - 3) * POINTS_PER_STAR_ABOVE_3)
        score += points
        reasons.append(f"雇主评分平均 {ratings.average:.1f} 星，共 {ratings.count} 次（{points:+d}）")
    else:
        reasons.append(f"评分不足 {MIN_RATINGS} 次（{ratings.count} 次），不计入（+0）")
    if served:
        points = min(POINTS_PER_ENGAGEMENT * served, MAX_ENGAGEMENT_POINTS)
        score += points
        reasons.append(f"已服务 {served} 户（+{points}）")
    open_complaints = complaints.total - complaints.answered
    if open_complaints:
        points = POINTS_PER_OPEN_COMPLAINT * open_complaints
        score += points
        reasons.append(f"{open_complaints} 条投诉尚未处理（{points}）")
    if complaints.answered:
        points = POINTS_PER_ANSWERED_COMPLAINT * complaints.answered
        score += points
        reasons.append(f"{complaints.answered} 条投诉已处理（{points}）")
    closing = closing or ClosingSummary()
    if closing.evaluations and closing.evaluation_average is not None:
        points = round((closing.evaluation_average - 3) * POINTS_PER_FINAL_STAR_ABOVE_3)
        score += points
        reasons.append(f"服务结束评价平均 {closing.evaluation_average:.1f} 星，共 {closing.evaluations} 份（{points:+d}）")
    if closing.follow_ups and closing.satisfaction_average is not None:
        points = round((closing.satisfaction_average - 3) * POINTS_PER_SATISFACTION_ABOVE_3)
        score += points
        reasons.append(f"回访满意度平均 {closing.satisfaction_average:.1f}（5 为非常满意），共 {closing.follow_ups} 次"
                       f"（{points:+d}）")
    grade = next((stars for floor, stars in GRADE_FLOORS if score >= floor), 1)
    if checks["identity"].state != "verified" and grade > GRADE_CAP_WITHOUT_IDENTITY:
        grade = GRADE_CAP_WITHOUT_IDENTITY
        reasons.append(f"未完成实名认证，最高 {GRADE_CAP_WITHOUT_IDENTITY} 星")
    reasons.append(f"总分 {score}，{grade} 星（≥85 五星，≥70 四星，≥55 三星，≥40 二星）")
    return Credit(grade=grade, score=score, reasons=reasons)


def compute_credit(session: Session, worker: Worker, today: dt.date, *, store: bool = False) -> Credit:
    """The worker's credit grade and its reasons as of ``today``; with ``store``, saved on the worker."""
    ratings, served, complaints, _photo, closing = worker_record(session, worker.id, today)
    credit = grade_for(check_states(session, worker.id, today), ratings, served, complaints, closing)
    if store:
        worker.credit_grade = credit.grade
        worker.credit_reasons = credit.reasons
        worker.credit_computed_at = utcnow()
    return credit
