"""Pydantic's validation errors as our own: one translator, Chinese reasons, every bad field named.

Used wherever a model checks input — the JSON APIs (``bot.api.schema``), spreadsheets of workers,
entries from chat — so a bad field reads the same everywhere. Knows no Flask.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, Strict, ValidationError

from bot.core.errors import BadRequest

# A required text must hold at least one printable character: spaces around it are trimmed and control
# characters are removed where text comes in (bot.core.textsafe), so a text of only those is empty.
PRINTABLE = r"[^\s\x00-\x1f\x7f-\x9f\ufffe\uffff]"


def integral(value: Any) -> Any:
    """JSON has one number type: 2.0 is the integer 2 (as JSON Schema says), "2" and true are not."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def json_int(**bounds: Any) -> Any:
    """An integer as JSON means it (120 or 120.0, never "120" or true), within ``ge``/``le``."""
    return Annotated[int, Strict(), Field(**bounds), BeforeValidator(integral)]

# -- one translator: pydantic's errors as a Chinese 400 that names every bad field ---------------

_CODES = {
    "missing": "missing_field",
    "missing_text": "missing_field",
    "extra_forbidden": "unknown_field",
    "union_tag_invalid": "invalid_kind",
    "union_tag_not_found": "invalid_kind",
}
_ORDER = ("batch_size", "invalid_kind", "missing_field", "unknown_field", "invalid_field")


def _why(error: Mapping[str, Any]) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in ("missing", "missing_text"):
        return "缺少此字段" if kind == "missing" else str(error["msg"])
    if kind == "extra_forbidden":
        return "未知字段"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return "应为 " + str(ctx.get("expected_tags", "")).replace("'", "")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "应为整数"
    if kind in ("float_type", "float_parsing", "finite_number"):
        return "应为数字"
    if kind in ("bool_type", "bool_parsing"):
        return "应为 true 或 false"
    if kind in ("string_type",):
        return "应为文字"
    if kind == "string_too_long":
        return f"不能超过{ctx.get('max_length')}个字"
    if kind == "string_too_short":
        return "不能为空" if ctx.get("min_length") == 1 else f"至少{ctx.get('min_length')}个字"
    if kind == "string_pattern_mismatch":
        return "格式不正确"
    if kind in ("greater_than_equal", "greater_than"):
        return f"不能小于{ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"不能大于{ctx.get('le', ctx.get('lt'))}"
    if kind == "literal_error":
        return "应为 " + str(ctx.get("expected", "")).replace("'", "").replace(" or ", " / ").replace(", ", " / ")
    if kind.startswith("datetime") or kind == "timezone_aware":
        return "应为 ISO 8601 时间，如 2026-11-20T07:30:00+08:00"
    if kind.startswith("date"):
        return "应为日期 YYYY-MM-DD"
    if kind in ("list_type", "too_short", "too_long", "set_type"):
        if kind == "too_long":
            return f"最多{ctx.get('max_length')}项"
        if kind == "too_short":
            return f"至少{ctx.get('min_length')}项"
        return "应为列表"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "应为对象"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"])).removeprefix("Value error, ")
    return str(error["msg"])


def _where(loc: Sequence[int | str], tags: frozenset[str]) -> str:
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in tags and i + 1 < len(loc):
            continue  # the discriminated union's branch name is not a field the caller sent
        elif part in ("one", "batch") or part.startswith(("function-", "tagged-union")):
            continue
        else:
            out += ("." if out else "") + part
    return out or "请求内容"


@dataclass(frozen=True)
class Problem:
    """One bad field: where (``entries[1].amount_ml``), why (Chinese), and the error code it maps to."""

    field: str
    why: str
    code: str


def problems(exc: ValidationError, tags: frozenset[str] = frozenset()) -> list[Problem]:
    """Every problem pydantic found, in Chinese; ``tags`` are union branch names to leave out of locations."""
    found = []
    for error in exc.errors(include_url=False):
        batch = error["type"] in ("too_long", "too_short") and len(error["loc"]) <= 1
        code = "batch_size" if batch else _CODES.get(error["type"], "invalid_field")
        found.append(Problem(_where(error["loc"], tags), _why(error), code))
    return found


def invalid(exc: ValidationError, tags: frozenset[str] = frozenset()) -> BadRequest:
    """A 400 naming every bad field with why, in Chinese (and the field names in English)."""
    found = problems(exc, tags)
    names = [p.field for p in found]
    codes = [p.code for p in found]
    code = min(codes, key=_ORDER.index) if codes else "invalid_field"
    problem_texts = [f"{p.field}：{p.why}" for p in found]
    unique_names = list(dict.fromkeys(names))
    message = "字段无效 — " + "；".join(dict.fromkeys(problem_texts)) + f" (invalid: {', '.join(unique_names)})"
    return BadRequest(message, code=code)
