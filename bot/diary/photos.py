"""Photo entries: a nurse's image message is promised at once and fetched from WeChat afterwards.

The chat handler writes a ``pending`` DiaryPhoto in the same transaction as the
message's dedup row and answers ``success``. ``fetch_pending`` (run in a thread
after the commit, and by the scheduler as a sweep for anything a dead process
left) downloads the media through the ``download`` it is given (the WeChat edge,
``bot.wechat.media``), stores it, creates the photo entry and tells the nurse
"照片已记录 HH:MM".
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.core.clock import utcnow
from bot.core.errors import AnxinError
from bot.diary import texts
from bot.diary.entries import record_entries
from bot.diary.parse import ParsedEntry
from bot.diary.refs import EngagementLike
from bot.models import DiaryPhoto, Engagement
from bot.outbox.queue import backoff, enqueue
from bot.store.retry import retried, retrying

log = logging.getLogger("anxin.diary.photos")

MAX_ATTEMPTS = 6
STALE_FETCHING = dt.timedelta(minutes=10)
MAX_BYTES = 10 * 1024 * 1024


class PhotoUnavailable(Exception):
    """The media could not be had this time (WeChat refused, the network failed, not an image)."""


# Fetches one media id: (bytes, content type), or PhotoUnavailable.
Download = Callable[[str], tuple[bytes, str]]


def request_photo(
    session: Session, engagement: EngagementLike, author_openid: str, media_id: str, source_key: str, sent_at: dt.datetime
) -> DiaryPhoto:
    """Write down that a photo is to be fetched (in the caller's transaction)."""
    photo = DiaryPhoto(source_key=source_key[:191], engagement_id=engagement.id, author_openid=author_openid,
                       media_id=media_id[:128], sent_at=sent_at, next_attempt_at=sent_at)
    session.add(photo)
    session.flush()
    return photo


def store_photo(session: Session, photo: DiaryPhoto, data: bytes, content_type: str, now: dt.datetime,
                tz: ZoneInfo) -> None:
    """Keep the bytes, make the photo entry (once: its client id is the photo's) and queue the nurse's follow-up."""
    engagement = session.get(Engagement, photo.engagement_id)
    assert engagement is not None
    entry = ParsedEntry(kind="photo", fields={"photo_id": photo.id, "content_type": content_type, "bytes": len(data)},
                        text=texts.PHOTO_LINE, occurred_at=photo.sent_at, client_id=f"photo:{photo.id}")
    [stored] = record_entries(session, engagement, photo.author_openid, [entry], photo.sent_at, tz)
    photo.data, photo.content_type, photo.entry_id = data, content_type, stored.id
    photo.status, photo.stored_at, photo.last_error = "stored", now, None
    enqueue(session, key=f"photo:{photo.id}", openid=photo.author_openid, kind="followup",
            text=texts.PHOTO_RECORDED.format(time=photo.sent_at.astimezone(tz).strftime("%H:%M")))


def _claim(session: Session, now: dt.datetime, photo_ids: list[int] | None) -> list[tuple[int, str]]:
    due = select(DiaryPhoto.id, DiaryPhoto.media_id).where(
        or_(
            (DiaryPhoto.status == "pending") & (DiaryPhoto.next_attempt_at <= now),
            (DiaryPhoto.status == "fetching") & (DiaryPhoto.next_attempt_at <= now - STALE_FETCHING),
        )
    ).order_by(DiaryPhoto.id).limit(50)
    if photo_ids is not None:
        due = due.where(DiaryPhoto.id.in_(photo_ids))
    if session.get_bind().dialect.name in ("mysql", "mariadb"):
        due = due.with_for_update(skip_locked=True)
    rows = [(row.id, row.media_id) for row in session.execute(due)]
    if rows:
        session.execute(
            update(DiaryPhoto).where(DiaryPhoto.id.in_([photo_id for photo_id, _media in rows]))
            .values(status="fetching", next_attempt_at=now, attempts=DiaryPhoto.attempts + 1)
        )
    return rows


def fetch_pending(
    session_factory: sessionmaker[Session],
    download: Download,
    tz: ZoneInfo,
    photo_ids: list[int] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, int]:
    """Fetch the photos that are due (all of them, or ``photo_ids``); return how many were stored, retried, failed."""
    now = now or utcnow()
    counts = {"stored": 0, "retry": 0, "failed": 0}

    def claim() -> list[tuple[int, str]]:
        with session_factory() as session, session.begin():
            return _claim(session, now, photo_ids)

    # SKIP LOCKED skips what this node locks: another Galera node's sweep claiming the same rows makes one commit
    # fail (1213); run again, it skips the rows the other took.
    claimed = retrying(claim, "photos.claim")
    for photo_id, media_id in claimed:
        try:
            data, content_type = download(media_id)  # no transaction open while WeChat answers
        except PhotoUnavailable as exc:
            counts[_failed(session_factory, photo_id, str(exc), now, tz)] += 1
            continue
        try:
            if not _store(session_factory, photo_id, data, content_type, tz):
                continue  # another sweep finished it meanwhile
        except AnxinError as exc:  # e.g. the nurse was unbound meanwhile
            counts[_failed(session_factory, photo_id, exc.message, now, tz, final=True)] += 1
            continue
        counts["stored"] += 1
        log.info("photo.stored", extra={"fields": {"photo_id": photo_id}})
    return counts


@retried("photos.store")
def _store(session_factory: sessionmaker[Session], photo_id: int, data: bytes, content_type: str, tz: ZoneInfo) -> bool:
    """Store a fetched photo still claimed (``fetching``); False when another sweep finished it meanwhile."""
    with session_factory() as session, session.begin():
        photo = session.get(DiaryPhoto, photo_id, with_for_update=True)
        assert photo is not None
        if photo.status != "fetching":
            return False
        store_photo(session, photo, data, content_type, utcnow(), tz)
        return True


@retried("photos.failed")
def _failed(session_factory: sessionmaker[Session], photo_id: int, error: str, now: dt.datetime, tz: ZoneInfo,
            final: bool = False) -> str:
    with session_factory() as session, session.begin():
        photo = session.get(DiaryPhoto, photo_id, with_for_update=True)
        assert photo is not None
        photo.last_error = error[:1000]
        if final or photo.attempts >= MAX_ATTEMPTS:
            photo.status = "failed"
            enqueue(session, key=f"photo:{photo.id}:failed", openid=photo.author_openid, kind="followup",
                    text=texts.PHOTO_FAILED.format(time=photo.sent_at.astimezone(tz).strftime("%H:%M")))
            outcome = "failed"
        else:
            photo.status = "pending"
            photo.next_attempt_at = now + backoff(photo.attempts)
            outcome = "retry"
    log.warning("photo.fetch_failed", extra={"fields": {"photo_id": photo_id, "error": error[:200], "outcome": outcome}})
    return outcome


def photo_bytes(session: Session, engagement_id: int, photo_id: int) -> tuple[bytes, str] | None:
    """A stored photo of an engagement (for the mini-program and the family's view)."""
    photo = session.scalar(select(DiaryPhoto).where(DiaryPhoto.id == photo_id, DiaryPhoto.engagement_id == engagement_id,
                                                    DiaryPhoto.status == "stored"))
    if photo is None or photo.data is None or photo.content_type is None:
        return None
    return photo.data, photo.content_type
