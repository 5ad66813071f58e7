"""``GET /mp/v1/openapi.json``: the OpenAPI 3 description of the mini-program API.

Entry schemas are generated from ``bot.diary.kinds`` (the table the server
validates with), so what is described is what is accepted. A test compares the
paths and methods here with the app's routes, and schemathesis checks that
responses match what is described.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify

from bot.diary.kinds import KIND_FIELDS, NOT_POSTABLE, REQUIRED, in_order
from miniprogram_api import bp

JSON = "application/json"
ERROR_STATUSES = {
    "400": "输入无效 (bad input)",
    "401": "未登录或登录已过期 (no or bad token)",
    "403": "无权操作 (not yours)",
    "404": "不存在，或不属于您 (absent)",
    "409": "冲突 (conflict)",
    "429": "过于频繁 (too many requests)",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "nullable": True}


def _errors(*statuses: str) -> dict[str, Any]:
    return {s: {"description": ERROR_STATUSES[s], "content": {JSON: {"schema": _ref("Error")}}} for s in statuses}


def _ok(status: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {status: {"description": description, "content": {JSON: {"schema": schema}}}}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {JSON: {"schema": schema}}}


DATE = {"type": "string", "format": "date"}
TIME = {"type": "string", "format": "date-time"}
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
ID_PARAM = {"name": "engagement_id", "in": "path", "required": True, "schema": ID_SCHEMA}
DAY_PARAM = {"name": "day", "in": "path", "required": True, "schema": DATE}
ENTRY_PARAM = {"name": "entry_id", "in": "path", "required": True, "schema": ID_SCHEMA}
AUTHED = [{"bearer": []}]


def entry_in_schema(kind: str) -> dict[str, Any]:
    """The JSON a phone sends for one entry of ``kind``."""
    properties: dict[str, Any] = {
        "client_id": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"\S"},
        "occurred_at": {**TIME, "description": "ISO 8601; without an offset it is read in ANXIN_TIMEZONE"},
        "kind": {"type": "string", "enum": [kind]},
        "text": {"type": "string", "maxLength": 2000},
    }
    properties.update({f.name: f.schema() for f in KIND_FIELDS[kind]})
    required = ["client_id", "occurred_at", "kind", *REQUIRED.get(kind, ())]
    if kind == "note":
        required.append("text")
        properties["text"] = {"type": "string", "minLength": 1, "maxLength": 2000, "pattern": r"\S"}
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def _entry_out() -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for kind_fields in KIND_FIELDS.values():
        for f in kind_fields:
            fields.setdefault(f.name, {})  # the same name may differ by kind (e.g. colour); any value
    return {
        "type": "object",
        "required": ["id", "client_id", "kind", "text", "occurred_at", "recorded_at", "author", "revised",
                     "backdated", "version", "flags"],
        "properties": {
            "id": {"type": "integer"},
            "client_id": _nullable({"type": "string"}),
            "kind": {"type": "string", "enum": [*KIND_FIELDS, *NOT_POSTABLE]},
            "text": {"type": "string"},
            "occurred_at": TIME,
            "recorded_at": TIME,
            "author": {"type": "string", "enum": ["me", "nurse"]},
            "revised": {"type": "boolean"},
            "backdated": {"type": "boolean", "description": "recorded more than two hours after it happened"},
            "version": {"type": "integer", "minimum": 1},
            "flags": {"type": "array", "items": _ref("Flag")},
            **fields,
        },
        "additionalProperties": True,
    }


def _summary() -> dict[str, Any]:
    ints = ["entries", "feeds", "feed_ml", "breast_min", "nappies", "wet", "dirty", "sleep_min", "flags"]
    more = {key.name: key.schema for kind in in_order() for key in kind.summary_keys}  # totals of later kinds
    return {
        "type": "object",
        "required": ["date", *ints, "sleep_hours", "temperatures_celsius", "mother_temperatures_celsius", *more],
        "properties": {
            "date": DATE,
            **{name: {"type": "integer", "minimum": 0} for name in ints},
            "sleep_hours": {"type": "number", "minimum": 0},
            "temperatures_celsius": {"type": "array", "items": {"type": "number"}},
            "mother_temperatures_celsius": {"type": "array", "items": {"type": "number"}},
            **more,
        },
    }


def build_spec() -> dict[str, Any]:
    entry_in = {"oneOf": [_ref(f"EntryIn_{kind}") for kind in KIND_FIELDS],
                "discriminator": {"propertyName": "kind",
                                  "mapping": {k: f"#/components/schemas/EntryIn_{k}" for k in KIND_FIELDS}}}
    patch_properties: dict[str, Any] = {
        "version": {"type": "integer", "minimum": 1, "description": "the version you read; a newer one is a 409"},
        "occurred_at": TIME,
        "kind": {"type": "string", "enum": list(KIND_FIELDS)},
        "text": {"type": "string", "maxLength": 2000},
    }
    schemas: dict[str, Any] = {
        "Error": {
            "type": "object", "required": ["error"],
            "properties": {"error": {"type": "object", "required": ["code", "message"],
                                     "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}},
        },
        "Flag": {
            "type": "object", "required": ["id", "rule", "severity", "reason", "raised_at"],
            "properties": {"id": {"type": "integer"}, "entry_id": _nullable({"type": "integer"}),
                           "rule": {"type": "string"}, "severity": {"type": "string", "enum": ["urgent", "watch"]},
                           "reason": {"type": "string"}, "raised_at": TIME},
        },
        "Entry": _entry_out(),
        "EntryIn": entry_in,
        "Summary": _summary(),
        "Engagement": {
            "type": "object",
            "required": ["id", "role", "family_name", "starts_on", "ends_on", "agency", "current"],
            "properties": {"id": {"type": "integer"}, "role": {"type": "string", "enum": ["nurse", "parent"]},
                           "family_name": {"type": "string"}, "baby_nickname": _nullable({"type": "string"}),
                           "starts_on": DATE, "ends_on": DATE, "nurse": _nullable({"type": "string"}),
                           "agency": {"type": "string"}, "current": {"type": "boolean"}, "bound_at": TIME},
        },
        "DayView": {
            "type": "object", "required": ["date", "entries", "summary", "rating", "flags"],
            "properties": {
                "date": DATE,
                "entries": {"type": "array", "items": _ref("Entry")},
                "summary": _ref("Summary"),
                "rating": _nullable({"type": "object", "required": ["stars"],
                                     "properties": {"stars": {"type": "integer", "minimum": 1, "maximum": 5},
                                                    "comment": _nullable({"type": "string"}), "updated_at": TIME}}),
                "flags": {"type": "array", "items": _ref("Flag")},
            },
        },
        "Profile": {
            "type": "object",
            "required": ["code", "status_light", "name", "verifications", "anxin_certified", "credit"],
            "properties": {
                "code": {"type": "string", "pattern": "^[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]$"},
                "status_light": {"type": "string", "enum": ["green", "yellow", "red"]},
                "status_text": {"type": "string"}, "name": {"type": "string"}, "gender": {"type": "string"},
                "age": {"type": "integer"}, "service_types": {"type": "array", "items": {"type": "string"}},
                "experience_years": {"type": "integer"}, "agency": {"type": "object"},
                "has_photo": {"type": "boolean"},
                "verifications": {"type": "array", "items": {
                    "type": "object", "required": ["kind", "state"],
                    "properties": {"kind": {"type": "string"}, "label": {"type": "string"},
                                   "state": {"type": "string",
                                             "enum": ["verified", "expired", "pending", "failed", "missing"]},
                                   "state_text": {"type": "string"}, "checked_on": _nullable(DATE),
                                   "expires_on": _nullable(DATE)}}},
                "anxin_certified": {"type": "boolean"},
                "rating": {"type": "object"}, "engagements_served": {"type": "integer"},
                "complaints": {"type": "object"},
                "credit": {"type": "object", "required": ["grade", "reasons"],
                           "properties": {"grade": {"type": "integer", "minimum": 1, "maximum": 5},
                                          "reasons": {"type": "array", "items": {"type": "string"}}}},
                "badge_expires_on": _nullable(DATE),
                "url": {"type": "string"}, "qr_url": {"type": "string"}, "photo_url": _nullable({"type": "string"}),
            },
        },
    }
    for kind in KIND_FIELDS:
        schemas[f"EntryIn_{kind}"] = entry_in_schema(kind)
    for kind_fields in KIND_FIELDS.values():
        for f in kind_fields:
            patch_properties.setdefault(f.name, {})
    schemas["EntryPatch"] = {"type": "object", "required": ["version"], "properties": patch_properties}

    paths: dict[str, Any] = {
        "/mp/v1/login": {"post": {
            "summary": "登录：用 wx.login 的 code 换取会话令牌", "security": [],
            "requestBody": _body({"type": "object", "required": ["code"],
                                  "properties": {"code": {"type": "string", "minLength": 1, "maxLength": 128}}}),
            "responses": {**_ok("200", {"type": "object", "required": ["token", "openid", "expires_in"],
                                        "properties": {"token": {"type": "string"}, "openid": {"type": "string"},
                                                       "expires_in": {"type": "integer"}}}, "会话令牌"),
                          **_errors("400", "401", "429"),
                          "502": {"description": "微信不可用", "content": {JSON: {"schema": _ref("Error")}}}},
        }},
        "/mp/v1/bind": {"post": {
            "summary": "用月嫂码或家属码绑定", "security": AUTHED,
            "requestBody": _body({"type": "object", "required": ["code"],
                                  "properties": {"code": {"type": "string", "maxLength": 32}}}),
            "responses": {**_ok("201", _ref("Engagement"), "已绑定"), **_errors("400", "401", "404", "409", "429")},
        }},
        "/mp/v1/engagements": {"get": {
            "summary": "我绑定的服务", "security": AUTHED,
            "responses": {**_ok("200", {"type": "object", "required": ["engagements"],
                                        "properties": {"engagements": {"type": "array", "items": _ref("Engagement")}}},
                                "服务列表"), **_errors("401", "429")},
        }},
        "/mp/v1/engagements/{engagement_id}/days/{day}": {"get": {
            "summary": "某一天的日记", "security": AUTHED, "parameters": [ID_PARAM, DAY_PARAM],
            "responses": {**_ok("200", _ref("DayView"), "这一天"), **_errors("400", "401", "404", "429")},
        }},
        "/mp/v1/engagements/{engagement_id}/entries": {"post": {
            "summary": "记录一条或一批（离线后补传；client_id 相同的不会重复记录）", "security": AUTHED,
            "parameters": [ID_PARAM],
            "requestBody": _body({"oneOf": [_ref("EntryIn"),
                                            {"type": "array", "items": _ref("EntryIn"), "minItems": 1, "maxItems": 200}]}),
            "responses": {
                **_ok("201", {"oneOf": [_ref("Entry"), {"type": "array", "items": _ref("Entry")}]}, "有新记录"),
                **_ok("200", {"oneOf": [_ref("Entry"), {"type": "array", "items": _ref("Entry")}]}, "都已记录过"),
                **_errors("400", "401", "403", "404", "409", "429"),
            },
        }},
        "/mp/v1/entries/{entry_id}": {
            "patch": {
                "summary": "修改自己的记录（保留修改历史）", "security": AUTHED, "parameters": [ENTRY_PARAM],
                "requestBody": _body(_ref("EntryPatch")),
                "responses": {**_ok("200", _ref("Entry"), "已修改"), **_errors("400", "401", "404", "409", "429")},
            },
            "delete": {
                "summary": "撤回自己的记录（保留在历史中）", "security": AUTHED,
                "parameters": [ENTRY_PARAM, {"name": "version", "in": "query", "required": False,
                                             "schema": {"type": "integer", "minimum": 1}}],
                "responses": {**_ok("200", {"type": "object", "required": ["id", "withdrawn_at", "version"],
                                            "properties": {"id": {"type": "integer"}, "withdrawn_at": TIME,
                                                           "version": {"type": "integer"}}}, "已撤回"),
                              **_errors("400", "401", "404", "409", "429")},
            },
        },
        "/mp/v1/engagements/{engagement_id}/days/{day}/rating": {"put": {
            "summary": "家人为这一天评分（再评一次即替换）", "security": AUTHED, "parameters": [ID_PARAM, DAY_PARAM],
            "requestBody": _body({"type": "object", "required": ["stars"],
                                  "properties": {"stars": {"type": "integer", "minimum": 1, "maximum": 5},
                                                 "comment": {"type": "string", "maxLength": 200}}}),
            "responses": {
                **_ok("201", _ref("Rating"), "已评分"), **_ok("200", _ref("Rating"), "已替换之前的评分"),
                **_errors("400", "401", "403", "404", "429"),
            },
        }},
        "/mp/v1/engagements/{engagement_id}/summary": {"get": {
            "summary": "每天的统计，用于图表", "security": AUTHED,
            "parameters": [ID_PARAM, {"name": "from", "in": "query", "required": False, "schema": DATE},
                           {"name": "to", "in": "query", "required": False, "schema": DATE}],
            "responses": {**_ok("200", {"type": "object", "required": ["from", "to", "days"],
                                        "properties": {"from": DATE, "to": DATE,
                                                       "days": {"type": "array", "items": _ref("Summary")}}}, "统计"),
                          **_errors("400", "401", "404", "429")},
        }},
        "/mp/v1/engagements/{engagement_id}/export.pdf": {"get": {
            "summary": "整个月子期的日记（PDF 纪念册）", "security": AUTHED, "parameters": [ID_PARAM],
            "responses": {"200": {"description": "PDF", "content": {"application/pdf": {
                "schema": {"type": "string", "format": "binary"}}}}, **_errors("401", "404", "429")},
        }},
        "/mp/v1/badges/{code}": {"get": {
            "summary": "工牌核验：服务员的公开资料", "security": AUTHED,
            "parameters": [{"name": "code", "in": "path", "required": True,
                            "schema": {"type": "string", "minLength": 1, "maxLength": 40}}],
            "responses": {**_ok("200", _ref("Profile"), "核验结果"), **_errors("400", "401", "403", "404", "429")},
        }},
        "/mp/v1/openapi.json": {"get": {
            "summary": "本说明", "security": [],
            "responses": {"200": {"description": "OpenAPI 3", "content": {JSON: {"schema": {"type": "object"}}}}},
        }},
    }
    schemas["Rating"] = {
        "type": "object", "required": ["date", "stars", "replaced"],
        "properties": {"date": DATE, "stars": {"type": "integer", "minimum": 1, "maximum": 5},
                       "comment": _nullable({"type": "string"}), "replaced": {"type": "boolean"}, "updated_at": TIME},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "安心 Anxin mini-program API", "version": "1.0.0",
                 "description": "月子日记与工牌核验。除 login 与本说明外，所有请求带 Authorization: Bearer TOKEN。"
                                "错误统一为 {\"error\": {\"code\", \"message\"}}。"},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


SPEC = build_spec()


@bp.get("/openapi.json")
def openapi_json():  # type: ignore[no-untyped-def]
    """The OpenAPI 3 description of /mp/v1 (no token needed)."""
    return jsonify(SPEC)
