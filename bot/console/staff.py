"""The agency's staff accounts and its logo (管理员 only): add one (its password shown once), change its role, switch it
off or on. A role change or switching off ends the account's sessions on every device."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from bot.agency.agencies import LOGO_MAX_BYTES, set_logo
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
                           created=created, error=error, form=form, agency=agency), (400 if error else 200)


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


@bp.post("/agency/logo")
@needs("staff")
def agency_logo() -> ResponseReturnValue:
    """Upload (or with ``remove``, take away) the agency's logo printed on its badge cards."""
    db = get_session()
    agency = current_agency()
    if request.form.get("remove"):
        set_logo(agency, None)
        db.commit()
        flash("已删除机构标志，工牌上只显示机构名称")
        return redirect(url_for("console.staff") + "#agency")
    upload = request.files.get("logo")
    data = upload.stream.read(LOGO_MAX_BYTES + 1) if upload is not None else b""
    try:
        set_logo(agency, data)
    except AnxinError as exc:
        db.rollback()
        return render_template("console/staff.html", accounts=agency_staff(db, agency.id), roles=STAFF_ROLES,
                               created=None, error=exc.message, form={"role": LEAST_PRIVILEGE}, agency=agency), exc.status
    db.commit()
    flash("机构标志已更新，将印在工牌上")
    return redirect(url_for("console.staff") + "#agency")


@bp.get("/agency/logo.png")
def agency_logo_png() -> ResponseReturnValue:
    logo = current_agency().logo_png
    if logo is None:
        return Response("未上传机构标志", status=404, mimetype="text/plain")
    return Response(logo, mimetype="image/png", headers={"Cache-Control": "private, no-store"})
