"""The agency's side of the diary: open engagements, answer complaints, see and acknowledge flags.

``POST /admin/v1/engagements``, ``GET /admin/v1/complaints``,
``POST /admin/v1/complaints/ID/response``, ``GET /admin/v1/flags``,
``POST /admin/v1/flags/ID/ack``. Someone else's records are 404; bad input is a
400 that writes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, cast
from zoneinfo import ZoneInfo

from flask import current_app
from flask.globals import app_ctx
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.admin import bp, current_agency
from bot.admin.models import (
    AckIn,
    ChannelOut,
    ComplaintList,
    ComplaintOut,
    ComplaintQuery,
    DeliveryQuery,
    DeliveryReport,
    EngagementCreated,
    EngagementIn,
    FlagEventOut,
    FlagEvents,
    FlagList,
    FlagOut,
    FlagQuery,
    ResponseIn,
    Severity,
)
from bot.agency.periods import day_span
from bot.api.schema import ApiResult, operation
from bot.core.clock import utcnow
from bot.core.errors import BadRequest, NotFound
from bot.core.security import FieldCipher
from bot.delivery.notify import deliver_soon
from bot.diary.alerts import flag_events, record_event
from bot.diary.engagements import BabyFields, open_engagement
from bot.diary.family import answer_complaint, list_complaints
from bot.diary.flags import Withdrawal, acknowledge_flag, agency_flags, withdrawals
from bot.diary.phones import masked_phones, set_family_phones
from bot.diary.reach import CHANNELS, delivery_counts
from bot.models import Complaint, DiaryFlag, Engagement
from bot.store.db import get_session


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["ANXIN_TIMEZONE"])


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.astimezone(_tz()) if moment is not None else None


def _aware(moment: dt.date | dt.datetime | None, tz: ZoneInfo) -> dt.date | dt.datetime | None:
    """A time of birth without an offset is read in the diary's zone."""
    if isinstance(moment, dt.datetime) and moment.tzinfo is None:
        return moment.replace(tzinfo=tz)
    return moment


@bp.post("/engagements")
@operation(body=EngagementIn, responses={201: EngagementCreated}, errors=(404, 409))
def create_engagement(body: EngagementIn) -> ApiResult:
    """上户：安排一位服务员到家庭服务 → 201 {"id", "nurse_code", "family_code"}"""
    session = get_session()
    tz = _tz()
    babies = None
    if body.babies is not None:
        babies = [BabyFields(nickname=b.nickname, sex=b.sex, gestation_weeks=b.gestation_weeks,
                             birth_weight_g=b.birth_weight_g, born_at=_aware(b.born_at, tz),
                             risk_factors=None if b.risk_factors is None else tuple(dict.fromkeys(b.risk_factors)))
                  for b in body.babies]
    cipher: FieldCipher = current_app.extensions["anxin_cipher"]
    agency = current_agency()
    engagement = open_engagement(session, agency, body.worker_id, body.starts_on, body.ends_on,
                                 body.family_name, body.baby_nickname, body.baby_birth_date, body.birth_weight_g,
                                 babies=babies, tz=tz)
    set_family_phones(engagement, body.family_phones, bool(body.family_phones_consent), f"api:agency:{agency.id}", cipher,
                      utcnow())
    session.commit()
    return EngagementCreated(id=engagement.id, nurse_code=engagement.nurse_code, family_code=engagement.family_code,
                             family_phones=masked_phones(engagement, cipher)), 201


def _complaint_out(complaint: Complaint) -> ComplaintOut:
    created_at = _local(complaint.created_at)
    assert created_at is not None
    return ComplaintOut(id=complaint.id, engagement_id=complaint.engagement_id, worker_id=complaint.worker_id,
                        text=complaint.text, created_at=created_at, response=complaint.response_text,
                        responded_at=_local(complaint.responded_at))


@bp.get("/complaints")
@operation(query=ComplaintQuery, responses={200: ComplaintList})
def complaints(query: ComplaintQuery) -> ApiResult:
    """家人的投诉：?status=all|open|answered&from=YYYY-MM-DD&to=YYYY-MM-DD（投诉日期，含首尾）"""
    status = query.status
    since, until = day_span(query.since, query.until, _tz())
    rows = list_complaints(get_session(), current_agency(), since=since, until=until)
    if status != "all":
        rows = [c for c in rows if (c.responded_at is None) == (status == "open")]
    return ComplaintList(complaints=[_complaint_out(c) for c in rows])


def _deliver_later() -> None:
    deliver_soon(app_ctx.app)


@bp.post("/complaints/<id:complaint_id>/response")
@operation(body=ResponseIn, responses={200: ComplaintOut}, errors=(404, 409))
def respond(complaint_id: int, body: ResponseIn) -> ApiResult:
    """答复投诉 {"text"}：答复通过公众号送达投诉的家人"""
    text = body.text
    session = get_session()
    complaint = answer_complaint(session, current_agency(), complaint_id, text, utcnow(), _tz())
    session.commit()
    _deliver_later()
    return _complaint_out(complaint)


EventAction = Literal["sent", "opened", "acknowledged", "escalated", "refused", "retracted"]


