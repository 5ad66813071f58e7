"""An agency's supervisors (机构主管): issued a single-use code, bound in chat, told of expiries and flags.

The codes share one space with the engagements' (``bot.agency.codes``), so one ``绑定 CODE`` command reads
engagement and supervisor codes alike.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.agency import texts
from bot.agency.codes import new_code, normalise_code
from bot.core.errors import Conflict, NotFound
from bot.models import Agency, Binding, Notification, Supervisor, SupervisorCode

# A code is for someone the agency is about to onboard, not to lie around.
CODE_TTL = dt.timedelta(days=7)


def issue_supervisor_code(session: Session, agency: Agency, now: dt.datetime) -> SupervisorCode:
    """A fresh single-use code that binds whoever sends it in chat as the agency's supervisor."""
    row = SupervisorCode(agency_id=agency.id, code=new_code(session), created_at=now)
    session.add(row)
    session.flush()
    return row


def find_supervisor_code(session: Session, code: str) -> SupervisorCode | None:
    """The supervisor code ``code`` (as people type it), locked until the transaction ends; None if it is not one."""
    return session.scalar(
        select(SupervisorCode).where(SupervisorCode.code == normalise_code(code)).with_for_update()
    )


def bind_supervisor(session: Session, openid: str, code: SupervisorCode, now: dt.datetime) -> Supervisor:
    """Use ``code`` once: bind ``openid`` as a supervisor of its agency (the same user again is harmless)."""
    if code.used_at is not None:
        existing = session.scalar(select(Supervisor).where(Supervisor.agency_id == code.agency_id,
                                                           Supervisor.openid == openid))
        if code.used_by == openid and existing is not None:
            return existing
        raise Conflict(texts.SUPERVISOR_CODE_USED, code="code_used")
    if now - code.created_at > CODE_TTL:
        raise Conflict(texts.SUPERVISOR_CODE_EXPIRED.format(days=CODE_TTL.days), code="code_expired")
    code.used_at, code.used_by = now, openid
    supervisor = session.scalar(select(Supervisor).where(Supervisor.agency_id == code.agency_id,
                                                         Supervisor.openid == openid))
    if supervisor is not None:  # already a supervisor by an earlier code: the new one is spent all the same
        return supervisor
    supervisor = Supervisor(agency_id=code.agency_id, openid=openid, bound_at=now)
    try:
        with session.begin_nested():
            session.add(supervisor)
    except IntegrityError:  # the same user bound concurrently
        supervisor = session.scalars(select(Supervisor).where(Supervisor.agency_id == code.agency_id,
                                                              Supervisor.openid == openid)).one()
    return supervisor


def remove_supervisor(session: Session, agency_id: int, supervisor_id: int) -> Supervisor:
    """The agency removes one of its supervisors: nothing more is sent to them."""
    supervisor = session.get(Supervisor, supervisor_id)
    if supervisor is None or supervisor.agency_id != agency_id:
        raise NotFound(texts.SUPERVISOR_NOT_FOUND, code="supervisor_not_found")
    session.delete(supervisor)
    if session.scalar(select(Binding.id).where(Binding.openid == supervisor.openid).limit(1)) is None:
        # What was queued for them as supervisor is not sent any more (a parent's own notices stay).
        session.execute(
            update(Notification)
            .where(Notification.openid == supervisor.openid, Notification.status == "pending",
                   Notification.kind.in_(("expiry", "flag")))
            .values(status="failed", last_error="supervisor removed")
        )
    return supervisor


def list_supervisors(session: Session, agency_id: int) -> list[Supervisor]:
    return list(session.scalars(select(Supervisor).where(Supervisor.agency_id == agency_id).order_by(Supervisor.id)))


def mask_openid(openid: str) -> str:
    """Enough of an openid to tell two supervisors apart, not enough to message one."""
    if len(openid) <= 8:
        return openid[:2] + "****"
    return f"{openid[:4]}****{openid[-4:]}"
