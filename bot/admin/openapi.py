"""``GET /admin/v1/openapi.json``: the OpenAPI 3.1 description of the agency API, generated from its models."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify
from pydantic import TypeAdapter

from bot.admin import bp
from bot.api.openapi import describe
from bot.api.schema import ApiResult, operation

OPENAPI_DOCUMENT = TypeAdapter(dict[str, Any])
DESCRIPTION = ("家政机构的接口：服务员、核验、工牌、上户、投诉、日记提醒、主管。所有请求带 Authorization: Bearer "
               "机构密钥（create-agency 打印）；一家机构只能看到自己的记录，别家的记录一律 404。"
               "错误统一为 {\"error\": {\"code\", \"message\"}}；400 的 message 列出每个无效字段。")


def spec() -> dict[str, Any]:
    """The description of this app's ``/admin/v1`` (built once per app)."""
    cached: dict[str, Any] | None = current_app.extensions.get("anxin_admin_openapi")
    if cached is None:
        cached = describe(current_app, bp.name, "安心 Anxin agency API", DESCRIPTION,
                          {"type": "http", "scheme": "bearer", "description": "机构 API 密钥"})
        current_app.extensions["anxin_admin_openapi"] = cached
    return cached


@bp.get("/openapi.json")
@operation(responses={200: OPENAPI_DOCUMENT}, public=True)
def openapi() -> ApiResult:
    """本说明（OpenAPI 3.1）"""
    return jsonify(spec())
