"""``GET /admin/v1/agency``: which agency this key belongs to (a first call to try a key)."""

from __future__ import annotations

from flask import jsonify

from bot.admin import bp, current_agency


@bp.get("/agency")
def who_am_i():  # type: ignore[no-untyped-def]
    agency = current_agency()
    return jsonify({"id": agency.id, "name": agency.name})
