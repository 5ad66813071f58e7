"""Signing in and out: ``/console/login`` (username or phone and password), ``/console/logout``, and
``/console/password`` (the signed-in person changes their own password).

Logging out and changing the password end every session of the account, on every device: the account's
session epoch moves on and cookies issued under the old one are refused (``bot.console._load_staff``)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from bot.agency.staff import change_own_password, revoke_sessions
from bot.console import bp, cipher, current_staff, sign_in
from bot.core.clock import utcnow
from bot.core.errors import AnxinError
from bot.store.db import get_session
from bot.store.ratelimit import counter_for, hit

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
    from bot.agency.staff import authenticate

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
    if result.staff is not None:
        sign_in(result.staff)
    db.commit()  # failures count even though the answer is a refusal
    if result.staff is None:
        return render_template("console/login.html", error=result.message, login=login_name,
                               next=form.get("next", "")), 401
    return redirect(_safe_next(form.get("next")))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out here and on every other device (a copied cookie dies with this one)."""
    db = get_session()
    revoke_sessions(current_staff())
    db.commit()
    session.clear()
    return redirect(url_for("console.login"))


@bp.route("/password", methods=["GET", "POST"])
def password() -> ResponseReturnValue:
    """Change one's own password; other devices are signed out, this one carries on with a fresh session."""
    error = None
    if request.method == "POST":
        db = get_session()
        staff = current_staff()
        form = request.form
        try:
            change_own_password(staff, form.get("current", ""), form.get("new", ""), form.get("repeat", ""))
            db.flush()
            sign_in(staff)  # reads the new epoch back from the database
            db.commit()
            flash("密码已修改，其他设备上的登录已全部退出")
            return redirect(url_for("console.dashboard"))
        except AnxinError as exc:
            db.rollback()
            error = exc.message
    return render_template("console/password.html", error=error), (400 if error else 200)
