"""One error hierarchy for the whole server.

Domain code raises these with a message a user can read (Simplified Chinese).
``bot.edge.errors`` maps them once to HTTP JSON ``{"error": {"code", "message"}}``;
the chat dispatcher (``bot.chat.router.run_handler``) maps them once to a text
reply. Nothing here knows Flask: ``status`` is data the HTTP edge reads.
"""

from __future__ import annotations


class AnxinError(Exception):
    """Base of every error a user may see."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class BadRequest(AnxinError):
    status, code = 400, "bad_request"


class Unauthorized(AnxinError):
    status, code = 401, "unauthorized"


class Forbidden(AnxinError):
    status, code = 403, "forbidden"


class NotFound(AnxinError):
    status, code = 404, "not_found"


class Conflict(AnxinError):
    status, code = 409, "conflict"


class PayloadTooLarge(AnxinError):
    status, code = 413, "payload_too_large"


class TooManyRequests(AnxinError):
    status, code = 429, "too_many_requests"


class UpstreamError(AnxinError):
    """WeChat (or another service we call) refused or did not answer."""

    status, code = 502, "upstream_error"
