"""The agency API, ``/admin/v1``: ``Authorization: Bearer AGENCY_KEY``.

Each module of this package adds its routes to ``bp``; ``init_app`` imports them
all. An agency sees only its own workers and engagements: routes look records up
through ``current_agency()`` and answer 404 for anyone else's.
"""

from __future__ import annotations

import importlib
import pkgutil

from flask import Blueprint, Flask, g, request

from bot.agency.agencies import agency_for_key
from bot.core.errors import Unauthorized
from bot.models import Agency
from bot.store.db import get_session

bp = Blueprint("admin", __name__, url_prefix="/admin/v1")


@bp.before_request
def _authenticate() -> None:
    if request.endpoint == "admin.openapi":
        return  # the description is public
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("需要机构 API 密钥 (Authorization: Bearer AGENCY_KEY)", code="no_token")
    agency = agency_for_key(get_session(), key.strip())
    if agency is None:
        raise Unauthorized("机构 API 密钥无效 (invalid agency key)", code="bad_token")
    g.agency = agency


def current_agency() -> Agency:
    """The agency that made this request."""
    agency: Agency = g.agency
    return agency


def init_app(app: Flask) -> None:
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    app.register_blueprint(bp)
