"""Staff accounts of the back office: passwords (scrypt), roles and what each may do, sign-in throttling.

Domain code: no Flask. The console (``bot.console``) signs people in through :func:`authenticate`
and asks :func:`allowed` before every page; the CLI and the demo make accounts with :func:`create_staff`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import BadRequest, Conflict, Forbidden, NotFound
from bot.models import STAFF_ROLES, Agency, Staff
from bot.security import FieldCipher

ROLE_LABELS = {"admin": "管理员", "supervisor": "客服/主管", "clerk": "录入员"}
# What each role may do. Every console page names the permission it needs.
PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"staff", "workers.read", "workers.write", "engagements", "flags", "complaints"}),
    "supervisor": frozenset({"workers.read", "engagements", "flags", "complaints"}),
    "clerk": frozenset({"workers.read", "workers.write"}),
}
assert set(PERMISSIONS) == set(STAFF_ROLES) == set(ROLE_LABELS)

PHONE_CONTEXT = "staff.phone"
_USERNAME = re.compile(r"[a-z0-9][a-z0-9_.-]{2,49}")
_PHONE = re.compile(r"1[3-9]\d{9}")
MIN_PASSWORD = 10
MAX_PASSWORD = 200
# scrypt at N=2**14, r=8, p=1 (16 MiB, ~50 ms): OWASP's minimum for scrypt.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
# Five wrong passwords in a row lock the account for a quarter of an hour.
MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
BAD_LOGIN = "账号或密码不正确"
LOCKED = "密码错误次数过多，账号已暂时锁定，请 {minutes} 分钟后再试"


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64): a fresh salt each time."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    return "$".join(["scrypt", str(_SCRYPT_N), str(_SCRYPT_R), str(_SCRYPT_P),
                     base64.b64encode(salt).decode(), base64.b64encode(digest).decode()])


def check_password(password: str, stored: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# A hash to spend the same time on when the account does not exist (no timing oracle for usernames).
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def new_password() -> str:
    """A generated password: 16 URL-safe symbols (96 bits)."""
    return secrets.token_urlsafe(12)


def check_new_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise BadRequest(f"密码应为{MIN_PASSWORD}到{MAX_PASSWORD}个字符 (password length)", code="invalid_field")


def create_staff(
    session: Session,
    agency_id: int,
    username: str,
    role: str,
    *,
    password: str | None = None,
    display_name: str | None = None,
    phone: str | None = None,
    cipher: FieldCipher | None = None,
) -> tuple[Staff, str]:
    """Make a staff account of an agency; return it and its password (generated when not given)."""
    if session.get(Agency, agency_id) is None:
        raise NotFound(f"机构 {agency_id} 不存在 (no such agency)", code="agency_not_found")
    username = username.strip().lower()
    if not _USERNAME.fullmatch(username):
        raise BadRequest("用户名应为3到50个小写字母、数字或 . _ -，以字母或数字开头 (username)", code="invalid_field")
    if role not in STAFF_ROLES:
        raise BadRequest("角色应为 " + " / ".join(STAFF_ROLES), code="invalid_field")
    password = password if password is not None else new_password()
    check_new_password(password)
    phone_digest = None
    if phone:
        phone = phone.strip()
        if not _PHONE.fullmatch(phone):
            raise BadRequest("手机号应为11位手机号码 (phone)", code="invalid_field")
        if cipher is None:
            raise ValueError("a phone number is stored as a keyed digest: pass the cipher")
        phone_digest = cipher.digest(phone, PHONE_CONTEXT)
    name = (display_name or username).strip()[:50]
    if session.scalar(select(Staff.id).where(Staff.username == username)) is not None:
        raise Conflict(f"用户名 {username} 已被使用 (username taken)", code="username_taken")
    if phone_digest and session.scalar(select(Staff.id).where(Staff.phone_digest == phone_digest)) is not None:
        raise Conflict("该手机号已被其他账号使用 (phone taken)", code="phone_taken")
    staff = Staff(agency_id=agency_id, username=username, phone_digest=phone_digest, display_name=name, role=role,
                  password_hash=hash_password(password))
    session.add(staff)
    session.flush()
    return staff, password


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: the account, or why not (a message for the person at the screen)."""

    staff: Staff | None
    message: str | None = None


def _find(session: Session, login: str, cipher: FieldCipher | None) -> Staff | None:
    login = login.strip()
    if _PHONE.fullmatch(login) and cipher is not None:
        found = session.scalar(select(Staff).where(Staff.phone_digest == cipher.digest(login, PHONE_CONTEXT)))
        if found is not None:
            return found
    return session.scalar(select(Staff).where(Staff.username == login.lower()))


def authenticate(session: Session, login: str, password: str, now: dt.datetime,
                 cipher: FieldCipher | None = None) -> SignIn:
    """Check a username (or phone) and password; count failures and lock the account after too many."""
    staff = _find(session, login, cipher) if login and len(login) <= 50 and len(password) <= MAX_PASSWORD else None
    if staff is None or not staff.active:
        check_password(password, _DUMMY_HASH)
        return SignIn(None, BAD_LOGIN)
    if staff.locked_until is not None and staff.locked_until > now:
        minutes = max(1, int((staff.locked_until - now).total_seconds() // 60) + 1)
        return SignIn(None, LOCKED.format(minutes=minutes))
    if not check_password(password, staff.password_hash):
        staff.failed_logins += 1
        if staff.failed_logins >= MAX_FAILURES:
            staff.failed_logins = 0
            staff.locked_until = now + LOCKOUT
            return SignIn(None, LOCKED.format(minutes=int(LOCKOUT.total_seconds() // 60)))
        return SignIn(None, BAD_LOGIN)
    staff.failed_logins = 0
    staff.locked_until = None
    staff.last_login_at = now
    return SignIn(staff)


def active_staff(session: Session, staff_id: int) -> Staff | None:
    """The account of a signed-in session, if it still exists and is active."""
    staff = session.get(Staff, staff_id)
    return staff if staff is not None and staff.active else None


def allowed(staff: Staff, permission: str) -> bool:
    return permission in PERMISSIONS.get(staff.role, frozenset())


def require(staff: Staff, permission: str) -> None:
    if not allowed(staff, permission):
        raise Forbidden(f"您的角色（{ROLE_LABELS.get(staff.role, staff.role)}）无权进行此操作", code="forbidden")


def agency_staff(session: Session, agency_id: int) -> list[Staff]:
    return list(session.scalars(select(Staff).where(Staff.agency_id == agency_id).order_by(Staff.id)))


def colleague(session: Session, agency_id: int, staff_id: int) -> Staff:
    """A staff account of the same agency, or NotFound."""
    staff = session.get(Staff, staff_id)
    if staff is None or staff.agency_id != agency_id:
        raise NotFound("未找到该账号 (no such staff)", code="staff_not_found")
    return staff


def set_password(staff: Staff, password: str) -> None:
    check_new_password(password)
    staff.password_hash = hash_password(password)
    staff.failed_logins = 0
    staff.locked_until = None


def set_active(session: Session, actor: Staff, staff: Staff, active: bool) -> None:
    """Switch an account on or off; an admin cannot switch off their own account (someone must remain)."""
    if staff.id == actor.id and not active:
        raise Conflict("不能停用自己的账号", code="self")
    staff.active = active
    if active:
        staff.failed_logins = 0
        staff.locked_until = None
