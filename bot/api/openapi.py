"""OpenAPI 3.1 descriptions generated from the routes and their pydantic models (apispec assembles them).

Every route of a blueprint is described from what ``@operation`` declared: its query and body models,
its responses, its errors, whether it needs a token. The JSON Schemas are pydantic's own, so a limit
written once in a model is the limit described and the limit enforced. Path parameters come from the
URL rules (``<id:...>`` is a database id 1 to 2**31-1).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from apispec import APISpec
from flask import Flask
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import JsonSchemaMode

from bot.api.schema import Operation, Schema, operation_of
from bot.edge.routing import MAX_ID

REF = "#/components/schemas/{model}"
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {"error": {
        "type": "object", "required": ["code", "message"], "additionalProperties": False,
        "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
    }},
}
ERROR_TEXT = {
    400: "输入无效 (bad input)", 401: "未登录或凭证无效 (no or bad token)", 403: "无权操作 (not yours)",
    404: "不存在，或不属于您 (absent)", 409: "冲突 (conflict)", 413: "内容过大 (too large)",
    429: "过于频繁 (too many requests)", 502: "微信不可用 (WeChat unavailable)",
}
# A badge code: 11 Crockford base32 symbols, the last a Luhn mod 32 check over the first ten (format "badge-code").
BADGE_CODE = {"type": "string", "format": "badge-code",
              "pattern": r"^[0-9A-HJKMNP-TV-Z]{5}-?[0-9A-HJKMNP-TV-Z]{5}-?[0-9A-HJKMNP-TV-Z]$"}
# Path parameters that are not plain strings, by name.
PATH_SCHEMAS: dict[str, dict[str, Any]] = {
    # A local calendar day, or the words for the two a family asks for most (the mini-program: /days/today).
    "day": {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "enum": ["today", "yesterday"]}],
            "description": "YYYY-MM-DD，或 today / yesterday（按服务所在时区）", "examples": ["today", "2026-11-20"]},
    "code": BADGE_CODE,
}
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


class Described:
    """Collects the component schemas of one description."""

    def __init__(self, spec: APISpec) -> None:
        self.spec = spec
        self.names: set[str] = set()

    def schema(self, schema: Schema, mode: JsonSchemaMode) -> dict[str, Any]:
        if isinstance(schema, TypeAdapter):
            found = schema.json_schema(ref_template=REF, mode=mode)
        else:
            found = schema.model_json_schema(ref_template=REF, mode=mode)
        for name, definition in found.pop("$defs", {}).items():
            self._component(name, definition)
        if isinstance(schema, type) and issubclass(schema, BaseModel):
            name = schema.__name__
            self._component(name, found)
            return {"$ref": REF.format(model=name)}
        return found

    def _component(self, name: str, definition: dict[str, Any]) -> None:
        if name not in self.names:
            self.names.add(name)
            self.spec.components.schema(name, definition)


def _path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params = []
    for converter, name in _PARAM.findall(rule):
        if converter == "id":
            schema: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        else:
            schema = PATH_SCHEMAS.get(name, {"type": "string", "minLength": 1, "maxLength": 64})
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return _PARAM.sub(r"{\2}", rule), params


def _query(described: Described, model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF, by_alias=True)
    required = set(schema.get("required", []))
    out = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        prop.pop("title", None)
        if "anyOf" in prop:  # "X or null": a query parameter that is left out is the null
            kinds = [p for p in prop.pop("anyOf") if p.get("type") != "null"]
            prop.update(kinds[0] if len(kinds) == 1 else {"anyOf": kinds})
            prop.pop("default", None)
        out.append({"name": name, "in": "query", "required": name in required, "schema": prop})
    return out


def _responses(described: Described, op: Operation) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for status, schema in op.responses.items():
        if schema is None:
            out[str(status)] = {"description": "OK"}
        elif isinstance(schema, str):
            out[str(status)] = {"description": schema, "content": {schema: {"schema": {"type": "string",
                                                                                     "format": "binary"}}}}
        else:
            out[str(status)] = {"description": "OK",
                                "content": {"application/json": {"schema": described.schema(schema, "serialization")}}}
    errors = set(op.errors) | {400}
    if not op.public:
        errors |= {401}
    for status in sorted(errors):
        out[str(status)] = {"description": ERROR_TEXT.get(status, str(status)),
                            "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}}}
    return out


def describe(app: Flask, blueprint: str, title: str, description: str, security: Mapping[str, Any]) -> dict[str, Any]:
    """The OpenAPI 3.1 description of every route of ``blueprint``."""
    spec = APISpec(title=title, version="1.0.0", openapi_version="3.1.0", info={"description": description})
    spec.components.security_scheme("bearer", dict(security))
    described = Described(spec)
    described._component("Error", ERROR_SCHEMA)
    paths: dict[str, dict[str, Any]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(blueprint + "."):
            continue
        op = operation_of(app.view_functions[rule.endpoint])
        if op is None:
            raise RuntimeError(f"{rule.rule} has no @operation: every API route must be described")
        path, params = _path(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operation: dict[str, Any] = {
                "summary": op.summary,
                "operationId": f"{method.lower()}_{rule.endpoint.split('.', 1)[1]}",
                "responses": _responses(described, op),
                "security": [] if op.public else [{"bearer": []}],
            }
            parameters = params + (_query(described, op.query) if op.query is not None else [])
            if parameters:
                operation["parameters"] = parameters
            if op.body is not None:
                operation["requestBody"] = {"required": not op.body_optional, "content": {
                    "application/json": {"schema": described.schema(op.body, "validation")}}}
            elif op.raw_body:
                operation["requestBody"] = {"required": True, "content": {
                    media: {"schema": {"type": "string", "format": "binary"}} for media in op.raw_body}}
            paths.setdefault(path, {})[method.lower()] = operation
    for path in sorted(paths):
        spec.path(path=path, operations=paths[path])
    return spec.to_dict()
