"""The verified profile behind every surface (chat, web page, mini-program): ``find_profile``.

It returns a :class:`Profile` with only what CONTRACT.md allows an employer to see,
or a :class:`Refusal` saying why not. Every call is rate-limited and logged,
refusals included. Domain code: no Flask.

Budgets (fixed windows of ``ANXIN_LOOKUP_WINDOW`` seconds): every look-up counts per user and
per address. Look-ups that fail (an unknown or mistyped code: what a guesser mostly gets) count
again, per user, per address and platform-wide. A user or address past its failed budget is
refused every look-up for the rest of the window; past the platform-wide failed budget only
unknown and mistyped codes are answered 稍后再试 while real badges are still shown, so whoever
spends that budget slows guessers, not the employers at the door (badge codes carry 50 random
bits: guessing is hopeless anyway). A badge looked up more than ``alert_views`` times in a window
is reported to its agency's supervisors, once per window.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Table, bindparam, insert, select
from sqlalchemy.orm import Session

from bot.core.clock import utcnow
from bot.core.errors import AnxinError, BadRequest, Forbidden, NotFound, TooManyRequests
from bot.lookup.codes import CodeCheck, check_code, format_code
from bot.lookup.credit import (
    KIND_LABELS,
    CheckState,
    ComplaintSummary,
    Credit,
    RatingSummary,
    check_states,
    closing_columns,
    grade_for,
    read_closing,
    read_record,
    record_columns,
)
from bot.models import LOOKUP_SURFACES, Agency, Badge, LookupLog, Worker, WorkerPhoto
from bot.outbox.queue import enqueue
from bot.outbox.recipients import supervisors_of
from bot.store.ratelimit import Counter, count_all, window_start

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
PAUSED = "paused"  # the platform-wide budget of failed look-ups is spent: unknown codes wait
SHOWN = "shown"

REFUSAL_TEXT = {
    MALFORMED: "这不是有效的工牌编号：工牌编号为11位字母和数字，如 ABCDE-FGHJK-M。",
    MISTYPED: "工牌编号 {code} 的校验位不符，可能输错了，请对照工牌逐位核对后重试。",
    UNKNOWN: "工牌编号 {code} 不存在。请核对编号，或向家政公司确认。",
    REVOKED: "⚠️ 红码：工牌 {code} 已被家政公司注销，不能作为上户凭证。请联系家政公司核实。",
    EXPIRED: "⚠️ 红码：工牌 {code} 已于 {expires_on} 过期，不能作为上户凭证。请联系家政公司核实。",
    NOT_CONSENTED: "工牌 {code} 的服务员尚未授权公开其信息（个人信息保护法第二十五条），暂不能查看。",
    RATE_LIMITED: "查询过于频繁，请稍后再试。为保护服务员的个人信息，每位用户每小时可查询的次数有限。",
    PAUSED: "暂时无法核实工牌编号 {code}，请稍后再试。请先对照工牌逐位核对编号。",
}
# To an agency's supervisors when one of its badges is looked up far more than usual.
HOT_BADGE_TEXT = ("【安心】工牌 {code}（服务员 {name}）在最近 {minutes} 分钟内被查询了 {views} 次以上，远多于平常。"
                  "如不是您安排的核验，可能有人在冒用或批量查询这张工牌，请联系服务员核实；必要时可在后台注销工牌。")


@dataclass(frozen=True)
class Limits:
    """Look-ups a user (openid) and an address may make per window (seconds); failed look-ups a user, an address
    and everyone together may make; and how many look-ups of one badge are far more than usual."""

    per_user: int = 30
    per_address: int = 60
    window: int = 3600
    failed_user: int = 10
    failed_address: int = 20
    failed_total: int = 3000
    alert_views: int = 50

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        return cls(
            per_user=int(settings.get("ANXIN_LOOKUP_LIMIT_USER", cls.per_user)),
            per_address=int(settings.get("ANXIN_LOOKUP_LIMIT_ADDRESS", cls.per_address)),
            window=int(settings.get("ANXIN_LOOKUP_WINDOW", cls.window)),
            failed_user=int(settings.get("ANXIN_LOOKUP_FAILED_USER", cls.failed_user)),
            failed_address=int(settings.get("ANXIN_LOOKUP_FAILED_ADDRESS", cls.failed_address)),
            failed_total=int(settings.get("ANXIN_LOOKUP_LIMIT_TOTAL", cls.failed_total)),
            alert_views=int(settings.get("ANXIN_LOOKUP_ALERT_VIEWS", cls.alert_views)),
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
    PAUSED: (TooManyRequests, "lookups_paused"),
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
    select(Badge.id.label("badge_id"), Badge.code, Badge.worker_id, Badge.expires_on, Badge.revoked_at,
           Worker.name.label("holder_name"), Worker.gender, Worker.birth_date, Worker.service_types,
           Worker.experience_years, Worker.consent_signed_on, Agency.name.label("agency_name"),
           *record_columns(Worker.id), *closing_columns(Worker.id))  # and her record: one round trip
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
    store = counter if counter is not None else session
    gate = _count(store, limits, who=who, address=address, code=code if check is CodeCheck.VALID else None)
    if not gate.allowed:
        return _log(session, surface, who, address, code, None, Refusal(RATE_LIMITED, code))
    if check is CodeCheck.MALFORMED:  # not a guess at a code: nothing to learn from it
        return _log(session, surface, who, address, None, None, Refusal(MALFORMED, code))
    if check is CodeCheck.MISTYPED:  # decided before the database is asked anything
        return _log(session, surface, who, address, code, None, _failed(store, limits, who, address, gate,
                                                                        Refusal(MISTYPED, code)))
    session.flush()  # read on the connection: what the session holds must be there
    row = session.connection().execute(_BADGE_HOLDER, {"code": code, "today": today}).first()
    if row is None:
        return _log(session, surface, who, address, code, None, _failed(store, limits, who, address, gate,
                                                                        Refusal(UNKNOWN, code)))
    badge = BadgeFacts(id=row.badge_id, code=row.code, worker_id=row.worker_id, expires_on=row.expires_on,
                       revoked_at=row.revoked_at)
    worker = HolderFacts(id=row.worker_id, name=row.holder_name, gender=row.gender, birth_date=row.birth_date,
                         service_types=row.service_types, experience_years=row.experience_years,
                         consent_signed_on=row.consent_signed_on)
    agency_name, record = row.agency_name, row
    if gate.views == limits.alert_views + 1:  # the one look-up that crossed the line (counts are atomic)
        _report_hot_badge(session, badge, worker, limits, gate)
    if badge.revoked_at is not None:
        return _log(session, surface, who, address, code, badge, Refusal(REVOKED, code, light=RED))
    if badge.expires_on is not None and badge.expires_on < today:
        return _log(session, surface, who, address, code, badge,
                    Refusal(EXPIRED, code, light=RED, expires_on=badge.expires_on))
    if worker.consent_signed_on is None:
        return _log(session, surface, who, address, code, badge, Refusal(NOT_CONSENTED, code))
    profile = build_profile(session, badge, worker, agency_name, today, record)
    return _log(session, surface, who, address, code, badge, profile)


@dataclass(frozen=True)
class Gate:
    """What counting one look-up found: whether it may go ahead, and how often this code was asked for."""

    allowed: bool
    views: int  # look-ups of this code in the window, this one included (0: no well-formed code)
    now: float


def _count(store: Counter | Session, limits: Limits, *, who: str | None, address: str | None,
           code: str | None) -> Gate:
    """Count one look-up for the user, the address and the code, and read their failed counts: one statement.

    Refused once the user or the address is over its limit of look-ups, or over its budget of failed ones.
    """
    amounts: dict[str, int] = {}
    ceilings: dict[str, int] = {}  # the highest count each key may show for this look-up to go ahead
    if who is not None:
        amounts[f"lookup:user:{who}"], ceilings[f"lookup:user:{who}"] = 1, limits.per_user
        # Read, not counted: a budget of N failures is spent once N have failed.
        amounts[f"lookup:failed:user:{who}"], ceilings[f"lookup:failed:user:{who}"] = 0, limits.failed_user - 1
    if address is not None:
        amounts[f"lookup:addr:{address}"], ceilings[f"lookup:addr:{address}"] = 1, limits.per_address
        amounts[f"lookup:failed:addr:{address}"], ceilings[f"lookup:failed:addr:{address}"] = (
            0, limits.failed_address - 1)
    if code is not None:
        amounts[f"lookup:badge:{code}"] = 1
    now = time.time()
    if not amounts:
        return Gate(True, 0, now)
    counts = count_all(store, amounts, limits.window, now)
    allowed = all(counts[key] <= ceiling for key, ceiling in ceilings.items())
    return Gate(allowed, counts.get(f"lookup:badge:{code}", 0), now)


def count_lookup(
    session: Session, limits: Limits, *, who: str | None, address: str | None, counter: Counter | None = None
) -> bool:
    """Count one lookup for the user and the address; False once either is over its limit or its failed budget.

    Every attempt counts, mistyped ones included. No count is shared by everyone: a shared total
    let whoever spent it lock out every employer (the failed budget, ``_failed``, is the shared one).
    """
    return _count(counter if counter is not None else session, limits, who=who, address=address, code=None).allowed


def _failed(store: Counter | Session, limits: Limits, who: str | None, address: str | None, gate: Gate,
            refusal: Refusal) -> Refusal:
    """Count a failed look-up (unknown or mistyped code); the refusal to give, or 稍后再试 once a budget is spent."""
    amounts = {"lookup:failed:total": 1}
    if who is not None:
        amounts[f"lookup:failed:user:{who}"] = 1
    if address is not None:
        amounts[f"lookup:failed:addr:{address}"] = 1
    counts = count_all(store, amounts, limits.window, gate.now)
    if (who is not None and counts[f"lookup:failed:user:{who}"] > limits.failed_user) or (
            address is not None and counts[f"lookup:failed:addr:{address}"] > limits.failed_address):
        return Refusal(RATE_LIMITED, refusal.code)
    if counts["lookup:failed:total"] > limits.failed_total:
        return Refusal(PAUSED, refusal.code)
    return refusal


def _report_hot_badge(session: Session, badge: BadgeFacts, worker: HolderFacts, limits: Limits, gate: Gate) -> None:
    """Tell the badge's agency (its supervisors, through the outbox) that the badge is looked up far more than
    usual: someone may be passing it off, or harvesting it. Keyed by badge and window: once, never twice."""
    agency_id = session.scalar(select(Worker.agency_id).where(Worker.id == worker.id))
    if agency_id is None:
        return
    text = HOT_BADGE_TEXT.format(code=format_code(badge.code), name=mask_name(worker.name),
                                 minutes=max(limits.window // 60, 1), views=limits.alert_views)
    window = window_start(limits.window, gate.now)
    for openid in supervisors_of(session, agency_id):
        enqueue(session, key=f"lookup:{badge.id}:{window}:{openid}", openid=openid, kind="lookup", text=text)


def build_profile(session: Session, badge: BadgeFacts, worker: HolderFacts, agency_name: str, today: dt.date,
                  record: Row[*tuple[Any, ...]]) -> Profile:
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
        credit=grade_for(checks, ratings, served, complaints, read_closing(record)),
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
    store = counter if counter is not None else session
    gate = _count(store, limits, who=None, address=address, code=None)  # the page's photo: not a view of its own
    if not gate.allowed:
        return Refusal(RATE_LIMITED, code)
    if check is CodeCheck.MALFORMED:
        return Refusal(MALFORMED, code)
    if check is CodeCheck.MISTYPED:
        return _failed(store, limits, None, address, gate, Refusal(MISTYPED, code))
    row = session.execute(
        select(Badge, Worker.consent_signed_on).join(Worker, Worker.id == Badge.worker_id).where(Badge.code == code)
    ).first()
    if row is None:
        return _failed(store, limits, None, address, gate, Refusal(UNKNOWN, code))
    badge, consent_signed_on = row
    if badge.revoked_at is not None:
        return Refusal(REVOKED, code, light=RED)
    if badge.expires_on is not None and badge.expires_on < today:
        return Refusal(EXPIRED, code, light=RED, expires_on=badge.expires_on)
    if consent_signed_on is None:
        return Refusal(NOT_CONSENTED, code)
    return session.scalar(select(WorkerPhoto).where(WorkerPhoto.worker_id == badge.worker_id))
