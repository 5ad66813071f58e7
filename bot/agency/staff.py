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
from typing import Any, cast

from sqlalchemy import CursorResult, Table, and_, case, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.errors import BadRequest, Conflict, Forbidden, NotFound
from bot.core.security import FieldCipher
from bot.models import STAFF_ROLES, Agency, Staff

ROLE_LABELS = {"admin": "管理员", "supervisor": "客服/主管", "clerk": "录入员"}
# What each role may do. Every console page names the permission it needs. ``phones``: see a worker's or a
# family's phone number in full, to call them (each time logged, ``bot.agency.phones``).
PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"staff", "workers.read", "workers.write", "engagements", "flags", "complaints", "phones"}),
    "supervisor": frozenset({"workers.read", "engagements", "flags", "complaints", "phones"}),
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
# One answer for a wrong password, an unknown or switched-off account and a locked one: the login form tells
# an outsider nothing about which usernames exist or which accounts are locked.
BAD_LOGIN = f"账号或密码不正确（连续输错{MAX_FAILURES}次，账号将锁定{LOCKOUT.seconds // 60}分钟）"
TAKEN_RACE = "用户名或手机号已被其他账号使用，请换一个 (login taken)"


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
    """Make a staff account of an agency; return it and its password (generated when not given).

    A username and a phone number are both login names, looked up across every agency: neither may equal
    another account's username or phone, or one account would shadow the other at the login form.
    """
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
        phone_digest = _phone_digest(phone, cipher)
    name = (display_name or username).strip()[:50]
    _check_login_names_free(session, username, phone, phone_digest, cipher)
    staff = Staff(agency_id=agency_id, username=username, phone_digest=phone_digest, display_name=name, role=role,
                  password_hash=hash_password(password))
    if phone and cipher is not None:
        staff.phone_enc = cipher.encrypt(phone, PHONE_CONTEXT)  # a supervisor's urgent flags by SMS
    session.add(staff)
    try:
        session.flush()
    except IntegrityError:
        # Another account took the name between the check and the insert (the unique indexes decide).
        raise Conflict(TAKEN_RACE, code="login_taken") from None
    return staff, password


def _phone_digest(phone: str, cipher: FieldCipher | None) -> str:
    if cipher is None:
        raise ValueError("a phone number is stored as a keyed digest: pass the cipher")
    return cipher.digest(phone, PHONE_CONTEXT)


def _check_login_names_free(session: Session, username: str, phone: str | None, phone_digest: str | None,
                            cipher: FieldCipher | None) -> None:
    """Conflict unless neither login name is already one (username or phone) of any account of any agency."""
    if session.scalar(select(Staff.id).where(Staff.username == username)) is not None:
        raise Conflict(f"用户名 {username} 已被使用 (username taken)", code="username_taken")
    # A phone-shaped username is a phone number at the login form: it must not be another account's phone.
    if _PHONE.fullmatch(username) and username != phone:
        taken = session.scalar(select(Staff.id).where(Staff.phone_digest == _phone_digest(username, cipher)))
        if taken is not None:
            raise Conflict(f"用户名 {username} 已是其他账号的登录手机号，请换一个用户名 (username taken)",
                           code="username_taken")
    if phone is None or phone_digest is None:
        return
    clash = or_(Staff.phone_digest == phone_digest, Staff.username == phone)
    if session.scalar(select(Staff.id).where(clash).limit(1)) is not None:
        raise Conflict("该手机号已被其他账号用于登录（作为手机号或用户名），请换一个 (phone taken)", code="phone_taken")


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
    """Check a username (or phone) and password; count failures and lock the account after too many.

    Every refusal is the same :data:`BAD_LOGIN` after the same scrypt work. The count and the lock are
    decided by the database, in conditional UPDATEs, so parallel attempts cannot lose each other's failures.
    """
    staff = _find(session, login, cipher) if login and len(login) <= 50 and len(password) <= MAX_PASSWORD else None
    if staff is None or not staff.active:
        check_password(password, _DUMMY_HASH)
        return SignIn(None, BAD_LOGIN)
    right = check_password(password, staff.password_hash)
    if staff.locked_until is not None and staff.locked_until > now:
        return SignIn(None, BAD_LOGIN)
    table = _table()
    if staff.locked_until is not None:
        # The lock has run out: count afresh (once, whichever attempt comes first).
        session.execute(update(table).where(table.c.id == staff.id, table.c.locked_until <= now)
                        .values(failed_logins=0, locked_until=None))
    if not right:
        _count_failure(session, staff.id, now)
        session.expire(staff, ["failed_logins", "locked_until"])
        return SignIn(None, BAD_LOGIN)
    # Signed in only if no parallel attempt has locked the account since it was read.
    signed_in = session.execute(
        update(table)
        .where(table.c.id == staff.id, table.c.active.is_(True),
               or_(table.c.locked_until.is_(None), table.c.locked_until <= now))
        .values(failed_logins=0, locked_until=None, last_login_at=now)
    )
    session.expire(staff, ["failed_logins", "locked_until", "last_login_at"])
    if cast(CursorResult[Any], signed_in).rowcount != 1:
        return SignIn(None, BAD_LOGIN)
    return SignIn(staff)


