"""The verified profile behind every surface (chat, web page, mini-program): ``find_profile``.

It returns a :class:`Profile` with only what CONTRACT.md allows an employer to see,
or a :class:`Refusal` saying why not. Every call is rate-limited and logged,
refusals included. Domain code: no Flask.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.errors import AnxinError, BadRequest, Forbidden, NotFound, TooManyRequests
from bot.lookup.codes import CodeCheck, check_code, format_code
from bot.lookup.credit import (
    KIND_LABELS,
    CheckState,
    ComplaintSummary,
    Credit,
    RatingSummary,
    check_states,
    grade_for,
    read_record,
    record_columns,
)
from bot.models import LOOKUP_SURFACES, Agency, Badge, LookupLog, Worker, WorkerPhoto
from bot.ratelimit import Counter, hit_all

CERTIFICATE_KINDS = ("identity", "health", "no_criminal_record", "training_exam", "vocational_cert")
GREEN, YELLOW, RED = "green", "yellow", "red"
LIGHT_TEXT = {
    GREEN: "绿码：身份已核验，健康证和保险均在有效期内",
    YELLOW: "黄码：身份已核验，但健康证或保险缺失、过期",
    RED: "红码：身份未核验，或工牌已注销、过期",
}
STATE_TEXT = {"verified": "已核验", "expired": "已过期", "pending": "核验中", "failed": "未通过", "missing": "未提供"}
GENDER_TEXT = {"female": "女", "male": "男"}

# Refusal reasons and what each surface says about them.
MALFORMED = "malformed"
MISTYPED = "mistyped"
UNKNOWN = "unknown"
REVOKED = "revoked"
EXPIRED = "expired"
NOT_CONSENTED = "not_consented"
RATE_LIMITED = "rate_limited"
SHOWN = "shown"

REFUSAL_TEXT = {
    MALFORMED: "这不是有效的工牌编号：工牌编号为11位字母和数字，如 ABCDE-FGHJK-M。",
    MISTYPED: "工牌编号 {code} 的校验位不符，可能输错了，请对照工牌逐位核对后重试。",
    UNKNOWN: "工牌编号 {code} 不存在。请核对编号，或向家政公司确认。",
    REVOKED: "⚠️ 红码：工牌 {code} 已被家政公司注销，不能作为上户凭证。请联系家政公司核实。",
    EXPIRED: "⚠️ 红码：工牌 {code} 已于 {expires_on} 过期，不能作为上户凭证。请联系家政公司核实。",
    NOT_CONSENTED: "工牌 {code} 的服务员尚未授权公开其信息（个人信息保护法第二十五条），暂不能查看。",
    RATE_LIMITED: "查询过于频繁，请稍后再试。为保护服务员的个人信息，每位用户每小时可查询的次数有限。",
}


@dataclass(frozen=True)
class Limits:
    """How many lookups a user (openid), an address and everyone together may make per window (seconds)."""

    per_user: int = 30
    per_address: int = 60
    window: int = 3600
    total: int = 3000

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        return cls(
            per_user=int(settings.get("ANXIN_LOOKUP_LIMIT_USER", cls.per_user)),
            per_address=int(settings.get("ANXIN_LOOKUP_LIMIT_ADDRESS", cls.per_address)),
            window=int(settings.get("ANXIN_LOOKUP_WINDOW", cls.window)),
            total=int(settings.get("ANXIN_LOOKUP_LIMIT_TOTAL", cls.total)),
        )


@dataclass(frozen=True)
class Refusal:
    reason: str
    code: str  # normalised input (may be shorter or longer than a code)
    light: str | None = None  # red for a revoked or expired badge
    expires_on: dt.date | None = None

    @property
    def message(self) -> str:
        shown = format_code(self.code) if len(self.code) == 11 else self.code[:20]
        return REFUSAL_TEXT[self.reason].format(code=shown, expires_on=self.expires_on)

    def as_error(self) -> AnxinError:
        """The refusal as the error an HTTP surface answers with (status and a distinct code)."""
        error_class, code = _REFUSAL_ERRORS[self.reason]
        return error_class(self.message, code=code)


_REFUSAL_ERRORS: dict[str, tuple[type[AnxinError], str]] = {
    MALFORMED: (BadRequest, "malformed_code"),
    MISTYPED: (BadRequest, "mistyped_code"),
    UNKNOWN: (NotFound, "badge_not_found"),
    REVOKED: (NotFound, "badge_revoked"),
    EXPIRED: (NotFound, "badge_expired"),
    NOT_CONSENTED: (Forbidden, "not_consented"),
    RATE_LIMITED: (TooManyRequests, "too_many_lookups"),
}


@dataclass(frozen=True)
class Profile:
    """What an employer may see of a worker (CONTRACT.md, the verified profile)."""

    code: str
    light: str
    masked_name: str
    gender: str
    age: int
    service_types: list[str]
    experience_years: int
    agency_name: str
    has_photo: bool
    checks: list[CheckState]
    certified: bool
    ratings: RatingSummary
    engagements_served: int
    complaints: ComplaintSummary
    credit: Credit
    badge_expires_on: dt.date | None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def display_code(self) -> str:
        return format_code(self.code)

    @property
    def light_text(self) -> str:
        return LIGHT_TEXT[self.light]

    def to_dict(self, public_url: str | None = None) -> dict[str, Any]:
        """The profile as JSON (the mini-program's ``GET /mp/v1/badges/CODE``)."""
        links = {}
        if public_url:
            url = f"{public_url.rstrip('/')}/b/{self.code}"
            links = {"url": url, "qr_url": f"{url}/qr.png", "photo_url": f"{url}/photo" if self.has_photo else None}
        return {
            **links,
            "code": self.display_code,
            "status_light": self.light,
            "status_text": self.light_text,
            "name": self.masked_name,
            "gender": self.gender,
            "age": self.age,
            "service_types": self.service_types,
            "experience_years": self.experience_years,
            "agency": {"name": self.agency_name},
            "has_photo": self.has_photo,
            "verifications": [
                {
                    "kind": c.kind,
                    "label": KIND_LABELS[c.kind],
                    "state": c.state,
                    "state_text": STATE_TEXT[c.state],
                    "checked_on": c.checked_on.isoformat() if c.checked_on else None,
                    "expires_on": c.expires_on.isoformat() if c.expires_on else None,
                }
                for c in self.checks
            ],
            "anxin_certified": self.certified,
            "rating": {"average": self.ratings.average, "count": self.ratings.count},
            "engagements_served": self.engagements_served,
            "complaints": {"total": self.complaints.total, "answered": self.complaints.answered},
            "credit": {"grade": self.credit.grade, "reasons": self.credit.reasons},
            "badge_expires_on": self.badge_expires_on.isoformat() if self.badge_expires_on else None,
        }


def local_today(time_zone: str) -> dt.date:
    """Today's date where the service happens (``ANXIN_TIMEZONE``)."""
    return dt.datetime.now(ZoneInfo(time_zone)).date()


def mask_name(name: str) -> str:
    """``伍秀芳`` → ``伍*芳``, ``伍芳`` → ``伍*``, ``欧阳秀芳`` → ``欧**芳``."""
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def age_on(birth_date: dt.date, today: dt.date) -> int:
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def status_light(checks: dict[str, CheckState]) -> str:
    """Green, yellow or red, as Ningbo's 安心码 (the badge itself being valid)."""
    if checks["identity"].state != "verified":
        return RED
    if checks["health"].state == "verified" and checks["insurance"].state == "verified":
        return GREEN
    return YELLOW


@dataclass(frozen=True, slots=True)
class BadgeFacts:
    """What a look-up reads of a badge."""

    id: int
    code: str
    worker_id: int
    expires_on: dt.date | None
    revoked_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class HolderFacts:
    """What a look-up reads of the badge's holder (never her encrypted ID and phone numbers)."""

    id: int
    name: str
    gender: str
    birth_date: dt.date
    service_types: list[str] | None
    experience_years: int
    consent_signed_on: dt.date | None


# Built once (every look-up asks it): the badge, its holder and her agency's name, with only the columns a
# profile shows (not her encrypted ID and phone, nor the stored grade and its reasons), as plain rows: mapped
# objects for the badge and the worker cost more than the query.
_BADGE_HOLDER = (
    select(Badge.id, Badge.code, Badge.worker_id, Badge.expires_on, Badge.revoked_at,
           Worker.id, Worker.name, Worker.gender, Worker.birth_date, Worker.service_types, Worker.experience_years,
           Worker.consent_signed_on, Agency.name, *record_columns(Worker.id))  # and her record: one round trip
    .join(Worker, Worker.id == Badge.worker_id)
    .join(Agency, Agency.id == Worker.agency_id)
    .where(Badge.code == bindparam("code"))
)


def find_profile(
    session: Session,
    text: str,
    surface: str,
    *,
    who: str | None,
    address: str | None,
    today: dt.date,
    limits: Limits,
    counter: Counter | None = None,
) -> Profile | Refusal:
    """Look a badge code up for someone at the door, counting and logging the lookup.

    ``who`` is the openid of a chat or mini-program user, ``address`` the client's
    IP address (web, mini-program). The caller commits.
    """
    if surface not in LOOKUP_SURFACES:
        raise ValueError(f"unknown surface {surface!r}")
    check, code = check_code(text)
    if not count_lookup(session, limits, who=who, address=address, counter=counter):
        return _log(session, surface, who, address, code, None, Refusal(RATE_LIMITED, code))
    if check is CodeCheck.MALFORMED:
        return _log(session, surface, who, address, None, None, Refusal(MALFORMED, code))
    if check is CodeCheck.MISTYPED:  # decided before the database is asked anything
        return _log(session, surface, who, address, code, None, Refusal(MISTYPED, code))
    session.flush()  # read on the connection: what the session holds must be there
    row = session.connection().execute(_BADGE_HOLDER, {"code": code, "today": today}).first()
    if row is None:
        return _log(session, surface, who, address, code, None, Refusal(UNKNOWN, code))
    badge = BadgeFacts(row[0], row[1], row[2], row[3], row[4])
    worker = HolderFacts(row[5], row[6], row[7], row[8], row[9], row[10], row[11])
    agency_name, record = row[12], row[13:]
    if badge.revoked_at is not None:
        return _log(session, surface, who, address, code, badge, Refusal(REVOKED, code, light=RED))
    if badge.expires_on is not None and badge.expires_on < today:
        return _log(session, surface, who, address, code, badge,
                    Refusal(EXPIRED, code, light=RED, expires_on=badge.expires_on))
    if worker.consent_signed_on is None:
        return _log(session, surface, who, address, code, badge, Refusal(NOT_CONSENTED, code))
    profile = build_profile(session, badge, worker, agency_name, today, record)
    return _log(session, surface, who, address, code, badge, profile)


def count_lookup(
    session: Session, limits: Limits, *, who: str | None, address: str | None, counter: Counter | None = None
) -> bool:
    """Count one lookup for the user, the address and everyone; False once any of them is over its limit.

    Every attempt counts, mistyped ones included, and the total is shared by every user and
    address, so rotating openids or addresses does not multiply the budget.
    """
    store = counter if counter is not None else session
    keys = {"lookup:total": limits.total}
    if who is not None:
        keys[f"lookup:user:{who}"] = limits.per_user
    if address is not None:
        keys[f"lookup:addr:{address}"] = limits.per_address
    return hit_all(store, keys, limits.window)  # every counter in one statement


def build_profile(session: Session, badge: BadgeFacts, worker: HolderFacts, agency_name: str, today: dt.date,
                  record: Sequence[Any]) -> Profile:
    """Assemble the public profile of a badge holder (no rate limit, no log: use find_profile). ``record`` is
    what ``record_columns`` read with the badge."""
    checks = check_states(session, worker.id, today)
    ratings, served, complaints, has_photo = read_record(record)
    return Profile(
        code=badge.code,
        light=status_light(checks),
        masked_name=mask_name(worker.name),
        gender=worker.gender,
        age=age_on(worker.birth_date, today),
        service_types=list(worker.service_types or []),
        experience_years=worker.experience_years,
        agency_name=agency_name,
        has_photo=has_photo,
        checks=list(checks.values()),
        certified=all(checks[k].state == "verified" for k in CERTIFICATE_KINDS),
        ratings=ratings,
        engagements_served=served,
        complaints=complaints,
        credit=grade_for(checks, ratings, served, complaints),
        badge_expires_on=badge.expires_on,
    )


def _log(
    session: Session,
    surface: str,
    who: str | None,
    address: str | None,
    code: str | None,
    badge: BadgeFacts | None,
    result: Profile | Refusal,
) -> Profile | Refusal:
    outcome = SHOWN if isinstance(result, Profile) else result.reason
    session.execute(_LOG, {  # a Core INSERT: nothing reads the row back in the request
        "at": utcnow(),
        "surface": surface,
        "openid": who,
        "address": address,
        "code": code if code and len(code) == 11 else None,
        "badge_id": badge.id if badge else None,
        "worker_id": badge.worker_id if badge else None,
        "outcome": outcome,
    })
    return result


_LOG = insert(cast(Table, LookupLog.__table__))  # the table, not the entity: the ORM's bulk insert adds nothing here


def find_photo(
    session: Session,
    text: str,
    *,
    address: str | None,
    today: dt.date,
    limits: Limits,
    counter: Counter | None = None,
) -> WorkerPhoto | Refusal | None:
    """The photo shown with a public profile, answered as the profile page would be.

    It counts against the same limits as a lookup and is refused for the same reasons
    (mistyped, unknown, revoked, expired, not consented), so it tells nothing the page
    would not, on no budget of its own. None: the profile is shown but has no photo.
    """
    check, code = check_code(text)
    if not count_lookup(session, limits, who=None, address=address, counter=counter):
        return Refusal(RATE_LIMITED, code)
    if check is CodeCheck.MALFORMED:
        return Refusal(MALFORMED, code)
    if check is CodeCheck.MISTYPED:
        return Refusal(MISTYPED, code)
    row = session.execute(
        select(Badge, Worker.consent_signed_on).join(Worker, Worker.id == Badge.worker_id).where(Badge.code == code)
    ).first()
    if row is None:
        return Refusal(UNKNOWN, code)
    badge, consent_signed_on = row
    if badge.revoked_at is not None:
        return Refusal(REVOKED, code, light=RED)
    if badge.expires_on is not None and badge.expires_on < today:
        return Refusal(EXPIRED, code, light=RED, expires_on=badge.expires_on)
    if consent_signed_on is None:
        return Refusal(NOT_CONSENTED, code)
    return session.scalar(select(WorkerPhoto).where(WorkerPhoto.worker_id == badge.worker_id))
