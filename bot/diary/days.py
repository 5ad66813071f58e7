"""A day of the diary as the family reads it: entries in time order, a summary, the rating and the flags."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session, aliased

from bot.core.errors import BadRequest
from bot.diary import texts
from bot.diary.babies import BabyRef
from bot.diary.engagements import MAX_DATE, MIN_DATE, PARENT
from bot.diary.entries import is_backdated
from bot.diary.flags import flags_of_day
from bot.diary.kinds import AGENCY_ONLY, describe, in_order
from bot.diary.parse import body_of
from bot.diary.refs import EngagementLike, babies_of, read_babies
from bot.diary.summary import BabyTotals, DaySummary
from bot.models import Binding, DiaryEntry, DiaryFlag, Rating
from bot.models.base import use_index
from bot.models.diary import BY_DAY, DIARY_ENTRIES

__all__ = ["DaySummary", "DayView", "EntryView", "FlagView", "RatingView", "baby_views", "day_bounds",
           "day_view", "day_views", "entries_of_day", "entry_body", "entry_view", "ratings_of_day", "summaries"]

NOTE = "note"


@dataclass(frozen=True)
class EntryView:
    id: int
    kind: str
    fields: dict[str, Any]
    text: str  # the line as the nurse sent it (the same for every entry that line made)
    body: str  # what readers see: built from the kind and fields (``配方奶 90ml``), a note's own words, a photo
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    author: str
    client_id: str | None
    revised: bool
    backdated: bool
    version: int = 1
    baby_id: int | None = None  # twins: which baby

    @property
    def original(self) -> str:
        """The nurse's own line without its leading time, shown on demand (原文), never beside ``body``."""
        return body_of(self.text)


def entry_body(kind: str, fields: Mapping[str, Any], text: str) -> str:
    """How one entry reads to everyone: its kind's ``describe`` of its fields; a note is the nurse's own words."""
    if kind == "photo":
        return texts.PHOTO_LINE
    if kind == NOTE:
        return body_of(text)
    return describe(kind, fields)


@dataclass(frozen=True)
class FlagView:
    id: int
    entry_id: int | None
    rule: str
    severity: str
    reason: str
    raised_at: dt.datetime
    acknowledged: bool


@dataclass(frozen=True)
class RatingView:
    stars: int
    comment: str | None
    rated_by: str
    updated_at: dt.datetime
    member: str = ""  # how the family sees who rated: as they said at binding (妈妈, 奶奶 …), else 家人 (家人2 …)


@dataclass
class DayView:
    date: dt.date
    entries: list[EntryView]
    summary: DaySummary
    ratings: list[RatingView]  # every family member's own rating, in the order they bound
    flags: list[FlagView]
    babies: list[BabyRef] = field(default_factory=list)  # twins: the engagement's babies; empty for one baby

    @property
    def family_flags(self) -> list[FlagView]:
        """The flags a family sees: not those only the agency's supervisors receive (``AGENCY_ONLY``)."""
        return [f for f in self.flags if f.rule not in AGENCY_ONLY]

    def rating_of(self, openid: str) -> RatingView | None:
        """This member's own rating of the day, if any."""
        return next((r for r in self.ratings if r.rated_by == openid), None)


def entry_view(entry: DiaryEntry) -> EntryView:
    """What readers see of one entry."""
    return EntryView(
        id=entry.id, kind=entry.kind, fields=dict(entry.fields), text=entry.text,
        body=entry_body(entry.kind, entry.fields, entry.text),
        occurred_at=entry.occurred_at, recorded_at=entry.recorded_at, author=entry.author_openid,
        client_id=entry.client_id, revised=entry.revised_at is not None, backdated=is_backdated(entry),
        version=entry.version, baby_id=entry.baby_id,
    )


