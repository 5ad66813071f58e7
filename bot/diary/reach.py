"""Seen, not assumed: what an agency's notices did per channel, and urgent flags that reached no one. No Flask.

An agency's notices are those to the people its engagements and supervisors bind (openids) and the SMS of
its flags (``sms:FLAG:…``). Every try of a channel is a ``delivery_attempt`` row (``bot.delivery.notify``):
sent, refused (WeChat or Tencent said no for this person: 45047, 45015, 43004, 43101, an SMS refusal) or
failed on the way (a timeout, a system error, our own per-phone limit); what is queued and not yet sent
is pending.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.diary.engagements import PARENT
from bot.models import Binding, DeliveryAttempt, DiaryFlag, Engagement, Notification, Supervisor

CHANNELS = ("custom", "template", "subscribe", "sms")
OUTCOMES = ("sent", "refused", "failed")
# An urgent flag's family should hear of it within this long (by WeChat or SMS), or the dashboard says so.
REACH_WITHIN = dt.timedelta(minutes=5)
LOOKBACK = dt.timedelta(hours=24)
# An SMS is tried within this long of being queued (back-off of at most an hour, 8 attempts).
SMS_LIFETIME = dt.timedelta(days=1)


@dataclass
class ChannelCounts:
    channel: str
    sent: int = 0
    refused: int = 0
    failed: int = 0
    pending: int = 0


def _agency_notes(session: Session, agency_id: int, since: dt.datetime, until: dt.datetime) -> ColumnElement[bool]:
    """Notifications of the agency: to its people, or the SMS of its flags (``sms:FLAG:…``, read here)."""
    people = select(Binding.openid).join(Engagement, Engagement.id == Binding.engagement_id).where(
        Engagement.agency_id == agency_id).union(select(Supervisor.openid).where(Supervisor.agency_id == agency_id))
    texts = {note_id: int(key.split(":")[1]) for note_id, key in session.execute(
        select(Notification.id, Notification.key).where(
            Notification.key.like("sms:%"), Notification.created_at >= since - SMS_LIFETIME,
            Notification.created_at < until)) if key.split(":")[1].isdigit()}
    ours = set(session.scalars(select(DiaryFlag.id).join(Engagement, Engagement.id == DiaryFlag.engagement_id).where(
        Engagement.agency_id == agency_id, DiaryFlag.id.in_(set(texts.values()) or {0}))))
    return or_(Notification.openid.in_(people), Notification.id.in_([n for n, f in texts.items() if f in ours] or [0]))


def delivery_counts(session: Session, agency_id: int, since: dt.datetime, until: dt.datetime) -> list[ChannelCounts]:
    """Per channel, what was sent, refused and failed in [since, until), and what of that period is pending."""
    counts = {channel: ChannelCounts(channel) for channel in CHANNELS}
    mine = _agency_notes(session, agency_id, since, until)
    rows = session.execute(
        select(DeliveryAttempt.channel, DeliveryAttempt.outcome, func.count())
        .join(Notification, Notification.id == DeliveryAttempt.notification_id)
        .where(DeliveryAttempt.at >= since, DeliveryAttempt.at < until, mine)
        .group_by(DeliveryAttempt.channel, DeliveryAttempt.outcome))
    for channel, outcome, n in rows:
        bucket = counts.setdefault(channel, ChannelCounts(channel))
        if outcome == "sent":
            bucket.sent += n
        elif outcome == "refused":
            bucket.refused += n
        else:
            bucket.failed += n
    pending = session.execute(
        select(Notification.plan, Notification.phone_enc.is_not(None), func.count())
        .where(Notification.status.in_(("pending", "sending")), Notification.created_at >= since,
               Notification.created_at < until, mine)
        .group_by(Notification.plan, Notification.phone_enc.is_not(None)))
    for plan, texting, n in pending:
        # Not yet tried: a WeChat notice will go by customer-service message or the next channel of its plan.
        first = "sms" if texting else (plan or "custom").split(",")[0]
        counts.setdefault(first, ChannelCounts(first)).pending += n
    return list(counts.values())


@dataclass
class Unreached:
    """An urgent flag whose family heard nothing within REACH_WITHIN, and what was tried."""

    flag: DiaryFlag
    engagement: Engagement
    tried: list[tuple[str, str, str | None, dt.datetime]] = field(default_factory=list)  # channel, outcome, detail, at


def unreached_flags(session: Session, agency_id: int, now: dt.datetime) -> list[Unreached]:
    """Open urgent flags of the agency (the last day) that no family member received within REACH_WITHIN."""
    flags = session.execute(
        select(DiaryFlag, Engagement).join(Engagement, Engagement.id == DiaryFlag.engagement_id).where(
            Engagement.agency_id == agency_id, DiaryFlag.severity == "urgent", DiaryFlag.cleared_at.is_(None),
            DiaryFlag.family_acknowledged_at.is_(None), DiaryFlag.raised_at <= now - REACH_WITHIN,
            DiaryFlag.raised_at >= now - LOOKBACK,
        ).order_by(DiaryFlag.raised_at.desc())).all()
    found: list[Unreached] = []
    for flag, engagement in flags:
        parents = list(session.scalars(select(Binding.openid).where(Binding.engagement_id == engagement.id,
                                                                    Binding.role == PARENT)))
        family_keys = or_(Notification.key.in_([f"flag:{flag.id}:{o}" for o in parents] or [""]),
                          Notification.key.like(f"escalate:{flag.id}:%") & Notification.openid.in_(parents or [""]),
                          Notification.key.in_(_family_sms_keys(session, flag.id)))
        deadline = flag.raised_at + REACH_WITHIN
        reached = session.scalar(select(func.count()).select_from(DeliveryAttempt)
                                 .join(Notification, Notification.id == DeliveryAttempt.notification_id)
                                 .where(family_keys, DeliveryAttempt.outcome == "sent", DeliveryAttempt.at <= deadline))
        if reached:
            continue
        tried = session.execute(
            select(DeliveryAttempt.channel, DeliveryAttempt.outcome, DeliveryAttempt.detail, DeliveryAttempt.at)
            .join(Notification, Notification.id == DeliveryAttempt.notification_id)
            .where(or_(Notification.key.like(f"flag:{flag.id}:%"), Notification.key.like(f"escalate:{flag.id}:%"),
                       Notification.key.like(f"sms:{flag.id}:%")))
            .order_by(DeliveryAttempt.at, DeliveryAttempt.id)).all()
        found.append(Unreached(flag, engagement, [(c, o, d, at) for c, o, d, at in tried]))
    return found


def _family_sms_keys(session: Session, flag_id: int) -> list[str]:
    """The keys of the flag's SMS to family phones (a supervisor's SMS does not reach the family)."""
    keys = []
    for key, template in session.execute(select(Notification.key, Notification.template)
                                         .where(Notification.key.like(f"sms:{flag_id}:%"))):
        if isinstance(template, dict) and template.get("role") == PARENT:
            keys.append(key)
    return keys or [""]