def _one_flag_out(session: Session, flag: DiaryFlag, engagement: Engagement) -> FlagOut:
    """One flag as the API shows it, with its withdrawal if the nurse withdrew its entry."""
    return _flag_out(flag, engagement, withdrawals(session, [flag.id]).get(flag.id))


def _flag_out(flag: DiaryFlag, engagement: Engagement, withdrawn: Withdrawal | None) -> FlagOut:
    raised_at = _local(flag.raised_at)
    assert raised_at is not None
    return FlagOut(
        id=flag.id, engagement_id=engagement.id, family_name=engagement.family_name, worker_id=engagement.worker_id,
        entry_id=flag.entry_id, day=flag.day, rule=flag.rule, severity=cast(Severity, flag.severity),
        reason=flag.reason, raised_at=raised_at, cleared_at=_local(flag.cleared_at),
        withdrawn_at=_local(withdrawn.at) if withdrawn else None, acknowledged_at=_local(flag.acknowledged_at),
        acknowledged_note=flag.acknowledged_note,
        family_acknowledged_at=_local(flag.family_acknowledged_at), escalations=flag.escalations,
    )


@bp.get("/flags")
@operation(query=FlagQuery, responses={200: FlagList})
def flags(query: FlagQuery) -> ApiResult:
    """日记提醒：?status=open（未确认，默认；月嫂撤销了记录的紧急提醒也在其中，直到机构确认）|all
    &from=YYYY-MM-DD&to=YYYY-MM-DD（提醒日期，含首尾）"""
    session = get_session()
    rows = agency_flags(session, current_agency().id, open_only=query.status == "open", since=query.since,
                        until=query.until)
    withdrawn = withdrawals(session, [f.id for f, _ in rows])
    return FlagList(flags=[_flag_out(f, e, withdrawn.get(f.id)) for f, e in rows])


@bp.post("/flags/<id:flag_id>/ack")
@operation(body=AckIn, body_optional=True, responses={200: FlagOut}, errors=(404,))
def ack_flag(flag_id: int, body: AckIn) -> ApiResult:
    """确认一条提醒，并记下做了什么 {"note"}"""
    session = get_session()
    now = utcnow()
    flag = acknowledge_flag(session, current_agency().id, flag_id, body.note or None, now)
    if flag is None:
        raise NotFound("提醒不存在 (no such flag)", code="flag_not_found")
    flag.acknowledged_by = flag.acknowledged_by or "agency"
    record_event(session, flag.id, "acknowledged", now, actor="agency", role="agency", channel="api",
                 note=body.note or None)
    engagement = session.get(Engagement, flag.engagement_id)
    assert engagement is not None
    session.commit()
    return _one_flag_out(session, flag, engagement)


@bp.get("/flags/<id:flag_id>/events")
@operation(responses={200: FlagEvents}, errors=(404,))
def flag_trail(flag_id: int) -> ApiResult:
    """一条提醒的经过：发给了谁、谁打开了、谁确认了、何时升级"""
    session = get_session()
    row = session.execute(
        select(DiaryFlag, Engagement).join(Engagement, Engagement.id == DiaryFlag.engagement_id)
        .where(DiaryFlag.id == flag_id, Engagement.agency_id == current_agency().id)
    ).first()
    if row is None:
        raise NotFound("提醒不存在 (no such flag)", code="flag_not_found")
    flag, engagement = row
    events = [FlagEventOut(action=cast(EventAction, e.action), at=_local(e.at) or e.at, actor=e.actor, role=e.role,
                           channel=e.channel, note=e.note) for e in flag_events(session, flag.id)]
    return FlagEvents(flag=_one_flag_out(session, flag, engagement), events=events)


MAX_REPORT_DAYS = 92


@bp.get("/deliveries")
@operation(query=DeliveryQuery, responses={200: DeliveryReport})
def deliveries(query: DeliveryQuery) -> ApiResult:
    """送达情况：?since=…&until=… 每个渠道（客服消息、模板消息、订阅消息、短信）已送达、被拒、失败、排队的条数"""
    tz = _tz()
    until = query.until.replace(tzinfo=tz) if query.until and query.until.tzinfo is None else query.until or utcnow()
    since = query.since.replace(tzinfo=tz) if query.since and query.since.tzinfo is None else query.since
    since = since or until - dt.timedelta(days=1)
    if since >= until:
        raise BadRequest("since 应早于 until (since must be before until)", code="invalid_field")
    if until - since > dt.timedelta(days=MAX_REPORT_DAYS):
        raise BadRequest(f"时段最长{MAX_REPORT_DAYS}天 (at most {MAX_REPORT_DAYS} days)", code="invalid_field")
    counts = delivery_counts(get_session(), current_agency().id, since.astimezone(dt.UTC), until.astimezone(dt.UTC))
    return DeliveryReport(since=since.astimezone(tz), until=until.astimezone(tz), channels=[
        ChannelOut(channel=c.channel, sent=c.sent, refused=c.refused, failed=c.failed, pending=c.pending)
        for c in counts if c.channel in CHANNELS])
