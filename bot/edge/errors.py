"""The error hierarchy mapped once to HTTP: ``{"error": {"code", "message"}}`` with the error's status."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from bot.core.errors import AnxinError
from bot.store.retry import conflict_code


def error_response(status: int, code: str, message: str) -> Response:
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
    503: "服务繁忙，请稍后重试 (busy, try again)",
}


def init_app(app: Flask) -> None:
    app.register_error_handler(AnxinError, _anxin_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def _anxin_error(error: AnxinError) -> Response:
    return error_response(error.status, error.code, error.message)


def _unexpected(error: Exception) -> Response:
    code = conflict_code(error)
    if code is not None:
        # The database refused the request's transaction for a conflict (another Galera node wrote the same rows
        # first): nothing of it was kept, and the same request sent again will be run afresh.
        logging.getLogger("anxin.http").warning("request.conflict", extra={"fields": {"code": code}})
        response = error_response(503, "conflict", _HTTP_MESSAGES[503])
        response.headers["Retry-After"] = "1"
        return response
    # A bug or an outage: logged with the request id, answered 500 so WeChat retries what it sent.
    logging.getLogger("anxin.http").error("request.failed", exc_info=error,
                                          extra={"fields": {"error": type(error).__name__}})
    return error_response(500, "internal_error", _HTTP_MESSAGES[500])


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    code = (error.name or "error").lower().replace(" ", "_")
    response = error_response(status, code, _HTTP_MESSAGES.get(status, error.description or code))
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return response
