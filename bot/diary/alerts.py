"""Urgent flags that reach the family and escalate until someone acts. Domain code: no Flask.

A flag is raised (and first queued to the family and the supervisors) in
``bot.diary.flags``; this module takes flags by id from there:

- ``flag_card``: the short fields a template or subscription message shows of a flag.
- acknowledgement: a parent acknowledges an urgent flag by replying ``收到``, pressing 已收到
  on its link's page (a POST: opening the link acknowledges nothing, since link-preview
  fetchers open links too) or tapping it in the mini-program (``acknowledge_by_family``); a supervisor by
  ``收到`` in chat, the agency API or the console, with a note of what was done
  (``acknowledge_by_agency``).
- ``escalate``: an urgent flag no parent acknowledged within ``ANXIN_ESCALATE_MINUTES``
  is sent again to the family and handed to the agency's supervisors, and again every
  interval after, at most ``MAX_ROUNDS`` times, until someone acknowledges it. With SMS
  configured (``SmsReach``) the first round also goes by SMS to the family's phones and the
  second to the supervisors' (staff with a phone); ``text_unreached`` sends it by SMS at once to
  a family no WeChat channel reaches (no parent bound, or every parent's message refused).
  One SMS per phone and flag (its key), each with a short ``/d/CODE`` link.
- the trail (``FlagEvent``): who was sent, opened and acknowledged what, and when.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.security import FieldCipher
from bot.diary import texts
from bot.diary.engagements import PARENT, parents_of, role_in
from bot.diary.flags import flag_title
from bot.diary.phones import family_phones, mask
from bot.models import Binding, DiaryFlag, Engagement, FlagEvent, Notification, ShortLink, Staff, Supervisor
from bot.outbox import cards
from bot.outbox.queue import enqueue
from bot.outbox.recipients import supervisors_of
from bot.outbox.shortlinks import make_link

URGENT = "urgent"
MAX_ROUNDS = 3
# How far back 收到 looks for the flag(s) it answers.
ACK_LOOKBACK = dt.timedelta(hours=24)
_FIRST_CLAUSE = re.compile(r"[（(，,。；;]")


def flag_subject(flag: DiaryFlag, engagement: Engagement, reason: str | None = None) -> str:
    """What happened, for a 20-character field: 宝宝体温38.5℃ (``reason``: the flag's, or as its title leaves it)."""
    first = _FIRST_CLAUSE.split(cards.plain(flag.reason if reason is None else reason), maxsplit=1)[0].replace(" ", "")
    return first or texts.FLAG_CARD_DEFAULT


def flag_card(session: Session, flag_id: int, tz: ZoneInfo, escalation: int = 0) -> dict[str, Any] | None:
    """The card of a flag message (``escalation``: which reminder this is); None if the flag is gone."""
    flag = session.get(DiaryFlag, flag_id)
    if flag is None:
        return None
    engagement = session.get(Engagement, flag.engagement_id)
    assert engagement is not None
    moment = flag.raised_at.astimezone(tz)
    hint = texts.FLAG_CARD_ESCALATED if escalation else texts.FLAG_CARD_HINT
    return cards.card("flag", flag_subject(flag, engagement), cards.PHRASES.get(flag.severity, ""), moment,
                      hint=hint, day=flag.day, engagement_id=engagement.id, flag_id=flag.id)


def record_event(session: Session, flag_id: int, action: str, now: dt.datetime, *, actor: str | None = None,
                 role: str | None = None, channel: str | None = None, note: str | None = None) -> None:
    session.add(FlagEvent(flag_id=flag_id, action=action, actor=actor, role=role, channel=channel, note=note, at=now))


def _open_urgent(session: Session, engagement_ids: Sequence[int], since: dt.datetime) -> list[DiaryFlag]:
    if not engagement_ids:
        return []
    return list(session.scalars(
        select(DiaryFlag).where(
            DiaryFlag.engagement_id.in_(list(engagement_ids)), DiaryFlag.severity == URGENT,
            DiaryFlag.cleared_at.is_(None), DiaryFlag.acknowledged_at.is_(None), DiaryFlag.raised_at >= since,
        ).order_by(DiaryFlag.raised_at.desc(), DiaryFlag.id.desc()).with_for_update()
    ))


def acknowledge_by_family(session: Session, flag: DiaryFlag, openid: str, channel: str, now: dt.datetime) -> bool:
    """A parent saw the flag (``收到``, its page's button, the mini-program); True when this was the family's first word."""
    first = flag.family_acknowledged_at is None
    if first:
        flag.family_acknowledged_at = now
    record_event(session, flag.id, "acknowledged", now, actor=openid, role=PARENT, channel=channel)
    return first


def acknowledge_by_agency(session: Session, flag: DiaryFlag, actor: str, channel: str, note: str | None,
                          now: dt.datetime) -> bool:
    """A supervisor (or the back office) acted on the flag; True unless it was acknowledged before."""
    first = flag.acknowledged_at is None
    if first:
        flag.acknowledged_at, flag.acknowledged_note, flag.acknowledged_by = now, note, actor
    record_event(session, flag.id, "acknowledged", now, actor=actor, role="supervisor" if channel == "chat" else "agency",
                 channel=channel, note=note)
    return first


@dataclass(frozen=True)
class ChatAck:
    """What ``收到`` did: the flags it acknowledged, as whom."""

    flags: list[DiaryFlag]
    role: str  # parent | supervisor


def acknowledge_latest(session: Session, openid: str, note: str | None, now: dt.datetime) -> ChatAck:
    """``收到`` in chat: acknowledge the latest open urgent flag(s) of this parent's families or supervisor's agency.

    A parent acknowledges every urgent flag of their engagements not yet acknowledged by
    the family in the last 24 hours; a supervisor those of the agency not yet acknowledged
    by the agency (the note is what they wrote after 收到).
    """
    since = now - ACK_LOOKBACK
    parent_of = list(session.scalars(select(Binding.engagement_id).where(Binding.openid == openid,
                                                                          Binding.role == PARENT)))
    if parent_of:
        flags = [f for f in _open_urgent(session, parent_of, since) if f.family_acknowledged_at is None]
        for flag in flags:
            acknowledge_by_family(session, flag, openid, "chat", now)
        return ChatAck(flags, PARENT)
    agency_ids = list(session.scalars(select(Supervisor.agency_id).where(Supervisor.openid == openid)))
    if agency_ids:
        engagement_ids = list(session.scalars(select(Engagement.id).where(Engagement.agency_id.in_(agency_ids))))
        flags = _open_urgent(session, engagement_ids, since)
        for flag in flags:
            acknowledge_by_agency(session, flag, openid, "chat", note, now)
        return ChatAck(flags, "supervisor")
    return ChatAck([], "")


def link_acknowledgement(session: Session, flag_id: int, engagement_id: int, openid: str | None) -> str | None:
    """What the day page of a flag's link offers its reader: ``due`` (a button), ``done``, or None (nothing).

    Only a parent of the family the flag belongs to acknowledges it from the link; reading only.
    """
    flag = session.get(DiaryFlag, flag_id)
    if flag is None or flag.engagement_id != engagement_id or openid is None:
        return None
    if role_in(session, engagement_id, openid) != PARENT:
        return None
    return "done" if _acknowledged_by(session, flag.id, openid) else "due"


def acknowledge_from_link(session: Session, flag_id: int, engagement_id: int, openid: str | None,
                          now: dt.datetime) -> bool:
    """The parent a flag's link was sent to pressed 已收到 on its page; False when the link cannot acknowledge.

    Once per person: pressing again (or a resent form) writes nothing more.
    """
    flag = session.get(DiaryFlag, flag_id, with_for_update=True)
    if flag is None or flag.engagement_id != engagement_id or openid is None:
        return False
    if role_in(session, engagement_id, openid) != PARENT:
        return False
    if not _acknowledged_by(session, flag.id, openid):
        acknowledge_by_family(session, flag, openid, "link", now)
    return True


def sms_acknowledgement(session: Session, link: ShortLink) -> str | None:
    """What the page of an SMS's short link offers: ``due`` (a button), ``done``, or None (no open flag)."""
    flag = session.get(DiaryFlag, link.flag_id) if link.flag_id is not None else None
    if flag is None or flag.engagement_id != link.engagement_id:
        return None
    if link.role == PARENT:
        return "done" if _acknowledged_by(session, flag.id, link.recipient) else "due"
    return "done" if flag.acknowledged_at is not None else "due"


def acknowledge_from_sms(session: Session, link: ShortLink, now: dt.datetime) -> bool:
    """已收到 on the page of an SMS's short link: the family member (or supervisor) it was sent to acknowledges."""
    flag = session.get(DiaryFlag, link.flag_id, with_for_update=True) if link.flag_id is not None else None
    if flag is None or flag.engagement_id != link.engagement_id:
        return False
    if link.role == PARENT:
        if not _acknowledged_by(session, flag.id, link.recipient):
            acknowledge_by_family(session, flag, link.recipient, "sms", now)
        return True
    first = flag.acknowledged_at is None
    if first:
        flag.acknowledged_at, flag.acknowledged_by = now, link.recipient
    record_event(session, flag.id, "acknowledged", now, actor=link.recipient, role="supervisor", channel="sms")
    return True


def _acknowledged_by(session: Session, flag_id: int, openid: str) -> bool:
    return session.scalar(select(FlagEvent.id).where(
        FlagEvent.flag_id == flag_id, FlagEvent.actor == openid, FlagEvent.action == "acknowledged",
        FlagEvent.role == PARENT).limit(1)) is not None


@dataclass(frozen=True)
class SmsReach:
    """What texting needs: the cipher of the stored numbers and the site the template's link names."""

    cipher: FieldCipher
    site: str


SMS_PHONE_CONTEXT = "notification.phone"  # bot.delivery.notify decrypts it with the same context
# Staff whose phones get an urgent flag's second SMS round.
SMS_STAFF_ROLES = ("supervisor", "admin")
SMS_PARAM_MAX = 12  # Tencent counts every character; a parameter of a notice template holds at most this many
# How far back text_unreached looks for urgent flags no WeChat channel brought to the family.
UNREACHED_LOOKBACK = dt.timedelta(hours=24)


def _sms_params(session: Session, flag: DiaryFlag, engagement: Engagement, tz: ZoneInfo, code: str) -> list[str]:
    """The template's parameters: the sign, the baby's nickname (a twin's own), the time, the link's code — no name,
    ID or phone."""
    title, about = flag_title(session, engagement, flag)
    sign = cards.short(flag_subject(flag, engagement, about), SMS_PARAM_MAX)
    nickname = cards.short(title if title != engagement.family_name else texts.SMS_NICKNAME_DEFAULT, SMS_PARAM_MAX)
    return [sign, nickname, flag.raised_at.astimezone(tz).strftime("%m-%d %H:%M"), code]


def queue_sms(session: Session, flag: DiaryFlag, engagement: Engagement, role: str, phones: Sequence[str],
              now: dt.datetime, tz: ZoneInfo, sms: SmsReach) -> int:
    """Queue the flag's SMS to each phone not texted about it before (as ``role``); return how many were queued."""
    queued = 0
    for phone in dict.fromkeys(phones):
        key = f"sms:{flag.id}:{sms.cipher.digest(phone, 'sms')[:32]}"
        if session.scalar(select(Notification.id).where(Notification.key == key)) is not None:
            continue  # one SMS per phone and flag, whichever round or role found the number
        recipient = "tel:" + mask(phone)
        code = make_link(session, engagement.id, flag.day, flag.id, recipient, role, now)
        params = _sms_params(session, flag, engagement, tz, code)
        text = texts.SMS_FLAG_TEMPLATE.format("", *params, site=sms.site.rstrip("/"))
        note = enqueue(session, key=key, openid=recipient, kind="flag", text=text,
                       template={"sms": params, "role": role}, now=now)
        if note is not None:
            note.phone_enc = sms.cipher.encrypt(phone, SMS_PHONE_CONTEXT)
            note.plan = "sms"
            queued += 1
    return queued


def _staff_phones(session: Session, agency_id: int, cipher: FieldCipher) -> list[str]:
    from bot.agency.staff import PHONE_CONTEXT

    rows = session.scalars(select(Staff.phone_enc).where(
        Staff.agency_id == agency_id, Staff.active.is_(True), Staff.role.in_(SMS_STAFF_ROLES),
        Staff.phone_enc.is_not(None)).order_by(Staff.id))
    return [cipher.decrypt(enc, PHONE_CONTEXT) for enc in rows if enc]


def text_unreached(session: Session, now: dt.datetime, tz: ZoneInfo, sms: SmsReach,
                   flag_ids: Sequence[int] | None = None) -> int:
    """Text the family of every open urgent flag that no WeChat channel brought to them; return how many SMS.

    Unreached: no parent is bound, or every parent's message of the flag was refused or given up.
    """
    query = select(DiaryFlag).where(
        DiaryFlag.severity == URGENT, DiaryFlag.cleared_at.is_(None), DiaryFlag.acknowledged_at.is_(None),
        DiaryFlag.family_acknowledged_at.is_(None), DiaryFlag.raised_at >= now - UNREACHED_LOOKBACK)
    if flag_ids is not None:
        query = query.where(DiaryFlag.id.in_(list(flag_ids)))
    queued = 0
    for flag in session.scalars(query.order_by(DiaryFlag.id)).all():
        engagement = session.get(Engagement, flag.engagement_id)
        assert engagement is not None
        if not engagement.family_phones_enc:
            continue
        parents = parents_of(session, engagement.id)
        if parents:
            states = list(session.scalars(select(Notification.status).where(
                Notification.key.in_([f"flag:{flag.id}:{openid}" for openid in parents]))))
            if not states or any(state not in ("failed", "skipped") for state in states):
                continue  # on its way, or arrived
        count = queue_sms(session, flag, engagement, PARENT, family_phones(engagement, sms.cipher), now, tz, sms)
        if count:
            record_event(session, flag.id, "escalated", now, channel="sms",
                         note=texts.SMS_UNREACHED_EVENT.format(people=count))
        queued += count
    return queued


def escalate(session: Session, now: dt.datetime, after: dt.timedelta, tz: ZoneInfo,
             sms: SmsReach | None = None) -> dict[str, int]:
    """Send again, and to the supervisors, every urgent flag nobody acknowledged for ``after`` (and by SMS)."""
    counts = {"escalated": 0, "queued": 0, "sms": 0}
    due = session.scalars(
        select(DiaryFlag).where(
            DiaryFlag.severity == URGENT, DiaryFlag.cleared_at.is_(None), DiaryFlag.acknowledged_at.is_(None),
            DiaryFlag.family_acknowledged_at.is_(None), DiaryFlag.escalations < MAX_ROUNDS,
            DiaryFlag.raised_at <= now - after,
        ).order_by(DiaryFlag.id).with_for_update()
    ).all()
    for flag in due:
        last = flag.escalated_at or flag.raised_at
        if now - last < after:
            continue
        flag.escalations += 1
        flag.escalated_at = now
        counts["escalated"] += 1
        engagement = session.get(Engagement, flag.engagement_id)
        assert engagement is not None
        card = flag_card(session, flag.id, tz, escalation=flag.escalations)
        local = flag.raised_at.astimezone(tz)
        minutes = max(int((now - flag.raised_at).total_seconds() // 60), 1)
        title, about = flag_title(session, engagement, flag)
        family_text = texts.ESCALATION_FAMILY.format(family=title, time=local.strftime("%m-%d %H:%M"), reason=about,
                                                     minutes=minutes)
        agency_text = texts.ESCALATION_AGENCY.format(
            family=engagement.family_name, worker=engagement.worker.name, time=local.strftime("%m-%d %H:%M"),
            reason=flag.reason, minutes=minutes)
        recipients = [(o, family_text) for o in parents_of(session, engagement.id)]
        recipients += [(o, agency_text) for o in supervisors_of(session, engagement.agency_id)]
        for openid, text in recipients:
            note = enqueue(session, key=f"escalate:{flag.id}:{flag.escalations}:{openid}", openid=openid,
                           kind="flag", text=text, template=card, now=now)
            counts["queued"] += note is not None
        texted = 0
        if sms is not None and flag.escalations == 1:
            texted = queue_sms(session, flag, engagement, PARENT, family_phones(engagement, sms.cipher), now, tz, sms)
        elif sms is not None and flag.escalations == 2:
            texted = queue_sms(session, flag, engagement, "supervisor",
                               _staff_phones(session, engagement.agency_id, sms.cipher), now, tz, sms)
        counts["sms"] += texted
        record_event(session, flag.id, "escalated", now, note=texts.ESCALATION_EVENT.format(
            round=flag.escalations, minutes=minutes, people=len(recipients))
            + (texts.SMS_ROUND_EVENT.format(people=texted) if texted else ""))
    return counts


def flag_events(session: Session, flag_id: int) -> list[FlagEvent]:
    """The trail of one flag, oldest first."""
    return list(session.scalars(select(FlagEvent).where(FlagEvent.flag_id == flag_id).order_by(FlagEvent.at,
                                                                                              FlagEvent.id)))
