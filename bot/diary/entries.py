"""Recording, revising and withdrawing diary entries: one path for chat and the mini-program."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached

from bot.core.errors import BadRequest, Conflict, Forbidden, NotFound
from bot.diary import flags as flag_rules
from bot.diary import texts
from bot.diary.engagements import DEFAULT_TZ, NURSE, role_in
from bot.diary.kinds import BABY, MOTHER
from bot.diary.kinds import KINDS as ENTRY_KINDS
from bot.diary.parse import ParsedEntry
from bot.diary.refs import EngagementLike, babies_of, engagement_ref
from bot.diary.schemas import MAX_CLIENT_ID, MAX_TEXT, check_fields
from bot.models import DiaryEntry, DiaryFlag, DiaryRevision
from bot.models.diary import DIARY_ENTRIES

# Every kind of the registry in bot/diary/kinds/ (a live view: a kind registered later is in it too).
KINDS = ENTRY_KINDS.keys()
# An entry back-dated by more than this is marked as such in what the family sees.
BACKDATE_MARK_AFTER = dt.timedelta(hours=2)
MAX_FUTURE = dt.timedelta(minutes=10)
MAX_PAST = dt.timedelta(days=60)
# One chat message holds at most this many lines (entries); the mini-program's batches have their own limit.
MAX_LINES = 50
TOO_MANY_LINES = "一条消息最多记录{limit}行（本条有{count}行），请分成几条发送。这条消息没有记录任何内容。"
# A phone that was offline may send the last days' entries a little after the engagement ended.
LATE_SYNC = dt.timedelta(days=3)


def is_backdated(entry: DiaryEntry) -> bool:
    """Written well after it happened (（补记）): after its end, for something that lasts (a sleep of two hours told
    when it ended is not late)."""
    kind = ENTRY_KINDS.get(entry.kind)
    lasted = entry.fields.get("duration_min") if kind is not None and kind.takes_range else None
    ended = entry.occurred_at + dt.timedelta(minutes=int(lasted)) if isinstance(lasted, int | float) else entry.occurred_at
    return entry.recorded_at - ended > BACKDATE_MARK_AFTER


def _check(entry: ParsedEntry, recorded_at: dt.datetime, index: int) -> None:
    where = f"第{index + 1}条" if index else "记录"
    if entry.kind not in KINDS:
        raise BadRequest(f"{where}：未知的类型 {entry.kind!r} (unknown kind)", code="invalid_kind")
    check_fields(entry.kind, entry.fields, where)  # the kind's model, whoever made the entry
    if not isinstance(entry.text, str) or len(entry.text) > MAX_TEXT:
        raise BadRequest(f"{where}：文字不能超过{MAX_TEXT}字 (text too long)", code="invalid_field")
    if entry.client_id is not None and (not isinstance(entry.client_id, str) or not 0 < len(entry.client_id) <= MAX_CLIENT_ID):
        raise BadRequest(f"{where}：client_id 应为1到{MAX_CLIENT_ID}个字符 (invalid client_id)", code="invalid_field")
    if entry.occurred_at.tzinfo is None:
        raise BadRequest(f"{where}：时间缺少时区 (occurred_at needs an offset)", code="invalid_field")
    if entry.occurred_at - recorded_at > MAX_FUTURE:
        raise BadRequest(f"{where}：时间不能在将来 (occurred_at in the future)", code="invalid_field")
    if recorded_at - entry.occurred_at > MAX_PAST:
        raise BadRequest(f"{where}：时间太久以前 (occurred_at over 60 days ago)", code="invalid_field")


def _baby_of(entry: ParsedEntry, baby_ids: Sequence[int], index: int) -> int | None:
    """The baby an entry is stored with: checked against the engagement's babies; None in a one-baby engagement
    (its only baby is meant, and the diary reads exactly as before twins were told apart)."""
    where = f"第{index + 1}条" if index else "记录"
    about = ENTRY_KINDS[entry.kind].about
    given = entry.baby_id
    if given is not None and (isinstance(given, bool) or not isinstance(given, int) or given not in baby_ids):
        raise BadRequest(f"{where}：baby_id 不是本户的宝宝 (baby_id is not a baby of this engagement)",
                         code="invalid_baby")
    if len(baby_ids) <= 1:
        return None
    if about == MOTHER and given is not None:
        raise BadRequest(f"{where}：产妇的记录不属于宝宝，不要填写 baby_id (the mother's entries name no baby)",
                         code="invalid_baby")
    if about == BABY and given is None:
        raise BadRequest(f"{where}：本户有{len(baby_ids)}个宝宝，请用 baby_id 写明是哪个宝宝 (baby_id required)",
                         code="baby_required")
    return given


def _check_in_service(engagement: EngagementLike, occurred_at: dt.datetime, now: dt.datetime, tz: ZoneInfo) -> None:
    """An entry belongs to a day of the engagement, and is recorded while it runs (or just after)."""
    if now.astimezone(tz).date() > engagement.ends_on + LATE_SYNC:
        raise Conflict(texts.ENGAGEMENT_ENDED.format(ends=engagement.ends_on.isoformat()), code="engagement_ended")
    day = occurred_at.astimezone(tz).date()
    if not engagement.starts_on <= day <= engagement.ends_on:
        raise BadRequest(texts.ENTRY_OUTSIDE.format(date=day, starts=engagement.starts_on, ends=engagement.ends_on),
                         code="outside_engagement")


def _require_nurse(session: Session, engagement: EngagementLike, openid: str, role: str | None) -> None:
    if (role if role is not None else role_in(session, engagement.id, openid)) != NURSE:
        raise Forbidden("只有本户的月嫂可以记录日记 (only the engagement's nurse writes the diary)", code="not_nurse")


class Recorded(list[DiaryEntry]):
    """The stored rows of a ``record_entries`` call, in order; ``created`` are the ones this call added,
    ``flags`` the flags their arrival raised (a row stored before, from a resent batch, raises none)."""

    def __init__(self, rows: list[DiaryEntry], created: list[DiaryEntry], flags: Sequence[DiaryFlag] = ()) -> None:
        super().__init__(rows)
        self.created = created
        self.flags = list(flags)


def record_entries(
    session: Session,
    engagement: EngagementLike,
    author_openid: str,
    entries: Sequence[ParsedEntry],
    recorded_at: dt.datetime,
    tz: ZoneInfo = DEFAULT_TZ,
    max_entries: int | None = None,
    role: str | None = None,
) -> Recorded:
    """Store entries written by the engagement's nurse, evaluate flags, and return the stored rows.

    Every entry is checked before anything is written; more than ``max_entries`` is refused
    whole. An entry whose ``client_id`` is already stored (a resent batch) is not added
    again: its stored row is returned. However many entries raise the same kind of flag,
    one call notifies the family once per kind. ``role``: the author's, from the binding the caller read
    (else it is read here).
    """
    if max_entries is not None and len(entries) > max_entries:
        raise BadRequest(TOO_MANY_LINES.format(limit=max_entries, count=len(entries)), code="too_many_lines")
    _require_nurse(session, engagement, author_openid, role)
    baby_ids = [b.id for b in babies_of(session, engagement)]
    babies: list[int | None] = []
    for index, entry in enumerate(entries):
        _check(entry, recorded_at, index)
        _check_in_service(engagement, entry.occurred_at, recorded_at, tz)
        babies.append(_baby_of(entry, baby_ids, index))
    known = _by_client_ids(session, engagement.id, [e.client_id for e in entries if e.client_id is not None])
    rows: list[DiaryEntry] = []
    for entry, baby_id in zip(entries, babies, strict=True):
        existing = known.get(entry.client_id) if entry.client_id is not None else None
        rows.append(existing or DiaryEntry(
            engagement_id=engagement.id,
            baby_id=baby_id,
            kind=entry.kind,
            fields=dict(entry.fields),
            text=entry.text,
            occurred_at=entry.occurred_at,
            recorded_at=recorded_at,
            author_openid=author_openid,
            client_id=entry.client_id,
        ))
    fresh = [row for row in rows if row.id is None]
    if all(row.client_id is None for row in fresh):  # chat lines: nothing to collide with, no savepoint needed
        _store(session, fresh)
        stored, new = rows, fresh
    else:
        stored, new = _insert_batch(session, engagement.id, rows, fresh)
    raised = flag_rules.evaluate(session, engagement, new, recorded_at, tz) if new else []
    return Recorded(stored, new, raised)


def _insert_batch(session: Session, engagement_id: int, rows: list[DiaryEntry], fresh: list[DiaryEntry]
                  ) -> tuple[list[DiaryEntry], list[DiaryEntry]]:
    """Insert a phone's batch in one savepoint; if another request stored one of its client_ids meanwhile,
    insert them one at a time, each keeping the row stored first."""
    try:
        with session.begin_nested():
            _store(session, fresh)
        return rows, fresh
    except IntegrityError:
        pass
    stored: list[DiaryEntry] = []
    new: list[DiaryEntry] = []
    for row in rows:
        if row not in fresh:
            stored.append(row)
            continue
        try:  # the row is still transient: a failed INSERT attaches nothing to the session
            with session.begin_nested():
                _store(session, [row])
        except IntegrityError:  # the same client_id stored concurrently
            existing = _by_client_id(session, engagement_id, row.client_id)
            if existing is None:
                raise
            stored.append(existing)
            continue
        stored.append(row)
        new.append(row)
    return stored, new


# The columns a new entry is given; the rest are its defaults.
_GIVEN = ("engagement_id", "baby_id", "kind", "fields", "text", "occurred_at", "recorded_at", "author_openid",
          "client_id")
_INSERT_ONE = insert(DIARY_ENTRIES)
_INSERT_MANY = insert(DIARY_ENTRIES).returning(DIARY_ENTRIES.c.id, sort_by_parameter_order=True)


def _store(session: Session, rows: list[DiaryEntry]) -> None:
    """Insert new entries with one Core INSERT and keep them in the session as the rows they now are.

    The unit of work cost more than the INSERT itself (a third of a diary write's database work in
    Python): here nothing is read back but the ids, since a new entry's other columns are what was given
    (version 1, neither revised nor withdrawn). A failed INSERT leaves the objects as they were.
    """
    if not rows:
        return
    values = [{column: getattr(row, column) for column in _GIVEN} for row in rows]
    connection = session.connection()
    if len(rows) == 1:
        key = connection.execute(_INSERT_ONE, values[0]).inserted_primary_key
        assert key is not None
        ids = [key[0]]
    else:
        ids = list(connection.execute(_INSERT_MANY, values).scalars())
    for row, new_id in zip(rows, ids, strict=True):
        row.id, row.version, row.revised_at, row.withdrawn_at = new_id, 1, None, None
        make_transient_to_detached(row)
        session.add(row)


def _by_client_ids(session: Session, engagement_id: int, client_ids: list[str]) -> dict[str, DiaryEntry]:
    """The rows already stored under these client ids (a resent batch), in one query."""
    if not client_ids:
        return {}
    return {row.client_id: row for row in session.scalars(
        select(DiaryEntry).where(DiaryEntry.engagement_id == engagement_id, DiaryEntry.client_id.in_(client_ids))
    ) if row.client_id is not None}


def _by_client_id(session: Session, engagement_id: int, client_id: str | None) -> DiaryEntry | None:
    if client_id is None:
        return None
    return session.scalar(
        select(DiaryEntry).where(DiaryEntry.engagement_id == engagement_id, DiaryEntry.client_id == client_id)
    )


def _snapshot(entry: DiaryEntry) -> dict[str, Any]:
    before: dict[str, Any] = {"kind": entry.kind, "fields": entry.fields, "text": entry.text,
                              "occurred_at": entry.occurred_at.isoformat()}
    if entry.baby_id is not None:
        before["baby_id"] = entry.baby_id
    return before


def _own_entry(session: Session, entry_id: int, openid: str) -> DiaryEntry:
    entry = session.get(DiaryEntry, entry_id, with_for_update=True)
    # Someone else's entry is reported absent, not forbidden: its existence is not theirs to learn.
    if entry is None or entry.author_openid != openid or entry.withdrawn_at is not None:
        raise NotFound(texts.ENTRY_NOT_FOUND, code="entry_not_found")
    return entry


def _check_version(entry: DiaryEntry, expected: int | None) -> None:
    if expected is not None and expected != entry.version:
        raise Conflict(texts.ENTRY_CHANGED.format(version=entry.version), code="version_conflict")


def revise_entry(
    session: Session,
    entry_id: int,
    openid: str,
    now: dt.datetime,
    *,
    kind: str | None = None,
    fields: dict[str, Any] | None = None,
    text: str | None = None,
    occurred_at: dt.datetime | None = None,
    tz: ZoneInfo = DEFAULT_TZ,
    expected_version: int | None = None,
    baby_id: int | None = None,
    engagement: EngagementLike | None = None,
) -> DiaryEntry:
    """Change the author's own entry; what it was before is kept as a revision, and flags are re-evaluated.

    With ``expected_version``, an entry changed since the caller read it is a Conflict (409). ``baby_id``: the
    entry is about another of the engagement's babies (None: the baby it was about).
    """
    entry = _own_entry(session, entry_id, openid)
    _check_version(entry, expected_version)
    proposed = ParsedEntry(
        kind=kind if kind is not None else entry.kind,
        fields=fields if fields is not None else entry.fields,
        text=text if text is not None else entry.text,
        occurred_at=occurred_at if occurred_at is not None else entry.occurred_at,
        baby_id=baby_id if baby_id is not None else entry.baby_id,
    )
    _check(proposed, now, 0)
    engagement = _engagement(session, entry, engagement)
    _check_in_service(engagement, proposed.occurred_at, now, tz)
    if ENTRY_KINDS[proposed.kind].about == MOTHER and baby_id is None:
        proposed.baby_id = None  # a baby's entry edited into the mother's leaves its baby
    new_baby = _baby_of(proposed, [b.id for b in babies_of(session, engagement)], 0)
    session.add(DiaryRevision(entry_id=entry.id, action="edit", before=_snapshot(entry), by_openid=openid, at=now))
    entry.kind, entry.fields, entry.text = proposed.kind, dict(proposed.fields), proposed.text
    entry.baby_id = new_baby
    entry.occurred_at = proposed.occurred_at
    entry.revised_at = now
    entry.version += 1
    session.flush()
    flag_rules.reevaluate(session, engagement, entry, now, tz)
    return entry


def withdraw_entry(
    session: Session, entry_id: int, openid: str, now: dt.datetime, expected_version: int | None = None,
    tz: ZoneInfo = DEFAULT_TZ, engagement: EngagementLike | None = None,
) -> DiaryEntry:
    """Hide the author's own entry from the diary; it stays in history as a revision. ``engagement``: the entry's,
    when the caller's binding has it."""
    entry = _own_entry(session, entry_id, openid)
    _check_version(entry, expected_version)
    session.add(DiaryRevision(entry_id=entry.id, action="withdraw", before=_snapshot(entry), by_openid=openid, at=now))
    entry.withdrawn_at = now
    entry.version += 1
    flag_rules.clear_for_entry(session, entry.id, now, engagement)
    if entry.kind == "feeding":
        _recheck_next_feed(session, entry, now, tz, _engagement(session, entry, engagement))
    return entry


