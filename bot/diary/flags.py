"""Flags from the thresholds of DIARY.md, raised when entries are recorded.

A flag is advice to look, never a diagnosis. Each is stored once (``key`` names
the rule and what triggered it), shown on its day, queued to every parent of the
engagement and every supervisor of its agency through the outbox (in the
transaction that raised it), and listed to the agency (``GET /admin/v1/flags``).
Rules over a time window are computed on the recorded timeline only: "fewer
than 8 feeds in 24 hours" needs 24 hours of diary before it can be said.

The rules themselves belong to the entry kinds (``EntryKind.flag_rules`` in
``bot/diary/kinds/``); this module runs them and raises, sends and clears flags.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.diary import texts
from bot.diary.engagements import parents_of
from bot.diary.kinds import AGENCY_ONLY, KINDS, LINE_RULES, URGENT, WATCH, Alert, TimelineEntry
from bot.diary.refs import BabyRef, EngagementLike, babies_of, family_title, worker_name
from bot.models import Baby, DiaryEntry, DiaryFlag, Engagement, FlagEvent, Notification
from bot.models.base import use_index
from bot.models.diary import BY_DAY, BY_KIND_AND_DAY, DIARY_ENTRIES
from bot.outbox import cards
from bot.outbox.queue import enqueue, enqueue_new
from bot.outbox.recipients import supervisors_of

__all__ = ["URGENT", "WATCH", "WITHDRAWN", "Withdrawal", "acknowledge_flag", "agency_flags", "clear_for_entry",
           "day_of_life", "evaluate", "findings", "flags_of_day", "flags_of_entries", "reevaluate", "retract",
           "withdrawals", "withdrawn_flags"]


# How much more of a kind's timeline the first rule's question reads, for the next rules' (see _Diary.timeline),
# when the entries being evaluated are not known to it (a lone ``findings``).
TIMELINE_MARGIN = dt.timedelta(hours=24)


# The memo's key for how far apart in time the entries of one evaluation are (see _Diary.timeline).
SPREAD = "spread"
STARTS = "starts"  # and for when the diary begins


# Built once, as the other hot reads (bot/diary/days.py): every recorded feed or nappy asks them.
_ENTRY = DIARY_ENTRIES.c
_FIRST_ENTRY = DIARY_ENTRIES.alias("first_entry")
_FIRST = _FIRST_ENTRY.c
# When the engagement's diary begins (its first entry not withdrawn): rules over 24 hours say nothing before it.
_DIARY_STARTS = use_index(
    select(_FIRST.occurred_at)
    .where(_FIRST.engagement_id == bindparam("engagement_id"), _FIRST.withdrawn_at.is_(None))
    .order_by(_FIRST.occurred_at).limit(1), _FIRST_ENTRY, BY_DAY)
# Plain rows of the three columns the rules read, on the session's connection: a recorded feed or nappy reads
# its day and the days around it, and ORM objects for each of those cost more than the query. Each row also
# carries when the diary begins, which the same rules ask next: one round trip for both.
_TIMELINE = use_index(
    select(_ENTRY.id, _ENTRY.occurred_at, _ENTRY.fields, _DIARY_STARTS.scalar_subquery().label("starts"))
    .where(_ENTRY.engagement_id == bindparam("engagement_id"), _ENTRY.kind == bindparam("kind"),
           _ENTRY.withdrawn_at.is_(None), _ENTRY.occurred_at >= bindparam("low"),
           _ENTRY.occurred_at <= bindparam("high"))
    .order_by(_ENTRY.occurred_at, _ENTRY.id), DIARY_ENTRIES, BY_KIND_AND_DAY)
_BABY_TIMELINE = _TIMELINE.where(_ENTRY.baby_id == bindparam("baby_id"))


@dataclass(frozen=True)
class _Diary:
    """The ``FlagContext`` the kinds' flag rules see: one engagement's recorded timeline, and the baby an entry is
    about (``baby``: its own age, gestation and birth weight; twins: its own timeline, ``separate``)."""

    session: Session
    engagement: EngagementLike
    now: dt.datetime
    tz: ZoneInfo
    baby: BabyRef | None = None
    separate: bool = False
    memo: dict[str, Any] = field(default_factory=dict, compare=False)  # shared by the entries of one evaluation

    def day_of_life(self, moment: dt.datetime) -> int | None:
        # One baby: the engagement's own columns, as before twins; twins: each baby's own birth date.
        born_on = self.baby.born_on if self.baby is not None else None
        if not self.separate and self.engagement.baby_birth_date is not None:
            born_on = self.engagement.baby_birth_date
        if born_on is None:
            return None
        return (moment.astimezone(self.tz).date() - born_on).days + 1

    def hour_of_age(self, moment: dt.datetime) -> float | None:
        if self.baby is None or self.baby.born_at is None:
            return None
        return (moment - self.baby.born_at).total_seconds() / 3600

    @property
    def gestation_weeks(self) -> int | None:
        return self.baby.gestation_weeks if self.baby is not None else None

    @property
    def birth_weight_g(self) -> int | None:
        if not self.separate and self.engagement.birth_weight_g:
            return self.engagement.birth_weight_g
        return self.baby.birth_weight_g if self.baby is not None else None

    @property
    def risk_factors(self) -> tuple[str, ...] | None:
        if self.baby is None:
            return None
        key = f"risk:{self.baby.id}"
        if key not in self.memo:
            self.session.flush()
            self.memo[key] = self.session.connection().scalar(select(Baby.risk_factors).where(Baby.id == self.baby.id))
        held: str | None = self.memo[key]
        return None if held is None else tuple(r for r in held.split(",") if r)

    def timeline(self, kind: str, start: dt.datetime, end: dt.datetime) -> list[TimelineEntry]:
        """The kind's entries from ``start`` to ``end``. Every entry of one evaluation asks its rules' windows
        around its own time: the first question reads as much more on each side as the evaluated entries
        spread over (``SPREAD``; nothing for a line of chat), so the others are answered from it."""
        key = f"timeline:{kind}:{self.baby.id if self.separate and self.baby is not None else ''}"
        held: tuple[dt.datetime, dt.datetime, list[TimelineEntry]] | None = self.memo.get(key)
        if held is None or not (held[0] <= start and end <= held[1]):
            margin: dt.timedelta = self.memo.get(SPREAD, TIMELINE_MARGIN)
            low, high = start - margin, end + margin
            if held is not None:
                low, high = min(low, held[0]), max(high, held[1])
            params: dict[str, Any] = {"engagement_id": self.engagement.id, "kind": kind, "low": low, "high": high}
            statement = _TIMELINE
            if self.separate and self.baby is not None:  # each twin's feeds and nappies are its own
                statement, params["baby_id"] = _BABY_TIMELINE, self.baby.id
            self.session.flush()  # read on the connection: what the session holds must be there
            rows = self.session.connection().execute(statement, params).all()
            held = (low, high, [TimelineEntry(row.id, row.occurred_at, row.fields) for row in rows])
            self.memo[key] = held
            if rows:
                self.memo.setdefault(STARTS, rows[0].starts)
        return [e for e in held[2] if start <= e.occurred_at <= end]

    def diary_starts(self) -> dt.datetime | None:
        if STARTS not in self.memo:  # asked by several rules and entries of one evaluation: read once, with a timeline
            self.session.flush()
            self.memo[STARTS] = self.session.connection().scalar(_DIARY_STARTS, {"engagement_id": self.engagement.id})
        starts: dt.datetime | None = self.memo[STARTS]
        return starts

    def clear(self, keys: Sequence[str]) -> None:
        _clear_keys(self.session, self.engagement, [self.own_key(k) for k in keys], self.now)

    def own_key(self, key: str) -> str:
        """A finding's key, told apart per baby in an engagement with several (few_feeds:DAY for each twin)."""
        return f"{key}:b{self.baby.id}" if self.separate and self.baby is not None else key


