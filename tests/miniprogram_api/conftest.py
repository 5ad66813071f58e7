from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.store import background
from tests.fakes.wechat_api import WeChatApiFake
from tests.support.chat import Family, open_family
from tests.support.miniprogram import MpUser, logins


@pytest.fixture(autouse=True)
def _background_work_finishes(app: Flask) -> Iterator[None]:
    yield
    background.join_all()


@pytest.fixture
def login(client: FlaskClient, wechat_fake: WeChatApiFake):
    return logins(client, wechat_fake)


@pytest.fixture
def family(app: Flask, client: FlaskClient) -> Family:
    """An engagement opened through the agency API, nobody bound yet: the mini-program's users bind here."""
    return open_family(app, client)


@pytest.fixture
def nurse(login: Callable[[str], MpUser], family: Family) -> MpUser:
    user = login("o-mp-nurse")
    assert user.post("/bind", {"code": family.nurse_code}).status_code == 201
    return user


@pytest.fixture
def parent(login: Callable[[str], MpUser], family: Family) -> MpUser:
    user = login("o-mp-mom")
    assert user.post("/bind", {"code": family.family_code}).status_code == 201
    return user
