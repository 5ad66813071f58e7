"""The public web pages: ``/b/CODE`` (a badge's verified profile), its QR code and photo; ``/d/TOKEN`` (bot/web/day.py).

No login: the employer at the door scans the badge with any phone camera. Lookups
are rate-limited per client address and logged, like every other surface.
"""

from __future__ import annotations

import ipaddress

from flask import Blueprint, Flask, Response, current_app, render_template, request

from bot.lookup.codes import CodeCheck, check_code
from bot.lookup.credit import KIND_LABELS
from bot.lookup.images import badge_url, qr_png
from bot.lookup.profile import (
    GENDER_TEXT,
    LIGHT_TEXT,
    STATE_TEXT,
    Limits,
    Profile,
    Refusal,
    find_photo,
    find_profile,
    local_today,
)
from bot.models import WorkerPhoto
from bot.store.db import get_session
from bot.store.ratelimit import counter_for

bp = Blueprint("web", __name__, template_folder="templates")

_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; "
                               "form-action 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store",
}


def _client_address() -> str:
    """The client's IP address; a forwarded value that is not one (a forged header) counts as one shared key."""
    try:
        return str(ipaddress.ip_address(request.remote_addr or ""))
    except ValueError:
        return "invalid"


@bp.get("/b/<code>")
def profile_page(code: str) -> Response:
    """The mobile page of a badge's verified profile (Simplified Chinese)."""
    if request.method == "HEAD":  # link previews and health probes: no lookup, no count, no log
        return Response(status=200, mimetype="text/html", headers={"Cache-Control": "no-store"})
    config = current_app.config
    session = get_session()
    result = find_profile(
        session, code, "web", who=None, address=_client_address(), today=local_today(config["ANXIN_TIMEZONE"]),
        limits=Limits.from_settings(config), counter=counter_for(config, session),
    )
    session.commit()
    if isinstance(result, Profile):
        html = render_template("profile.html", p=result, labels=KIND_LABELS, states=STATE_TEXT,
                               genders=GENDER_TEXT, light_text=LIGHT_TEXT)
        status = 200
    else:
        error = result.as_error()
        html = render_template("refusal.html", refusal=result, message=result.message, light_text=LIGHT_TEXT)
        status = error.status
    response = Response(html, status=status, mimetype="text/html")
    response.headers.update(_SECURITY_HEADERS)
    return response


@bp.get("/b/<code>/qr.png")
def qr_image(code: str) -> Response:
    """The badge's QR code; it depends on the code alone, so it tells nothing about the registry."""
    check, normalised = check_code(code)
    if check is not CodeCheck.VALID:
        return _not_found()
    png = qr_png(badge_url(current_app.config["ANXIN_PUBLIC_URL"], normalised))
    return Response(png, mimetype="image/png", headers={"Cache-Control": "public, max-age=86400"})


@bp.get("/b/<code>/photo")
def photo(code: str) -> Response:
    """The photo of a badge's holder, answered as its profile page is (same limits, same refusals)."""
    config = current_app.config
    session = get_session()
    found = find_photo(session, code, address=_client_address(), today=local_today(config["ANXIN_TIMEZONE"]),
                       limits=Limits.from_settings(config), counter=counter_for(config, session))
    data = (found.data, found.content_type) if isinstance(found, WorkerPhoto) else None
    session.commit()
    if isinstance(found, Refusal):
        error = found.as_error()
        return Response(found.message, status=error.status, mimetype="text/plain")
    if data is None:
        return _not_found()
    return Response(data[0], mimetype=data[1], headers={"Cache-Control": "private, max-age=300"})


def _not_found() -> Response:
    return Response("未找到 (not found)", status=404, mimetype="text/plain")


def init_app(app: Flask) -> None:
    from bot.web import day  # noqa: F401  (adds /d/TOKEN to the blueprint)

    app.register_blueprint(bp)