def day_of_life(engagement: EngagementLike, moment: dt.datetime, tz: ZoneInfo) -> int | None:
    """Day 1 is the day of birth; None when the agency gave no birth date."""
    if engagement.baby_birth_date is None:
        return None
    return (moment.astimezone(tz).date() - engagement.baby_birth_date).days + 1


def findings(
    session: Session, engagement: EngagementLike, entry: DiaryEntry, now: dt.datetime, tz: ZoneInfo,
    memo: dict[str, Any] | None = None,
) -> list[Alert]:
    """What the flag rules of the entry's kind find about it (nothing is raised yet)."""
    kind = KINDS.get(entry.kind)
    line_rules = tuple(LINE_RULES) if kind is not None and kind.postable else ()
    if kind is None or entry.withdrawn_at is not None or not (kind.flag_rules or line_rules):
        return []
    babies = babies_of(session, engagement)
    separate = len(babies) > 1 and entry.baby_id is not None
    baby = next((b for b in babies if b.id == entry.baby_id), babies[0] if babies else None)
    diary = _Diary(session, engagement, now, tz, baby if separate or len(babies) == 1 else None, separate,
                   {} if memo is None else memo)
    found = [finding for rule in kind.flag_rules for finding in rule(diary, entry)]
    # A sign its kind already found from the entry's fields (大便带血: red_stool) is not raised again from the words.
    found += [f for rule in line_rules for f in rule(diary, entry) if f.rule not in {g.rule for g in found}]
    if not separate or baby is None:
        return found
    return [Alert(diary.own_key(f.key), f.rule, f.severity, texts.BABY_FLAG_REASON.format(baby=baby.label, reason=f.reason),
                  f.entry) for f in found]


