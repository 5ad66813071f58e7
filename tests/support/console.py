"""Signing in to the console as a person would: the login form, its CSRF token, the session cookie."""

from __future__ import annotations

import functools
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from bot.agency.staff import hash_password
from bot.models import Staff

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct-horse-battery"


@functools.cache
def password_hash(password: str) -> str:
    """The stored hash of ``password``, made once per test process: scrypt costs ~50 ms by design (OWASP's
    minimum, ``bot.agency.staff``), and any salt serves the accounts of tests that never meet."""
    return hash_password(password)


def make_staff(app: Flask, agency_id: int, username: str, role: str = "admin", password: str = PASSWORD) -> str:
    """A staff account (committed), inserted as ``make_worker`` inserts a worker; signing in checks its password
    for real. Accounts made through the product (``create_staff``): the console's staff form and the CLI's tests."""
    with app.extensions["anxin_db"].new_session() as session, session.begin():
        session.add(Staff(agency_id=agency_id, username=username, display_name=username, role=role,
                          password_hash=password_hash(password)))
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
