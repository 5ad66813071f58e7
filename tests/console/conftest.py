"""The console's tests: an agency and its signed-in administrator."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.console import Console, signed_in_admin
from tests.support.factories import make_agency


@pytest.fixture
def agency(session) -> tuple[int, str]:
    row, key = make_agency(session, "宁波甬城家政")
    return row.id, key


@pytest.fixture
def admin(app: Flask, client: FlaskClient, agency: tuple[int, str]) -> Console:
    return signed_in_admin(app, client, agency[0])