def _engagement(session: Session, entry: DiaryEntry, given: EngagementLike | None) -> EngagementLike:
    """The entry's engagement: the one the caller's binding carries, else read."""
    if given is not None:
        if given.id != entry.engagement_id:
            raise NotFound(texts.ENTRY_NOT_FOUND, code="entry_not_found")
        return given
    found = engagement_ref(session, entry.engagement_id)
    assert found is not None  # a foreign key
    return found


def _recheck_next_feed(session: Session, withdrawn: DiaryEntry, now: dt.datetime, tz: ZoneInfo,
                       engagement: EngagementLike) -> None:
    """A withdrawn feed may leave a gap between its neighbours: look at the next feed again."""
    session.flush()
    following = session.scalar(
        select(DiaryEntry)
        .where(DiaryEntry.engagement_id == withdrawn.engagement_id, DiaryEntry.kind == "feeding",
               DiaryEntry.withdrawn_at.is_(None), DiaryEntry.occurred_at > withdrawn.occurred_at)
        .order_by(DiaryEntry.occurred_at, DiaryEntry.id)
        .limit(1)
    )
    if following is not None:
        flag_rules.evaluate(session, engagement, [following], now, tz)


def withdraw_last(
    session: Session, engagement: EngagementLike, openid: str, now: dt.datetime, tz: ZoneInfo = DEFAULT_TZ
) -> DiaryEntry | None:
    """Withdraw the last entry ``openid`` recorded in this engagement; None if there is none."""
    last_id = session.scalar(
        select(DiaryEntry.id)
        .where(DiaryEntry.engagement_id == engagement.id, DiaryEntry.author_openid == openid,
               DiaryEntry.withdrawn_at.is_(None))
        .order_by(DiaryEntry.recorded_at.desc(), DiaryEntry.id.desc())
        .limit(1)
    )
    if last_id is None:
        return None
    return withdraw_entry(session, last_id, openid, now, tz=tz, engagement=engagement)


def revisions_of(session: Session, entry_id: int) -> list[DiaryRevision]:
    return list(session.scalars(select(DiaryRevision).where(DiaryRevision.entry_id == entry_id).order_by(DiaryRevision.id)))
