"""URL converters: ``<id:name>`` is a database id, 1 to 2**31-1; anything else is a 404, never a crash."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


def init_app(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
