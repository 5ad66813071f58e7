"""Signing in to the console as a person would: the login form, its CSRF token, the session cookie."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from bot.agency.staff import create_staff

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct-horse-battery"


def make_staff(app: Flask, agency_id: int, username: str, role: str = "admin", password: str = PASSWORD) -> str:
    with app.extensions["anxin_db"].new_session() as session, session.begin():
        create_staff(session, agency_id, username, role, password=password, display_name=username,
                     cipher=app.extensions["anxin_cipher"])
    return password


class Console:
    """A browser's view of the console over Flask's test client."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token = ""

    def get(self, path: str, **kw: Any) -> TestResponse:
        res = self.client.get(path, **kw)
        found = _CSRF.search(res.get_data(as_text=True)) if res.mimetype == "text/html" else None
        if found:
            self.token = found.group(1)
        return res

    def post(self, path: str, data: dict[str, Any] | None = None, **kw: Any) -> TestResponse:
        body = {"csrf_token": self.token, **(data or {})}
        res = self.client.post(path, data=body, **kw)
        found = _CSRF.search(res.get_data(as_text=True)) if res.mimetype == "text/html" else None
        if found:
            self.token = found.group(1)
        return res

    def login(self, username: str, password: str = PASSWORD) -> TestResponse:
        self.get("/console/login")
        res = self.post("/console/login", {"login": username, "password": password})
        if res.status_code == 302:
            self.get("/console/")
        return res


def signed_in_admin(app: Flask, client: FlaskClient, agency_id: int) -> Console:
    """The agency's admin ("boss"), made and signed in."""
    make_staff(app, agency_id, "boss", "admin")
    console = Console(client)
    assert console.login("boss").status_code == 302
    return console


def text(res: TestResponse) -> str:
    return res.get_data(as_text=True)
