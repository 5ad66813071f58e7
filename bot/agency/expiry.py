"""Verifications running out: which ones, and the warnings to the agency's supervisors.

The profile's light needs nothing from here: it is computed from the dates at
every lookup (``bot.lookup.credit.check_states``), so a health certificate out of
date turns the badge yellow on its own. This module tells the agency in time:
once 30 days ahead (``expiry:{verification_id}:30:{openid}``) and once when it has
run out (``expiry:{verification_id}:expired:{openid}``), through the outbox.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.agency import texts
from bot.lookup.credit import KIND_LABELS
from bot.models import Notification, Verification, Worker
from bot.outbox import cards
from bot.outbox.queue import enqueue
from bot.outbox.recipients import supervisors_of

WARN_DAYS = 30
AHEAD = "30"
EXPIRED = "expired"
# A check that ran out longer ago than this is listed by the admin API but not announced
# (the first run after deployment should not send years of history).
EXPIRED_ANNOUNCE_DAYS = 30


@dataclass(frozen=True)
class Expiring:
    verification: Verification
    worker: Worker

    def days_left(self, today: dt.date) -> int:
        assert self.verification.expires_on is not None
        return (self.verification.expires_on - today).days


def expiring(session: Session, today: dt.date, days: int, *, agency_id: int | None = None,
             expired_since: dt.date | None = None) -> list[Expiring]:
    """Verified checks in force (the newest row of their kind) that run out by ``today + days``.

    Checks already out of date are included, back to ``expired_since`` if given. Oldest date first.
    """
    newest_ids = select(func.max(Verification.id).label("id")).group_by(Verification.worker_id, Verification.kind)
    if agency_id is not None:
        newest_ids = newest_ids.where(Verification.worker_id.in_(select(Worker.id).where(Worker.agency_id == agency_id)))
    newest = newest_ids.subquery()
    query = (
        select(Verification, Worker)
        .join(newest, newest.c.id == Verification.id)
        .join(Worker, Worker.id == Verification.worker_id)
        .where(Verification.status == "verified", Verification.expires_on.is_not(None),
               Verification.expires_on <= today + dt.timedelta(days=days))
        .order_by(Verification.expires_on, Verification.id)
    )
    if agency_id is not None:
        query = query.where(Worker.agency_id == agency_id)
    if expired_since is not None:
        query = query.where(Verification.expires_on >= expired_since)
    return [Expiring(v, w) for v, w in session.execute(query)]


def threshold_for(expires_on: dt.date, today: dt.date) -> str:
    """Which warning a check is due: ``30`` (runs out within 30 days) or ``expired`` (out of date)."""
    return EXPIRED if expires_on < today else AHEAD


def warning_text(item: Expiring, today: dt.date) -> str:
    v = item.verification
    assert v.expires_on is not None
    label = KIND_LABELS.get(v.kind, v.kind)
    if v.expires_on < today:
        effect = texts.EXPIRED_EFFECTS.get(v.kind, texts.EXPIRED_EFFECT_OTHER)
        return texts.EXPIRED.format(worker=item.worker.name, label=label, date=v.expires_on.isoformat(), effect=effect)
    effect = texts.EXPIRY_EFFECTS.get(v.kind, texts.EXPIRY_EFFECT_OTHER)
    if v.expires_on == today:
        return texts.EXPIRY_TODAY.format(worker=item.worker.name, label=label, date=v.expires_on.isoformat(),
                                         effect=effect)
    return texts.EXPIRY_SOON.format(worker=item.worker.name, label=label, date=v.expires_on.isoformat(),
                                    days=item.days_left(today), effect=effect)


def queue_expiry_warnings(session: Session, today: dt.date, now: dt.datetime) -> dict[str, int]:
    """Queue each due warning to every supervisor of the worker's agency, once per check, threshold and person."""
    counts = {"expiring": 0, "expired": 0, "queued": 0, "no_supervisor": 0}
    since = today - dt.timedelta(days=EXPIRED_ANNOUNCE_DAYS)
    for item in expiring(session, today, WARN_DAYS, expired_since=since):
        v = item.verification
        assert v.expires_on is not None
        threshold = threshold_for(v.expires_on, today)
        counts["expired" if threshold == EXPIRED else "expiring"] += 1
        openids = supervisors_of(session, item.worker.agency_id)
        if not openids:
            counts["no_supervisor"] += 1
            continue
        text = warning_text(item, today)
        # The card's time is the morning run (08:00 local) of ``today``; the date it runs out is in its hint.
        template = cards.card(
            "expiry", f"{item.worker.name} {KIND_LABELS.get(v.kind, v.kind)}", cards.PHRASES["expiry"],
            dt.datetime.combine(today, dt.time(8)), hint=texts.EXPIRY_CARD_HINT.format(date=v.expires_on.isoformat()),
        )
        for openid in openids:
            note = enqueue(session, key=f"expiry:{v.id}:{threshold}:{openid}", openid=openid, kind="expiry",
                           text=text, template=template, now=now)
            counts["queued"] += note is not None
    return counts


def warnings_queued(session: Session, verification_ids: list[int]) -> dict[int, set[str]]:
    """Which thresholds have been queued for each verification (for the admin list)."""
    found: dict[int, set[str]] = {vid: set() for vid in verification_ids}
    if not verification_ids:
        return found
    keys = session.scalars(select(Notification.key).where(
        or_(*(Notification.key.like(f"expiry:{vid}:%") for vid in verification_ids))  # prefixes: the key's index
    ))
    for key in keys:
        _, vid, threshold, *_ = key.split(":")
        if vid.isdigit() and int(vid) in found:
            found[int(vid)].add(threshold)
    return found