def _table() -> Table:
    return cast(Table, Staff.__table__)


def _count_failure(session: Session, staff_id: int, now: dt.datetime) -> None:
    """failed_logins + 1 in one statement; the attempt that reaches MAX_FAILURES sets the lock.

    locked_until is assigned first: MySQL evaluates SET left to right with the values already assigned, SQLite
    with the old ones, and both then see the count from before this attempt.
    """
    table = _table()
    count, locked_until = table.c.failed_logins, table.c.locked_until
    unlocked = or_(locked_until.is_(None), locked_until <= now)
    lock = case((and_(unlocked, count + 1 >= MAX_FAILURES), literal(now + LOCKOUT, locked_until.type)),
                else_=locked_until)
    session.execute(update(table).where(table.c.id == staff_id).ordered_values((locked_until, lock),
                                                                                 (count, count + 1)))


def active_staff(session: Session, staff_id: int, epoch: object) -> Staff | None:
    """The account of a signed-in session, if it still exists, is active and has not revoked the session's epoch."""
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.active or not isinstance(epoch, int) or staff.session_epoch != epoch:
        return None
    return staff


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


def revoke_sessions(staff: Staff) -> None:
    """Sign the account out everywhere: every console cookie issued before carries an older epoch.

    Incremented by the database (its new value is read back on the next access) so two revocations at
    once both count."""
    staff.session_epoch = Staff.session_epoch + 1


def set_password(staff: Staff, password: str) -> None:
    """A new password; the account's existing sessions end."""
    check_new_password(password)
    staff.password_hash = hash_password(password)
    staff.failed_logins = 0
    staff.locked_until = None
    revoke_sessions(staff)


def change_own_password(staff: Staff, current: str, new: str, repeated: str) -> None:
    """The signed-in person changes their password: the current one first, the new one twice."""
    if not check_password(current, staff.password_hash):
        raise BadRequest("当前密码不正确", code="wrong_password")
    if new != repeated:
        raise BadRequest("两次输入的新密码不一致", code="invalid_field")
    if new == current:
        raise BadRequest("新密码不能与当前密码相同", code="invalid_field")
    set_password(staff, new)


def set_role(actor: Staff, staff: Staff, role: str) -> None:
    """Give a colleague another role; their sessions end (the next page is read under the new role)."""
    if role not in STAFF_ROLES:
        raise BadRequest("角色应为 " + " / ".join(ROLE_LABELS[r] for r in STAFF_ROLES), code="invalid_field")
    if staff.id == actor.id:
        raise Conflict("不能修改自己的角色", code="self")
    if staff.role != role:
        staff.role = role
        revoke_sessions(staff)


def set_active(session: Session, actor: Staff, staff: Staff, active: bool) -> None:
    """Switch an account on or off; an admin cannot switch off their own account (someone must remain).

    Switching off ends its sessions, so switching it on again revives none of them."""
    if staff.id == actor.id and not active:
        raise Conflict("不能停用自己的账号", code="self")
    if staff.active and not active:
        revoke_sessions(staff)
    staff.active = active
    if active:
        staff.failed_logins = 0
        staff.locked_until = None
