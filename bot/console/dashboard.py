"""The dashboard, ``/console/``: what needs someone now."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from bot.agency.expiry import WARN_DAYS
from bot.agency.figures import figures
from bot.agency.staff import allowed
from bot.console import bp, current_agency, current_staff, today, tz
from bot.core.clock import utcnow
from bot.diary.family import list_complaints
from bot.diary.flags import URGENT, agency_flags, withdrawals
from bot.diary.reach import unreached_flags
from bot.diary.reminders import quiet_nurses
from bot.lookup.credit import KIND_LABELS
from bot.store.db import get_session


@bp.get("/")
def dashboard() -> ResponseReturnValue:
    """The figures, then unacknowledged urgent flags first, open complaints, checks running out and run out,
    nurses gone quiet."""
    db = get_session()
    staff, agency = current_staff(), current_agency()
    day = today()
    flags, complaints, quiet, unreached = [], [], [], []
    if allowed(staff, "flags"):
        flags = sorted(agency_flags(db, agency.id, open_only=True), key=lambda fe: fe[0].severity != URGENT)
        unreached = unreached_flags(db, agency.id, utcnow())
    if allowed(staff, "complaints"):
        complaints = [c for c in list_complaints(db, agency) if c.responded_at is None]
    if allowed(staff, "engagements"):
        quiet = quiet_nurses(db, utcnow(), tz(), agency_id=agency.id)
    found = figures(db, agency.id, day, tz())
    return render_template(
        "console/dashboard.html", flags=flags, complaints=complaints, quiet=quiet, figures=found, today=day,
        kind_labels=KIND_LABELS, urgent=URGENT, now=utcnow().astimezone(tz()), unreached=unreached,
        urgent_open=sum(1 for f, _ in flags if f.severity == URGENT), warn_days=WARN_DAYS,
        withdrawn=withdrawals(db, [f.id for f, _ in flags[:10]]),
    )
