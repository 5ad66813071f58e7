"""The agency's staff accounts (管理员 only): add one (its password shown once), change its role, switch it
off or on. A role change or switching off ends the account's sessions on every device."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from bot.agency.staff import ROLE_LABELS, agency_staff, colleague, create_staff, set_active, set_role
from bot.console import bp, cipher, current_agency, current_staff, needs
from bot.core.errors import AnxinError
from bot.models import STAFF_ROLES
from bot.store.db import get_session

# A new account starts with the least it may do; an admin gives it more on purpose.
LEAST_PRIVILEGE = "clerk"


@bp.route("/staff", methods=["GET", "POST"])
@needs("staff")
def staff() -> ResponseReturnValue:
    db = get_session()
    agency = current_agency()
    created = None
    error = None
    form = {k: request.form.get(k, "") for k in ("username", "display_name", "phone", "role")}
    form["role"] = form["role"] or LEAST_PRIVILEGE
    if request.method == "POST":
        try:
            account, password = create_staff(db, agency.id, form["username"], form["role"],
                                             display_name=form["display_name"] or None, phone=form["phone"] or None,
                                             cipher=cipher())
            db.commit()
            created = (account.username, password)
            form = {"role": LEAST_PRIVILEGE}
        except AnxinError as exc:
            db.rollback()
            error = exc.message
    return render_template("console/staff.html", accounts=agency_staff(db, agency.id), roles=STAFF_ROLES,
                           created=created, error=error, form=form), (400 if error else 200)


@bp.post("/staff/<id:staff_id>/active")
@needs("staff")
def staff_active(staff_id: int) -> ResponseReturnValue:
    db = get_session()
    account = colleague(db, current_agency().id, staff_id)
    set_active(db, current_staff(), account, request.form.get("active") == "1")
    db.commit()
    flash(f"账号 {account.username} 已{'启用' if account.active else '停用'}")
    return redirect(url_for("console.staff"))


@bp.post("/staff/<id:staff_id>/role")
@needs("staff")
def staff_role(staff_id: int) -> ResponseReturnValue:
    db = get_session()
    account = colleague(db, current_agency().id, staff_id)
    set_role(current_staff(), account, request.form.get("role", ""))
    db.commit()
    flash(f"账号 {account.username} 的角色已改为{ROLE_LABELS[account.role]}，该账号需重新登录")
    return redirect(url_for("console.staff"))