def evaluate(
    session: Session, engagement: EngagementLike, entries: Sequence[DiaryEntry], now: dt.datetime, tz: ZoneInfo
) -> list[DiaryFlag]:
    """Raise the flags these (just recorded) entries call for and return the newly raised ones.

    Who is told is decided before anything is queued: however many of them raise the same kind of flag (rule),
    each parent and supervisor gets one notice of that kind, for the first; the others stay flags on the day.
    """
    session.flush()
    memo: dict[str, Any] = {}
    if entries:
        times = [entry.occurred_at for entry in entries]
        memo[SPREAD] = max(times) - min(times)
    found = [finding for entry in entries for finding in findings(session, engagement, entry, now, tz, memo)]
    raised = [(flag, finding.entry.occurred_at) for finding in found
              if (flag := _raise(session, engagement, finding, now, tz)) is not None]
    first_of_kind: dict[str, tuple[DiaryFlag, dt.datetime]] = {}
    for flag, seen_at in raised:
        first_of_kind.setdefault(flag.rule, (flag, seen_at))
    _notify(session, engagement, list(first_of_kind.values()), tz)
    return [flag for flag, _ in raised]


def _raise(session: Session, engagement: EngagementLike, finding: Alert, now: dt.datetime, tz: ZoneInfo) -> DiaryFlag | None:
    """Store a finding as a flag, unless it stands already (then it is shown again, not sent again)."""
    exists = session.scalar(select(DiaryFlag).where(DiaryFlag.engagement_id == engagement.id, DiaryFlag.key == finding.key))
    if exists is not None:
        # The same finding again (an edit that kept the reading): shown again, not sent again.
        exists.cleared_at = None
        return None
    flag = DiaryFlag(
        engagement_id=engagement.id, entry_id=finding.entry.id, key=finding.key, rule=finding.rule,
        severity=finding.severity, day=finding.entry.occurred_at.astimezone(tz).date(), reason=finding.reason,
        raised_at=now,
    )
    try:
        with session.begin_nested():
            session.add(flag)
    except IntegrityError:  # raised concurrently by another process
        return None
    return flag


