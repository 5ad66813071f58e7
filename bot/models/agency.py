"""Agencies, their workers, verifications, badges; engagements with families; ratings and complaints.

Personal data is never stored in the clear: ID and phone numbers and document
numbers are kept as AES-GCM ciphertext (``*_enc``), with a keyed digest where
the server must find duplicates without decrypting.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Date, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.dialects.mysql import MEDIUMBLOB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.core.clock import utcnow
from bot.models.base import Base

VERIFICATION_KINDS = ("identity", "health", "no_criminal_record", "training_exam", "vocational_cert", "insurance")
VERIFICATION_STATUSES = ("verified", "pending", "failed")


if TYPE_CHECKING:
    from bot.models.staff import Baby


class Agency(Base):
    """A domestic-service company (家政企业); it authenticates with an API key we only keep hashed."""

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    api_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The agency's logo as a PNG (re-encoded from the upload, at most 600 px a side), printed on its badge cards.
    logo_png: Mapped[bytes | None] = mapped_column(LargeBinary().with_variant(MEDIUMBLOB(), "mysql", "mariadb"))

    def __repr__(self) -> str:
        return f"<Agency {self.id} {self.name}>"


class Worker(Base):
    """A domestic worker (家政服务员) registered by one agency."""

    __tablename__ = "worker"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    id_number_enc: Mapped[str] = mapped_column(Text)
    # Keyed digest (HMAC) of the normalised ID number: finds duplicates without decrypting.
    id_number_digest: Mapped[str] = mapped_column(String(64))
    phone_enc: Mapped[str | None] = mapped_column(Text)
    gender: Mapped[str] = mapped_column(String(8))  # female | male
    birth_date: Mapped[dt.date] = mapped_column(Date)  # used for the age only, never shown
    service_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    experience_years: Mapped[int] = mapped_column(default=0)
    hometown: Mapped[str | None] = mapped_column(String(50))
    consent_signed_on: Mapped[dt.date | None] = mapped_column(Date)  # PIPL art. 25
    consent_recorded_at: Mapped[dt.datetime | None]
    credit_grade: Mapped[int | None]  # 1-5 stars, recomputed by the credit job
    credit_reasons: Mapped[list[Any] | None] = mapped_column(JSON)
    credit_computed_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    agency: Mapped[Agency] = relationship()
    verifications: Mapped[list[Verification]] = relationship(back_populates="worker", order_by="Verification.id")

    __table_args__ = (
        UniqueConstraint("agency_id", "id_number_digest"),
        Index("ix_worker_agency_id_name", "agency_id", "name"),  # the console's search by name
    )

    def __repr__(self) -> str:
        return f"<Worker {self.id} of agency {self.agency_id}>"


class WorkerPhoto(Base):
    """The worker's photo, resized, so the employer can match the person at the door."""

    __tablename__ = "worker_photo"

    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary().with_variant(MEDIUMBLOB(), "mysql", "mariadb"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<WorkerPhoto {self.worker_id} {self.content_type}>"


class Verification(Base):
    """One check of a worker: kind, outcome, when it was checked and when it runs out.

    The newest row of a kind is the one in force; older rows are history. Only the
    outcome is ever shown (pass / not passed), never the document or its details.
    """

    __tablename__ = "verification"

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"))
    kind: Mapped[str] = mapped_column(String(32))  # one of VERIFICATION_KINDS
    status: Mapped[str] = mapped_column(String(16))  # one of VERIFICATION_STATUSES
    document_no_enc: Mapped[str | None] = mapped_column(Text)
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    checked_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    worker: Mapped[Worker] = relationship(back_populates="verifications")

    __table_args__ = (
        Index("ix_verification_worker_id_kind", "worker_id", "kind"),
        Index("ix_verification_expires_on", "expires_on"),
    )

    def __repr__(self) -> str:
        return f"<Verification {self.kind}={self.status} worker {self.worker_id}>"


class Badge(Base):
    """A worker's badge: the code on her card and in its QR (see CONTRACT.md, badge codes)."""

    __tablename__ = "badge"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(11), unique=True)  # 11 symbols, no dashes
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"), index=True)
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    revoked_at: Mapped[dt.datetime | None]

    worker: Mapped[Worker] = relationship()

    def __repr__(self) -> str:
        return f"<Badge {self.code} worker {self.worker_id}>"


class Engagement(Base):
    """上户: one worker serving one family from a start date to an end date."""

    __tablename__ = "engagement"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"), index=True)
    family_name: Mapped[str] = mapped_column(String(50))
    baby_nickname: Mapped[str | None] = mapped_column(String(50))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    # The baby's birth date and weight drive the age-dependent flags of DIARY.md.
    baby_birth_date: Mapped[dt.date | None] = mapped_column(Date)
    birth_weight_g: Mapped[int | None]
    nurse_code: Mapped[str] = mapped_column(String(16), unique=True)
    nurse_code_used_at: Mapped[dt.datetime | None]
    family_code: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The family's mobile numbers for urgent flags by SMS: a JSON list, encrypted as one field
    # (``bot.diary.phones``), shown only masked; kept only with the family's consent, recorded when and by whom.
    family_phones_enc: Mapped[str | None] = mapped_column(Text)
    family_phones_consent_at: Mapped[dt.datetime | None]
    family_phones_consent_by: Mapped[str | None] = mapped_column(String(64))

    worker: Mapped[Worker] = relationship()
    agency: Mapped[Agency] = relationship()
    # The diary reads babies as bot.diary.refs.BabyRef (a request's binding brings them along).
    babies: Mapped[list[Baby]] = relationship(order_by="Baby.position", viewonly=True, lazy="select")

    def __repr__(self) -> str:
        return f"<Engagement {self.id} {self.family_name}>"


class Binding(Base):
    """A WeChat user (chat or mini-program openid) bound to an engagement as nurse or parent."""

    __tablename__ = "binding"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"))
    openid: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # nurse | parent
    # Who a family member is to the baby (妈妈, 爸爸, 奶奶 …), as they said when binding: how their family sees them.
    relation: Mapped[str | None] = mapped_column(String(16))
    bound_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    engagement: Mapped[Engagement] = relationship()

    __table_args__ = (
        UniqueConstraint("engagement_id", "openid"),
        Index("ix_binding_openid", "openid"),
    )

    def __repr__(self) -> str:
        return f"<Binding {self.openid} {self.role} of {self.engagement_id}>"


class Rating(Base):
    """One family member's rating of one day of an engagement; rating again replaces only one's own."""

    __tablename__ = "rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    stars: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    rated_by: Mapped[str] = mapped_column(String(64))  # openid
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("engagement_id", "day", "rated_by"),)

    def __repr__(self) -> str:
        return f"<Rating {self.stars} for {self.engagement_id} on {self.day}>"


class Complaint(Base):
    """A family's complaint (投诉) to the agency, and the agency's answer."""

    __tablename__ = "complaint"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"), index=True)
    engagement_id: Mapped[int | None] = mapped_column(ForeignKey("engagement.id"))
    openid: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    response_text: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[dt.datetime | None]

    __table_args__ = (Index("ix_complaint_agency_id_created_at", "agency_id", "created_at"),)

    def __repr__(self) -> str:
        return f"<Complaint {self.id} agency {self.agency_id}>"
