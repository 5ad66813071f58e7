"""An agency's supervisors (机构主管): the WeChat users who hear the agency's warnings."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.clock import utcnow
from bot.models.base import Base


class SupervisorCode(Base):
    """A single-use code an agency issues; ``绑定 CODE`` in chat makes the sender its supervisor."""

    __tablename__ = "supervisor_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    used_at: Mapped[dt.datetime | None]
    used_by: Mapped[str | None] = mapped_column(String(64))  # openid

    def __repr__(self) -> str:
        return f"<SupervisorCode {self.id} of agency {self.agency_id}>"


class Supervisor(Base):
    """A WeChat user bound as a supervisor of an agency: expiry warnings and diary flags reach them."""

    __tablename__ = "supervisor"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    openid: Mapped[str] = mapped_column(String(64))
    bound_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("agency_id", "openid"),
        Index("ix_supervisor_openid", "openid"),
    )

    def __repr__(self) -> str:
        return f"<Supervisor {self.openid} of agency {self.agency_id}>"
