"""Reading JSON request bodies: every bad value is a clear 400 naming the field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from bot.errors import BadRequest


def json_object(raw: bytes, max_bytes: int = 256 * 1024, allow_list: bool = False) -> Any:
    """Parse a request body that must be one JSON object (or, with ``allow_list``, a list)."""
    import json

    if len(raw) > max_bytes:
        raise BadRequest(f"请求内容过大 (body over {max_bytes} bytes)", code="too_large")
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("请求内容不是有效的 JSON (body is not valid JSON)", code="bad_json") from None
    if not isinstance(data, dict) and not (allow_list and isinstance(data, list)):
        raise BadRequest("请求内容必须是 JSON 对象 (body must be a JSON object)", code="bad_json")
    return data


def _missing(name: str) -> BadRequest:
    return BadRequest(f"缺少字段 {name} (missing field {name})", code="missing_field")


def _value(data: Mapping[str, Any], name: str, required: bool) -> Any:
    """The field's value; a missing required field is a 400."""
    value = data.get(name)
    if value is None and required:
        raise _missing(name)
    return value


def _invalid(name: str, why: str) -> BadRequest:
    return BadRequest(f"字段 {name} 无效：{why} (invalid {name})", code="invalid_field")


def text(data: Mapping[str, Any], name: str, *, required: bool = True, max_len: int = 200,
         min_len: int = 1) -> str | None:
    value = _value(data, name, required)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid(name, "应为文字")
    value = value.strip()
    if len(value) < min_len:
        if required:
            raise _missing(name)
        return None
    if len(value) > max_len:
        raise _invalid(name, f"不能超过{max_len}个字")
    return value


def integer(data: Mapping[str, Any], name: str, *, required: bool = True, minimum: int | None = None,
            maximum: int | None = None) -> int | None:
    value = _value(data, name, required)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(name, "应为整数")
    if minimum is not None and value < minimum:
        raise _invalid(name, f"不能小于{minimum}")
    if maximum is not None and value > maximum:
        raise _invalid(name, f"不能大于{maximum}")
    return value


def date(data: Mapping[str, Any], name: str, *, required: bool = True) -> dt.date | None:
    value = _value(data, name, required)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid(name, "应为日期 YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _invalid(name, "应为日期 YYYY-MM-DD") from None


def no_unknown_fields(data: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise BadRequest(f"未知字段 {', '.join(unknown)} (unknown fields)", code="unknown_field")