def _notify(session: Session, engagement: EngagementLike, flags: Sequence[tuple[DiaryFlag, dt.datetime]],
            tz: ZoneInfo) -> None:
    """Queue each flag's notice (with when its entry happened) to every parent of the engagement and every
    supervisor of its agency.

    The flags are new (this transaction raised them), so no notification names them yet: each is queued once,
    as it is meant to go out.
    """
    if not flags:
        return
    parents = parents_of(session, engagement.id)
    supervisors = supervisors_of(session, engagement.agency_id)
    notes: list[tuple[str, str, str]] = []
    for flag, seen_at in flags:
        local = seen_at.astimezone(tz)
        reason = texts.FLAG_SEVERITY[flag.severity] + " " + flag.reason
        title, about = flag_title(session, engagement, flag)
        notice = texts.FLAG_NOTICE.format(family=title, time=local.strftime(" %m-%d %H:%M"),
                                          reason=texts.FLAG_SEVERITY[flag.severity] + " " + about)
        if flag.rule not in AGENCY_ONLY:  # needs_review is for the agency's supervisor, not the family
            notes += [(f"flag:{flag.id}:{openid}", openid, notice) for openid in parents]
        if supervisors:
            agency_notice = texts.FLAG_NOTICE_AGENCY.format(
                family=engagement.family_name, worker=worker_name(session, engagement),
                time=local.strftime(" %m-%d %H:%M"), reason=reason)
            notes += [(f"flag:{flag.id}:{openid}", openid, agency_notice) for openid in supervisors]
    enqueue_new(session, [Notification(key=key, openid=openid, kind="flag", text=text) for key, openid, text in notes])


def flag_title(session: Session, engagement: EngagementLike, flag: DiaryFlag) -> tuple[str, str]:
    """What a flag's message is titled with and what it says: in a twin family, the baby it is about (its reason
    without the baby said again), or both babies for the mother's; else the baby's nickname or the family."""
    babies = babies_of(session, engagement)
    entry = session.get(DiaryEntry, flag.entry_id) if flag.entry_id is not None and len(babies) > 1 else None
    baby = next((b for b in babies if entry is not None and b.id == entry.baby_id), None)
    if baby is None:
        return family_title(engagement, babies), flag.reason
    return baby.label, flag.reason.removeprefix(texts.BABY_FLAG_REASON.format(baby=baby.label, reason=""))


def _clear_keys(session: Session, engagement: EngagementLike, keys: list[str], now: dt.datetime) -> None:
    for flag in session.scalars(select(DiaryFlag).where(DiaryFlag.engagement_id == engagement.id, DiaryFlag.key.in_(keys),
                                                        DiaryFlag.cleared_at.is_(None))):
        retract(session, flag, now, engagement=engagement)


def reevaluate(
    session: Session, engagement: EngagementLike, entry: DiaryEntry, now: dt.datetime, tz: ZoneInfo
) -> list[DiaryFlag]:
    """An entry was changed: its flags that no longer hold are retracted, those that still hold stay as they
    were (not sent again), and what the change newly finds is raised. Returns the newly raised flags."""
    session.flush()
    found = findings(session, engagement, entry, now, tz)
    keys, rules = {f.key for f in found}, {f.rule for f in found}
    for flag in session.scalars(select(DiaryFlag).where(DiaryFlag.entry_id == entry.id, DiaryFlag.cleared_at.is_(None))):
        if flag.key in keys:
            continue  # still holds: shown as it was, not sent again
        # A new reading of the same sign (38.5 corrected to 39.2) is a new alert that replaces this one;
        # a sign that is gone is corrected where it was told.
        retract(session, flag, now, correct=flag.rule not in rules, engagement=engagement)
    return evaluate(session, engagement, [entry], now, tz)


def clear_for_entry(session: Session, entry_id: int, now: dt.datetime, engagement: EngagementLike | None = None) -> None:
    """The entry behind these flags was withdrawn or changed: they no longer stand.

    Only its author withdraws an entry (``bot.diary.entries.withdraw_entry``): a withdrawn entry's flags are
    retracted by her (``WITHDRAWN``), which an urgent flag's agency is told of (``retract``)."""
    entry = session.get(DiaryEntry, entry_id)
    by = entry.author_openid if entry is not None and entry.withdrawn_at is not None else None
    for flag in session.scalars(select(DiaryFlag).where(DiaryFlag.entry_id == entry_id, DiaryFlag.cleared_at.is_(None))):
        retract(session, flag, now, engagement=engagement, by=by)


