"""Who receives an agency's notices: the supervisors bound to it (bot/agency/supervisors.py binds them)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Supervisor


def supervisors_of(session: Session, agency_id: int) -> list[str]:
    """The openids of an agency's supervisors, in the order they bound."""
    return list(session.scalars(
        select(Supervisor.openid).where(Supervisor.agency_id == agency_id).order_by(Supervisor.id)
    ))
