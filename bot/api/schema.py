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

from bot.core.errors import BadRequest, PayloadTooLarge
from bot.core.validation import invalid
from bot.diary.schemas import ENTRY_TAGS

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
    context: Callable[[], Mapping[str, Any]] | None = None  # what the body's rules need (e.g. today)


def operation(
    *,
    body: Schema | None = None,
    query: type[BaseModel] | None = None,
    responses: Mapping[int, Schema | str | None],
    errors: Sequence[int] = (),
    raw_body: tuple[str, ...] = (),
    public: bool = False,
    body_optional: bool = False,
    context: Callable[[], Mapping[str, Any]] | None = None,
) -> Callable[[View], Handler]:
    """Validate the request with ``body`` / ``query`` and render what the view returns."""

    def decorate(view: View) -> Handler:
        summary = (view.__doc__ or view.__name__).strip().splitlines()[0]
        op = Operation(summary, body, query, responses, tuple(errors), raw_body, public, body_optional, context)

        @wraps(view)
        def run(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            if body is not None:
                raw = request.get_data(cache=True)
                data = {} if body_optional and not raw.strip() else read_json(raw)
                kwargs["body"] = validate(body, data, context() if context is not None else None)
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


def validate(schema: Schema, data: Any, context: Mapping[str, Any] | None = None) -> Any:
    """``data`` checked against ``schema``; every problem is listed in one 400."""
    try:
        if isinstance(schema, TypeAdapter):
            return schema.validate_python(data, context=context)
        return schema.model_validate(data, context=context)
    except ValidationError as exc:
        raise invalid(exc, ENTRY_TAGS) from None


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
