"""How large a request body each route takes: the one place these limits are written.

Flask refuses a body over ``MAX_CONTENT_LENGTH`` (``BODY_LIMIT``) before anything parses it:
a form, JSON, a multipart upload. A few routes take more (``ROUTE_BODY_LIMITS``, by endpoint),
set on the request (Flask 3.1 ``request.max_content_length``) before any view or CSRF check
reads the body; ``/wechat`` takes ``ANXIN_WECHAT_MAX_BODY``. Past its limit a request gets 413
with a Chinese message: a page on the console and the web pages, the usual JSON error on the
APIs. ``NGINX_LOCATIONS`` is the same table as the proxy in front must write it
(``client_max_body_size``): a proxy that allows less breaks an upload, one that allows more
only buffers a body the app then refuses.
"""

from __future__ import annotations

from html import escape

from flask import Flask, Response, current_app, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import RequestEntityTooLarge

from bot.edge.errors import error_response

KIB, MIB = 1024, 1024 * 1024
BODY_LIMIT = 1 * MIB  # every route not named below: forms, JSON, sign-in
IMPORT_BODY_LIMIT = 10 * MIB  # a spreadsheet of workers (bot.agency.imports checks what is inside)
PHOTO_BODY_LIMIT = 6 * MIB  # a worker's photo (at most 5 MiB, bot.agency.workers) and its multipart wrapping
WECHAT_BODY_LIMIT = 64 * KIB  # the default of ANXIN_WECHAT_MAX_BODY; /wechat reads the setting

ROUTE_BODY_LIMITS = {
    "console.import_page": IMPORT_BODY_LIMIT,
    "console.upload_photo": PHOTO_BODY_LIMIT,
    "admin.put_photo": PHOTO_BODY_LIMIT,
}
# The proxy's view of the same limits, as nginx locations (the console's and the API's photo routes share one).
NGINX_LOCATIONS = {
    "/": "1m",
    "= /console/workers/import": "10m",
    r"~ ^/(console|admin/v1)/workers/\d+/photo$": "6m",
    "= /wechat": "64k",
}
_JSON_PREFIXES = ("/admin/v1", "/mp/v1", "/wechat")


def body_limit(endpoint: str | None) -> int:
    """The largest body ``endpoint`` takes, in bytes."""
    if endpoint == "wechat.receive":
        return int(current_app.config["ANXIN_WECHAT_MAX_BODY"])
    return ROUTE_BODY_LIMITS.get(endpoint or "", BODY_LIMIT)


def size_text(limit: int) -> str:
    return f"{limit // MIB} MiB" if limit % MIB == 0 else f"{limit // KIB} KiB"


def _set_limit() -> None:
    # Wired before bot.edge.hardening, the first to read a body, and app-wide functions run before any blueprint's.
    if request.endpoint in ROUTE_BODY_LIMITS or request.endpoint == "wechat.receive":
        request.max_content_length = body_limit(request.endpoint)


def too_large_message() -> str:
    return f"请求内容过大，最多 {size_text(body_limit(request.endpoint))} (request body too large)"


def _too_large(_error: RequestEntityTooLarge) -> ResponseReturnValue:
    message = too_large_message()
    if request.path.startswith(_JSON_PREFIXES):
        return error_response(413, "payload_too_large", message)
    page = (f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>内容过大</title>'
            f"<h1>413</h1><p>{escape(message)}</p></html>")
    return Response(page, status=413, mimetype="text/html")


def init_app(app: Flask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = BODY_LIMIT
    app.before_request(_set_limit)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
