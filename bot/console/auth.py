"""Signing in and out: ``/console/login`` (username or phone and password), ``/console/logout``."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from bot.clock import utcnow
from bot.console import bp, cipher
from bot.db import get_session
from bot.ratelimit import counter_for, hit

# Sign-in attempts per client address per window, on top of each account's own lockout.
ADDRESS_LIMIT = 20
ADDRESS_WINDOW = 15 * 60
TOO_MANY = "登录尝试过于频繁，请15分钟后再试"


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/console/") and not target.startswith("//"):
        return target
    return url_for("console.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """The sign-in page; a wrong password is counted, five in a row lock the account for 15 minutes."""
    from bot.registry.staff import authenticate

    if request.method == "GET":
        return render_template("console/login.html", error=None, login="", next=request.args.get("next", ""))
    form = request.form
    login_name, password = form.get("login", "").strip(), form.get("password", "")
    db = get_session()
    address = request.remote_addr or "unknown"
    if not hit(counter_for(current_app.config, db), f"console-login:{address}", ADDRESS_LIMIT, ADDRESS_WINDOW):
        db.commit()
        return render_template("console/login.html", error=TOO_MANY, login=login_name, next=form.get("next", "")), 429
    result = authenticate(db, login_name, password, utcnow(), cipher())
    staff_id = result.staff.id if result.staff is not None else None
    db.commit()  # failures count even though the answer is a refusal
    if staff_id is None:
        return render_template("console/login.html", error=result.message, login=login_name,
                                next=form.get("next", "")), 401
    session.clear()  # a fresh session (and CSRF token) for the signed-in person
    session.permanent = True
    session["staff_id"] = staff_id
    return redirect(_safe_next(form.get("next")))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    session.clear()
    return redirect(url_for("console.login"))
