"""The worker list's light (SQL) agrees with the profile's (``status_light``) for every combination of checks."""

from __future__ import annotations

import datetime as dt
import itertools

from bot.agency.listing import find_workers
from bot.lookup.credit import check_states
from bot.lookup.profile import status_light
from bot.models import Verification
from tests.support.factories import make_agency, make_worker

TODAY = dt.date(2026, 11, 20)
STATES = ("verified", "expired", "pending", "failed", "missing")


def _add(session, worker_id: int, kind: str, state: str) -> None:
    if state == "missing":
        return
    # An older row of the same kind first: only the newest row counts.
    session.add(Verification(worker_id=worker_id, kind=kind, status="verified", checked_on=TODAY,
                             expires_on=TODAY + dt.timedelta(days=300) if state != "verified" else TODAY))
    status = {"expired": "verified"}.get(state, state)
    expires = TODAY - dt.timedelta(days=1) if state == "expired" else TODAY  # in date until the end of today
    session.add(Verification(worker_id=worker_id, kind=kind, status=status, checked_on=TODAY, expires_on=expires))


def test_the_list_light_is_the_profile_light(session) -> None:
    agency = make_agency(session)[0]
    expected = {}
    for identity, health, insurance in itertools.product(STATES, repeat=3):
        worker = make_worker(session, agency)
        for kind, state in (("identity", identity), ("health", health), ("insurance", insurance)):
            _add(session, worker.id, kind, state)
        session.commit()
        expected[worker.id] = status_light(check_states(session, worker.id, TODAY))
    found = find_workers(session, agency.id, TODAY, per_page=100, page=1).items
    found += find_workers(session, agency.id, TODAY, per_page=100, page=2).items
    assert {w.id: w.light for w in found} == expected
    for light in ("green", "yellow", "red"):
        filtered = find_workers(session, agency.id, TODAY, light=light, per_page=100)
        assert filtered.total == sum(1 for v in expected.values() if v == light)