# The flag trail's note of an urgent flag retracted because the nurse withdrew its entry (``撤销``): such a flag
# stays in the agency's queue (``agency_flags``) until the agency acknowledges it, and its supervisors are told.
WITHDRAWN = "withdrawn"


def retract(session: Session, flag: DiaryFlag, now: dt.datetime, *, correct: bool = True,
            engagement: EngagementLike | None = None, by: str | None = None) -> None:
    """A flag that no longer holds leaves the day view and the digest, is not sent, and is corrected where it was.

    Its notifications still waiting are cancelled; to whoever it already went (or is going to right now)
    one correction follows, unless ``correct`` is False (a new alert of the same sign replaces it).
    ``engagement``: the flag's, when the caller has it (else it is read). ``by``: the nurse who withdrew the
    entry behind it; an urgent flag the agency has not acknowledged then goes on waiting in its queue, and every
    supervisor of the agency is told who withdrew what (not the family's plain correction).
    """
    from bot.diary.alerts import record_event  # the flag's trail (alerts builds on this module)

    flag.cleared_at = now
    withdrawn = by is not None and flag.severity == URGENT and flag.acknowledged_at is None
    record_event(session, flag.id, "retracted", now, actor=by, role="nurse" if by else None,
                 note=WITHDRAWN if withdrawn else None)
    notes = session.scalars(select(Notification).where(
        or_(Notification.key.like(f"flag:{flag.id}:%"), Notification.key.like(f"escalate:{flag.id}:%")),
        Notification.kind == "flag"))
    if engagement is None:
        engagement = session.get(Engagement, flag.engagement_id)
    told: set[str] = set()
    for note in notes:
        if note.status == "pending":
            note.status = "cancelled"
        elif note.status in ("sending", "sent"):
            told.add(note.openid)
    if engagement is None:
        return
    supervisors: list[str] = []
    if withdrawn:
        supervisors = supervisors_of(session, engagement.agency_id)
        _tell_withdrawn(session, engagement, flag, now, supervisors)
    if not correct:
        return
    text = texts.FLAG_RETRACTED.format(family=engagement.baby_nickname or engagement.family_name,
                                       time=f" {flag.day:%m-%d}", reason=flag.reason)
    correction = cards.card("flag", f"更正：{flag.reason}", "已撤销", now, hint=texts.FLAG_RETRACTED_HINT,
                            day=flag.day, engagement_id=flag.engagement_id)
    for openid in sorted(told - set(supervisors)):
        enqueue(session, key=f"retract:{flag.id}:{openid}:{now.timestamp():.0f}", openid=openid, kind="correction",
                text=text, template=correction)


def _tell_withdrawn(session: Session, engagement: EngagementLike, flag: DiaryFlag, now: dt.datetime,
                    supervisors: Sequence[str]) -> None:
    """Every supervisor of the agency hears that the nurse withdrew the entry behind an urgent flag, whether or
    not the flag itself had reached them yet: the agency, not the nurse, decides that it needs nothing done."""
    text = texts.FLAG_WITHDRAWN_AGENCY.format(family=engagement.family_name, worker=worker_name(session, engagement),
                                              time=f" {flag.day:%m-%d}", reason=flag.reason)
    template = cards.card("flag", f"撤销：{flag.reason}", "紧急提醒已被撤销", now, hint=texts.FLAG_WITHDRAWN_HINT,
                          day=flag.day, engagement_id=flag.engagement_id)
    for openid in supervisors:
        enqueue(session, key=f"withdrawn:{flag.id}:{openid}", openid=openid, kind="correction", text=text,
                template=template)


