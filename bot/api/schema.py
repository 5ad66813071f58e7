"""One validation layer for the JSON APIs: pydantic models in, pydantic models out, one error translator.

A view declares what it reads and answers with ``@operation(body=..., query=..., responses=...)``.
The decorator parses the body and the query string with those models (a failure is the usual
``{"error": {"code", "message"}}`` 400, naming every bad field in Chinese), calls the view with
``body=`` / ``query=``, and turns the model it returns into JSON. ``bot.api.openapi`` reads the
same declarations to write ``openapi.json``, so the limits are written once, in the models.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, cast

from flask import Response, jsonify, request
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from bot.errors import BadRequest, PayloadTooLarge

MAX_BODY = 256 * 1024
Schema = type[BaseModel] | TypeAdapter[Any]
# What a described view returns: a model (or a list of them), with a status, or a plain Flask answer (a PDF).
ApiResult = BaseModel | Sequence[BaseModel] | tuple[BaseModel | Sequence[BaseModel], int] | ResponseReturnValue
View = Callable[..., ApiResult]
Handler = Callable[..., ResponseReturnValue]


class In(BaseModel):
    """A request body or query: unknown fields are refused, never silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    """A response body: what is described is exactly what is sent."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class Operation:
    """What a route reads and answers, for validation here and for the OpenAPI description."""

    summary: str
    body: Schema | None = None
    query: type[BaseModel] | None = None
    responses: Mapping[int, Schema | str | None] = field(default_factory=dict)  # str: a media type (PDF, PNG)
    errors: Sequence[int] = ()
    raw_body: tuple[str, ...] = ()  # a non-JSON body's media types (an uploaded photo)
    public: bool = False  # no Authorization needed
    body_optional: bool = False  # an empty body is the same as ``{}``


def operation(
    *,
    body: Schema | None = None,
    query: type[BaseModel] | None = None,
    responses: Mapping[int, Schema | str | None],
    errors: Sequence[int] = (),
    raw_body: tuple[str, ...] = (),
    public: bool = False,
    body_optional: bool = False,
) -> Callable[[View], Handler]:
    """Validate the request with ``body`` / ``query`` and render what the view returns."""

    def decorate(view: View) -> Handler:
        summary = (view.__doc__ or view.__name__).strip().splitlines()[0]
        op = Operation(summary, body, query, responses, tuple(errors), raw_body, public, body_optional)

        @wraps(view)
        def run(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            if body is not None:
                raw = request.get_data(cache=True)
                data = {} if body_optional and not raw.strip() else read_json(raw)
                kwargs["body"] = validate(body, data)
            if query is not None:
                kwargs["query"] = validate(query, request.args.to_dict())
            return render(view(*args, **kwargs))

        setattr(run, "__api__", op)  # noqa: B010 - read back by operation_of
        return run

    return decorate


def operation_of(view: Callable[..., Any]) -> Operation | None:
    found: Operation | None = getattr(view, "__api__", None)
    return found


def read_json(raw: bytes) -> Any:
    """The request body as JSON, or a clear 400 (413 past the limit)."""
    if len(raw) > MAX_BODY:
        raise PayloadTooLarge(f"请求内容过大 (body over {MAX_BODY} bytes)", code="too_large")
    try:
        return json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest("请求内容不是有效的 JSON (body is not valid JSON)", code="bad_json") from None


def validate(schema: Schema, data: Any) -> Any:
    """``data`` checked against ``schema``; every problem is listed in one 400."""
    try:
        if isinstance(schema, TypeAdapter):
            return schema.validate_python(data)
        return schema.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc) from None


def render(result: Any) -> ResponseReturnValue:
    """A model (or ``(model, status)``) as JSON; anything else (a Response, a PDF) as it is."""
    status: int | None = None
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], int):
        result, status = result
    if isinstance(result, BaseModel):
        response: Response = jsonify(result.model_dump(mode="json", by_alias=True))
    elif isinstance(result, list) and all(isinstance(item, BaseModel) for item in result):
        response = jsonify([item.model_dump(mode="json", by_alias=True) for item in result])
    else:
        return cast(ResponseReturnValue, result if status is None else (result, status))
    if status is not None:
        response.status_code = status
    return response


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
        return str(ctx.get("error", error["msg"]))
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


def invalid(exc: ValidationError, tags: frozenset[str] | None = None) -> BadRequest:
    """A 400 naming every bad field with why, in Chinese (and the field names in English)."""
    from bot.diary.schemas import ENTRY_TAGS

    tags = ENTRY_TAGS if tags is None else tags
    problems: list[str] = []
    names: list[str] = []
    codes: list[str] = []
    for error in exc.errors(include_url=False):
        where = _where(error["loc"], tags)
        names.append(where)
        problems.append(f"{where}：{_why(error)}")
        batch = error["type"] in ("too_long", "too_short") and len(error["loc"]) <= 1
        codes.append("batch_size" if batch else _CODES.get(error["type"], "invalid_field"))
    code = min(codes, key=_ORDER.index) if codes else "invalid_field"
    unique_names = list(dict.fromkeys(names))
    message = "字段无效 — " + "；".join(dict.fromkeys(problems)) + f" (invalid: {', '.join(unique_names)})"
    return BadRequest(message, code=code)