def day_bounds(day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants a local calendar day starts and ends at (years 2000 to 2100)."""
    if not MIN_DATE <= day <= MAX_DATE:
        raise BadRequest(f"日期 {day.isoformat()} 超出范围 (date out of range)", code="invalid_date")
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


# The hot reads are built once (their SQL compiled once, their cache key kept): building a statement in
# Python costs more than running it. Parameters: bindparam names. The day's entries come back as plain rows
# of every column: a row answers each attribute a reader asks of an entry, without an object of the session.
_ENTRY_ROWS_OF_DAY = use_index(
    select(DIARY_ENTRIES)
    .where(DiaryEntry.engagement_id == bindparam("engagement_id"), DiaryEntry.occurred_at >= bindparam("start"),
           DiaryEntry.occurred_at < bindparam("end"), DiaryEntry.withdrawn_at.is_(None))
    .order_by(DiaryEntry.occurred_at, DiaryEntry.id), DIARY_ENTRIES, BY_DAY)


def entries_of_day(session: Session, engagement_id: int, day: dt.date, tz: ZoneInfo) -> list[DiaryEntry]:
    """The day's entries in time order, for reading only: rows, not objects of the session."""
    start, end = day_bounds(day, tz)
    session.flush()  # what this transaction wrote is part of its day (the session's own queries flush themselves)
    rows = session.connection().execute(_ENTRY_ROWS_OF_DAY, {"engagement_id": engagement_id, "start": start, "end": end})
    return cast(list[DiaryEntry], rows.all())


def baby_views(session: Session, engagement: EngagementLike) -> list[BabyRef]:
    """An engagement's babies as readers see them, when it has several (none for one baby: it reads as before)."""
    return _baby_views(babies_of(session, engagement))


def _baby_views(babies: Sequence[BabyRef]) -> list[BabyRef]:
    return list(babies) if len(babies) > 1 else []


def _summarise(day: dt.date, entries: list[DiaryEntry], flags: list[DiaryFlag],
               babies: list[BabyRef] | None = None) -> DaySummary:
    """The day's totals: each kind adds up its own entries (``EntryKind.summarise``); twins: each baby's too."""
    summary = _totals(day, entries, flags)
    for baby in babies or []:
        own = [e for e in entries if e.baby_id == baby.id]
        flagged = {e.id for e in own}
        summary.by_baby.append(BabyTotals(baby.id, baby.label, _totals(
            day, own, [f for f in flags if f.entry_id in flagged])))
    return summary


def _totals(day: dt.date, entries: list[DiaryEntry], flags: list[DiaryFlag]) -> DaySummary:
    # The flags the family is told of: those for the agency's supervisors alone are not counted in their figures.
    summary = DaySummary(date=day, entries=len(entries), flags=sum(f.rule not in AGENCY_ONLY for f in flags))
    by_kind: dict[str, list[DiaryEntry]] = {}
    for entry in entries:
        by_kind.setdefault(entry.kind, []).append(entry)
    for kind in in_order():
        for key in kind.summary_keys:
            summary.more[key.name] = key.default()
        if kind.summarise is not None and kind.name in by_kind:
            kind.summarise(summary, by_kind[kind.name])
    return summary


def day_view(session: Session, engagement: EngagementLike, day: dt.date, tz: ZoneInfo) -> DayView:
    """One local day: entries in time order, its summary, its rating and its flags."""
    entries = entries_of_day(session, engagement.id, day, tz)
    flags = flags_of_day(session, engagement.id, day)
    return _view(day, entries, flags, ratings_of_day(session, engagement.id, day), baby_views(session, engagement))


def day_views(session: Session, engagement_ids: Sequence[int], day: dt.date, tz: ZoneInfo) -> dict[int, DayView]:
    """The same day of many engagements, figures only (the evening digest): five queries, however many there are.

    ``DayView.entries`` is left empty: only the columns the summary adds up are read, as plain rows (a third of
    the time of loading whole entries for 400,000 of them). ``day_view`` gives one day with its entries.
    """
    if not engagement_ids:
        return {}
    start, end = day_bounds(day, tz)
    entries: dict[int, list[DiaryEntry]] = {e: [] for e in engagement_ids}
    # The summary reads id, kind, baby_id, fields and occurred_at: rows that carry just those stand in.
    for row in session.execute(use_index(
        select(*_SUMMED)
        .where(DiaryEntry.engagement_id.in_(engagement_ids), DiaryEntry.occurred_at >= start,
               DiaryEntry.occurred_at < end, DiaryEntry.withdrawn_at.is_(None))
        .order_by(DiaryEntry.engagement_id, DiaryEntry.occurred_at, DiaryEntry.id), DIARY_ENTRIES, BY_DAY)
    ):
        entries[row.engagement_id].append(cast(DiaryEntry, row))
    flags: dict[int, list[DiaryFlag]] = {e: [] for e in engagement_ids}
    for flag in session.scalars(
        select(DiaryFlag).where(DiaryFlag.engagement_id.in_(engagement_ids), DiaryFlag.day == day,
                                DiaryFlag.cleared_at.is_(None)).order_by(DiaryFlag.id)
    ):
        flags[flag.engagement_id].append(flag)
    babies = read_babies(session, engagement_ids)
    places: dict[int, dict[str, tuple[int, str | None]]] = {e: {} for e in engagement_ids}
    for engagement_id, openid, relation in session.execute(
        select(Binding.engagement_id, Binding.openid, Binding.relation)
        .where(Binding.engagement_id.in_(engagement_ids), Binding.role == PARENT).order_by(Binding.bound_at, Binding.id)
    ):
        places[engagement_id][openid] = (len(places[engagement_id]) + 1, relation)
    ratings: dict[int, list[tuple[Rating, int | None, str | None]]] = {e: [] for e in engagement_ids}
    for rating in session.scalars(select(Rating).where(Rating.engagement_id.in_(engagement_ids), Rating.day == day)):
        place, relation = places[rating.engagement_id].get(rating.rated_by, (None, None))
        ratings[rating.engagement_id].append((rating, place, relation))
    return {e: _view(day, entries[e], flags[e], _rating_views(ratings[e]), _baby_views(babies[e]), with_entries=False)
            for e in engagement_ids}


_SUMMED = (DiaryEntry.id, DiaryEntry.engagement_id, DiaryEntry.kind, DiaryEntry.baby_id, DiaryEntry.fields,
           DiaryEntry.occurred_at)


def _view(day: dt.date, entries: list[DiaryEntry], flags: list[DiaryFlag], ratings: list[RatingView],
          babies: list[BabyRef], with_entries: bool = True) -> DayView:
    return DayView(
        date=day,
        entries=[entry_view(e) for e in entries] if with_entries else [],
        summary=_summarise(day, entries, flags, babies),
        ratings=ratings,
        flags=[
            FlagView(f.id, f.entry_id, f.rule, f.severity, f.reason, f.raised_at, f.acknowledged_at is not None)
            for f in flags
        ],
        babies=babies,
    )


def _ratings_of_day() -> Select[tuple[int, str | None, str, dt.datetime, int, str | None]]:
    """Each rating of a day with its rater's place among the engagement's parents (0 for one who left)."""
    rater = aliased(Binding)
    earlier = aliased(Binding)
    place = (
        select(func.count(earlier.id))
        .where(earlier.engagement_id == bindparam("engagement_id"), earlier.role == PARENT,
               or_(earlier.bound_at < rater.bound_at, and_(earlier.bound_at == rater.bound_at, earlier.id <= rater.id)))
        .correlate(rater)
        .scalar_subquery()
    )
    return (
        select(Rating.stars, Rating.comment, Rating.rated_by, Rating.updated_at, place.label("place"),
               rater.relation.label("relation"))
        .outerjoin(rater, and_(rater.engagement_id == Rating.engagement_id, rater.openid == Rating.rated_by,
                               rater.role == PARENT))
        .where(Rating.engagement_id == bindparam("engagement_id"), Rating.day == bindparam("day"))
    )


_RATINGS_OF_DAY = _ratings_of_day()


def ratings_of_day(session: Session, engagement_id: int, day: dt.date) -> list[RatingView]:
    """Every family member's rating of ``day``, named as they said at binding (妈妈 …) and in the order they bound:
    one query, of plain rows of what a reader sees (a row stands in for the rating)."""
    session.flush()  # a rating this transaction gave is part of its day
    rows = session.connection().execute(_RATINGS_OF_DAY, {"engagement_id": engagement_id, "day": day}).all()
    return _rating_views([(cast(Rating, row), row.place or None, row.relation) for row in rows])


def _rating_views(rows: Sequence[tuple[Rating, int | None, str | None]]) -> list[RatingView]:
    """Ratings with their rater's place among the parents (None: no longer bound) and who they said they are, in
    that order: 妈妈, 奶奶 …; one who said nothing is 家人 (家人2, 家人3 by place when several such rated)."""
    gone = 1 << 30  # who no longer holds a parent binding comes last
    placed = sorted(((n or gone, r, relation) for r, n, relation in rows), key=lambda row: (row[0], row[1].updated_at))
    unnamed = sum(1 for n, _r, relation in placed if n != gone and not relation)

    def member(n: int, relation: str | None) -> str:
        if n == gone:
            return relation or texts.FORMER_MEMBER
        if relation:
            return relation
        return texts.FAMILY_MEMBER.format(n=n) if unnamed > 1 else texts.FAMILY_MEMBER_ONE

    return [RatingView(r.stars, r.comment, r.rated_by, r.updated_at, member(n, relation)) for n, r, relation in placed]


def summaries(session: Session, engagement: EngagementLike, first: dt.date, last: dt.date, tz: ZoneInfo) -> list[DaySummary]:
    """The totals of every local day from ``first`` to ``last``: two queries, whatever the span."""
    start, _ = day_bounds(first, tz)
    _, end = day_bounds(last, tz)
    by_day: dict[dt.date, list[DiaryEntry]] = {}
    for entry in session.scalars(
        select(DiaryEntry)
        .where(DiaryEntry.engagement_id == engagement.id, DiaryEntry.occurred_at >= start, DiaryEntry.occurred_at < end,
               DiaryEntry.withdrawn_at.is_(None))
        .order_by(DiaryEntry.occurred_at, DiaryEntry.id)
    ):
        by_day.setdefault(entry.occurred_at.astimezone(tz).date(), []).append(entry)
    flags_by_day: dict[dt.date, list[DiaryFlag]] = {}
    for flag in session.scalars(
        select(DiaryFlag).where(DiaryFlag.engagement_id == engagement.id, DiaryFlag.day >= first, DiaryFlag.day <= last,
                                DiaryFlag.cleared_at.is_(None))
    ):
        flags_by_day.setdefault(flag.day, []).append(flag)
    days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    babies = baby_views(session, engagement)
    return [_summarise(day, by_day.get(day, []), flags_by_day.get(day, []), babies) for day in days]
