"""One error hierarchy for the whole server.

Domain code raises these with a message a user can read (Simplified Chinese).
``init_app`` maps them once to HTTP JSON ``{"error": {"code", "message"}}``; the
chat layer maps them once to a text reply.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException


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


def error_response(status: int, code: str, message: str):  # type: ignore[no-untyped-def]
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


_HTTP_MESSAGES = {
    400: "请求格式不正确 (bad request)",
    403: "无权访问 (forbidden)",
    404: "未找到 (not found)",
    405: "不支持该请求方法 (method not allowed)",
    413: "请求内容过大 (payload too large)",
    429: "请求过于频繁，请稍后再试 (too many requests)",
    500: "服务器内部错误 (internal server error)",
}


def init_app(app: Flask) -> None:
    @app.errorhandler(AnxinError)
    def _anxin_error(error: AnxinError):  # type: ignore[no-untyped-def]
        return error_response(error.status, error.code, error.message)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):  # type: ignore[no-untyped-def]
        # A bug or an outage: logged with the request id, answered 500 so WeChat retries what it sent.
        logging.getLogger("anxin.http").error("request.failed", exc_info=error,
                                              extra={"fields": {"error": type(error).__name__}})
        return error_response(500, "internal_error", _HTTP_MESSAGES[500])

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        status = error.code or 500
        code = (error.name or "error").lower().replace(" ", "_")
        return error_response(status, code, _HTTP_MESSAGES.get(status, error.description or code))
