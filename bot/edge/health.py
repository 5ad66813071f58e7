"""``GET /healthz``: 200 ``{"ok": true}`` when the database answers."""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from bot.store.db import get_db

bp = Blueprint("health", __name__)
log = logging.getLogger("anxin.health")


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    try:
        ok = get_db().ping()
    except SQLAlchemyError as exc:
        log.error("health.database_down", extra={"fields": {"error": str(exc).splitlines()[0]}})
        ok = False
    return jsonify({"ok": ok, "database": "up" if ok else "down"}), (200 if ok else 503)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
