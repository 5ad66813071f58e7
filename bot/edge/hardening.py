"""The HTTP edge, hardened: JSON bodies checked and cleaned before any view reads them, content types pinned.

A JSON body nested deeper than ``MAX_JSON_DEPTH`` or holding a lone surrogate
(``"\\ud800"``) is a 400 before a parser can recurse or a database can choke on it;
characters XML cannot carry (NUL, BEL, VT, ...) are removed from every string, so
nothing the mini-program or the agency API stores can break a reply later. JSON
responses carry ``X-Content-Type-Options: nosniff``; images also get a CSP.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Literal, overload

from flask import Flask, Request, Response, request

from bot.core.errors import BadRequest
from bot.core.textsafe import clean_json

MAX_JSON_DEPTH = 32
# Bodies larger than this are left to the views' own size checks (they refuse them).
_MAX_JSON_BODY = 1024 * 1024
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_IMAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def json_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in ``raw`` (strings skipped), without parsing it."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(_JSON_STRING.sub(b'""', raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def harden_json(raw: bytes) -> bytes | None:
    """``raw`` with XML-illegal characters removed from every string; None when it is not JSON at all.

    Raises BadRequest for nesting deeper than MAX_JSON_DEPTH and for lone surrogates.
    """
    if json_depth(raw) > MAX_JSON_DEPTH:
        raise BadRequest(f"JSON 嵌套超过{MAX_JSON_DEPTH}层 (JSON nested deeper than {MAX_JSON_DEPTH})", code="bad_json")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None  # left to the view, which answers 400 bad_json
    if _has_lone_surrogate(data):
        raise BadRequest("JSON 文本含有无效的代理字符 (lone surrogate in JSON text)", code="bad_json")
    cleaned = clean_json(data)
    return raw if cleaned == data else json.dumps(cleaned, ensure_ascii=False).encode("utf-8")


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return _LONE_SURROGATE.search(value) is not None
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    return False


class HardenedRequest(Request):
    """Flask's request, whose body a before-request hook may replace with its cleaned copy (``app.request_class``
    is Flask's public way to extend the request): ``get_data``, ``get_json`` and ``json`` then read that copy."""

    cleaned_body: bytes | None = None

    @overload
    def get_data(self, cache: bool = ..., as_text: Literal[False] = ..., parse_form_data: bool = ...) -> bytes: ...

    @overload
    def get_data(self, cache: bool = ..., as_text: Literal[True] = ..., parse_form_data: bool = ...) -> str: ...

    def get_data(self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False) -> bytes | str:
        if self.cleaned_body is None:
            data: bytes = super().get_data(cache=cache, as_text=False, parse_form_data=parse_form_data)
        else:
            data = self.cleaned_body
        return data.decode("utf-8", "replace") if as_text else data


def _harden_json_body() -> None:
    """Check and clean a JSON request body once; the views then read the cleaned copy."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE") or request.path.startswith("/wechat"):
        return
    mimetype = request.mimetype or ""
    length = request.content_length
    if mimetype.startswith(("image/", "multipart/")) or length is None or length > _MAX_JSON_BODY:
        return
    raw = request.get_data(cache=True)  # kept by the request: whatever the view reads next gets these bytes
    if not raw or raw.lstrip()[:1] not in (b"{", b"["):
        return
    cleaned = harden_json(raw)
    if cleaned is not None and cleaned is not raw and isinstance(request, HardenedRequest):
        request.cleaned_body = cleaned


def _content_headers(response: Response) -> Response:
    """JSON is never sniffed as something else; an image cannot run anything even when opened directly."""
    mimetype = response.mimetype or ""
    if mimetype == "application/json" or mimetype.endswith("+json"):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
    elif mimetype.startswith("image/"):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Content-Security-Policy", _IMAGE_CSP)
    return response


class QueryRedactingFilter(logging.Filter):
    """The development server logs request lines: keep /wechat's signed query string out of them."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/wechat?" in message:
            record.msg, record.args = _QUERY.sub(r"\1?[redacted]", message), ()
        return True


_QUERY = re.compile(r"(/wechat)\?[^\s\"]*")


def init_app(app: Flask) -> None:
    app.request_class = HardenedRequest
    app.before_request(_harden_json_body)
    app.after_request(_content_headers)
    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, QueryRedactingFilter) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(QueryRedactingFilter())
