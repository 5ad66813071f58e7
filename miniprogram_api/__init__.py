"""The mini-program API, ``/mp/v1``: thin adapters over the same domain functions the chat uses.

Every call but ``login`` and ``openapi.json`` sends ``Authorization: Bearer TOKEN``;
each module of this package adds its routes to ``bp`` and ``init_app`` imports them.
"""

from __future__ import annotations

import importlib
import pkgutil

from flask import Blueprint, Flask

bp = Blueprint("mp", __name__, url_prefix="/mp/v1")


def init_app(app: Flask) -> None:
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    app.register_blueprint(bp)
