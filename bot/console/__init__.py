"""The agency's back office on the web, ``/console``: server-rendered pages over the domain functions.

Staff sign in with their own account (``bot.agency.staff``); the session is Flask's signed cookie
(HttpOnly, SameSite=Lax, Secure outside development), every form carries a CSRF token, and every page
names the permission it needs. A page reads and writes only the signed-in agency's records, through the
same domain functions as the agency API (``bot.admin``), so no rule is written twice.

Each module of this package adds its routes to ``bp``; ``init_app`` imports them all.
"""

from __future__ import annotations

import datetime as dt
import hmac
import importlib
import pkgutil
import secrets
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, Response, current_app, g, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from flask.wrappers import Request
from werkzeug.exceptions import RequestEntityTooLarge

from bot.agency.imports import FIELD_LABELS
from bot.agency.staff import ROLE_LABELS, active_staff, allowed, require
from bot.core.errors import AnxinError, Forbidden
from bot.core.security import FieldCipher
from bot.edge.bodylimits import too_large_message
from bot.lookup.profile import local_today
from bot.models import Agency, Staff
from bot.store.db import get_session

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates", static_folder="static",
               static_url_path="/static")

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store",
}
PUBLIC_ENDPOINTS = {"console.login", "console.static"}
# The cookie names the account and the epoch it was issued under (bot.agency.staff.revoke_sessions).
SESSION_STAFF = "staff_id"
SESSION_EPOCH = "epoch"

P = ParamSpec("P")
R = TypeVar("R")


def csrf_token() -> str:
    """The session's CSRF token, made on first use."""
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


def _csrf_ok() -> bool:
    expected = session.get(CSRF_FIELD)
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    return isinstance(expected, str) and hmac.compare_digest(expected.encode(), sent.encode())


@bp.before_request
def _load_staff() -> ResponseReturnValue | None:
    if request.method not in ("GET", "HEAD", "OPTIONS") and not _csrf_ok():
        return error_page(400, "页面已过期，请刷新后重试（CSRF 校验失败）")
    g.staff = None
    staff_id = session.get(SESSION_STAFF)
    if isinstance(staff_id, int):
        g.staff = active_staff(get_session(), staff_id, session.get(SESSION_EPOCH))
        if g.staff is None:
            session.clear()
    if g.staff is None and request.endpoint not in PUBLIC_ENDPOINTS:
        return redirect(url_for("console.login", next=request.full_path if request.method == "GET" else None))
    return None


@bp.after_request
def _headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


@bp.errorhandler(AnxinError)
def _anxin_error(error: AnxinError) -> ResponseReturnValue:
    get_session().rollback()
    return error_page(error.status, error.message)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge) -> ResponseReturnValue:
    # Raised where the body is first read (the CSRF check reads the form), before anything is parsed in full.
    return error_page(413, too_large_message())


def error_page(status: int, message: str) -> ResponseReturnValue:
    return render_template("console/error.html", status=status, message=message), status


def sign_in(staff: Staff) -> None:
    """Start a fresh session (and CSRF token) for ``staff`` under the account's current epoch."""
    session.clear()
    session.permanent = True
    session[SESSION_STAFF] = staff.id
    session[SESSION_EPOCH] = staff.session_epoch


def current_staff() -> Staff:
    staff: Staff = g.staff
    return staff


def current_agency() -> Agency:
    agency = get_session().get(Agency, current_staff().agency_id)
    assert agency is not None
    return agency


def needs(permission: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """The view needs ``permission`` (bot.agency.staff.PERMISSIONS); others get a 403 page."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            require(current_staff(), permission)
            return view(*args, **kwargs)

        return run

    return decorate


def cipher() -> FieldCipher:
    found: FieldCipher = current_app.extensions["anxin_cipher"]
    return found


def today() -> dt.date:
    return local_today(current_app.config["ANXIN_TIMEZONE"])


def tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["ANXIN_TIMEZONE"])


def local(moment: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return moment.astimezone(tz()).strftime(fmt) if moment is not None else ""


@bp.context_processor
def _context() -> dict[str, object]:
    staff = g.get("staff")
    return {
        "staff": staff, "can": (lambda permission: staff is not None and allowed(staff, permission)),
        "csrf_token": csrf_token, "role_labels": ROLE_LABELS, "local": local, "field_labels": FIELD_LABELS,
    }


def _secure_cookie(app: Flask) -> bool:
    """Secure except in development: debug, testing, or plain http on this machine."""
    public = str(app.config.get("ANXIN_PUBLIC_URL", ""))
    on_loopback = public.startswith(("http://127.0.0.1", "http://localhost"))
    return not (app.debug or app.testing or on_loopback)


class ConsoleSession(SecureCookieSessionInterface):
    """Flask's signed-cookie session, opened only where its cookie is sent (``SESSION_COOKIE_PATH``,
    the console): a chat push, a mini-program call or a badge page has no use for one, and every request
    paid for opening it (a signer built, the cookie looked for) and for deciding not to save it."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        path = self.get_cookie_path(app).rstrip("/")
        if request.path != path and not request.path.startswith(path + "/"):
            return None  # Flask gives the request a NullSession: reads see nothing, a write raises
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    app.session_interface = ConsoleSession()
    app.config.update(
        SESSION_COOKIE_NAME="anxin_console", SESSION_COOKIE_PATH="/console", SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=_secure_cookie(app),
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=12),
    )
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    app.register_blueprint(bp)


__all__ = ["Forbidden", "bp", "current_agency", "current_staff", "init_app", "needs"]