# The day view's flags as plain rows of the columns it shows, on the session's connection: a 今天 reads them on
# every ask, and ORM objects of all sixteen columns cost more than the query.
_FLAGS_OF_DAY = (
    select(DiaryFlag.id, DiaryFlag.entry_id, DiaryFlag.rule, DiaryFlag.severity, DiaryFlag.reason, DiaryFlag.raised_at,
           DiaryFlag.acknowledged_at)
    .where(DiaryFlag.engagement_id == bindparam("engagement_id"), DiaryFlag.day == bindparam("day"),
           DiaryFlag.cleared_at.is_(None))
    .order_by(DiaryFlag.id)
)


def flags_of_day(session: Session, engagement_id: int, day: dt.date) -> list[DiaryFlag]:
    """The day's standing flags, for reading only: rows (id, entry_id, rule, severity, reason, raised_at,
    acknowledged_at), not objects of the session."""
    session.flush()  # a flag this transaction raised is part of its day
    rows = session.connection().execute(_FLAGS_OF_DAY, {"engagement_id": engagement_id, "day": day})
    return cast(list[DiaryFlag], rows.all())


def flags_of_entries(session: Session, entry_ids: Sequence[int]) -> list[DiaryFlag]:
    if not entry_ids:
        return []
    return list(session.scalars(
        select(DiaryFlag).where(DiaryFlag.entry_id.in_(list(entry_ids)), DiaryFlag.cleared_at.is_(None)).order_by(DiaryFlag.id)
    ))


def withdrawn_flags() -> Select[int]:
    """The ids of urgent flags retracted because the nurse withdrew their entry (``retract``'s ``by``)."""
    return select(FlagEvent.flag_id).where(FlagEvent.action == "retracted", FlagEvent.note == WITHDRAWN)


@dataclass(frozen=True)
class Withdrawal:
    """Who withdrew the entry behind an urgent flag (an openid), and when."""

    by: str
    at: dt.datetime


def withdrawals(session: Session, flag_ids: Sequence[int]) -> dict[int, Withdrawal]:
    """The withdrawal of each of these flags that has one (``WITHDRAWN``)."""
    if not flag_ids:
        return {}
    return {flag_id: Withdrawal(actor or "", at) for flag_id, actor, at in session.execute(
        select(FlagEvent.flag_id, FlagEvent.actor, FlagEvent.at)
        .where(FlagEvent.flag_id.in_(list(flag_ids)), FlagEvent.action == "retracted", FlagEvent.note == WITHDRAWN))}


def agency_flags(session: Session, agency_id: int, open_only: bool = False, *, since: dt.date | None = None,
                 until: dt.date | None = None) -> list[tuple[DiaryFlag, Engagement]]:
    """The flags of an agency's engagements, newest first (``open_only``: not acknowledged, and not cleared
    unless the nurse withdrew an urgent flag's entry: the agency acknowledges that too). ``since`` and
    ``until``: the days (the flag's local day) from and to, both included."""
    query = (
        select(DiaryFlag, Engagement).join(Engagement, Engagement.id == DiaryFlag.engagement_id)
        .where(Engagement.agency_id == agency_id)
        .order_by(DiaryFlag.raised_at.desc(), DiaryFlag.id.desc())
    )
    if open_only:
        query = query.where(DiaryFlag.acknowledged_at.is_(None),
                            or_(DiaryFlag.cleared_at.is_(None), DiaryFlag.id.in_(withdrawn_flags())))
    if since is not None:
        query = query.where(DiaryFlag.day >= since)
    if until is not None:
        query = query.where(DiaryFlag.day <= until)
    return [(flag, engagement) for flag, engagement in session.execute(query)]


def acknowledge_flag(session: Session, agency_id: int, flag_id: int, note: str | None, now: dt.datetime) -> DiaryFlag | None:
    """Mark a flag seen by the agency; None if it is not one of the agency's."""
    flag = session.scalar(
        select(DiaryFlag).join(Engagement, Engagement.id == DiaryFlag.engagement_id)
        .where(DiaryFlag.id == flag_id, Engagement.agency_id == agency_id)
    )
    if flag is None:
        return None
    if flag.acknowledged_at is None:
        flag.acknowledged_at = now
        flag.acknowledged_note = note
    return flag
