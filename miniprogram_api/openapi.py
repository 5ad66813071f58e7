"""``GET /mp/v1/openapi.json``: the OpenAPI 3.1 description of the mini-program API, generated.

Every route's models (``miniprogram_api.models``, the entry models of ``bot.diary.schemas``)
are what the server validates with, so what is described is what is accepted. Schemathesis
runs over it in the test command.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify
from pydantic import TypeAdapter

from bot.api.openapi import describe
from bot.api.schema import ApiResult, operation
from miniprogram_api import bp

OPENAPI_DOCUMENT = TypeAdapter(dict[str, Any])
DESCRIPTION = ("月子日记与工牌核验。除 login 与本说明外，所有请求带 Authorization: Bearer TOKEN（login 返回）。"
               "错误统一为 {\"error\": {\"code\", \"message\"}}；400 的 message 列出每个无效字段。")


def spec() -> dict[str, Any]:
    """The description of this app's ``/mp/v1`` (built once per app)."""
    cached: dict[str, Any] | None = current_app.extensions.get("anxin_mp_openapi")
    if cached is None:
        cached = describe(current_app, bp.name, "安心 Anxin mini-program API", DESCRIPTION,
                          {"type": "http", "scheme": "bearer"})
        current_app.extensions["anxin_mp_openapi"] = cached
    return cached


@bp.get("/openapi.json")
@operation(responses={200: OPENAPI_DOCUMENT}, public=True)
def openapi() -> ApiResult:
    """本说明（OpenAPI 3.1）"""
    return jsonify(spec())
