"""Fixtures: a real database (SQLite and MariaDB), the app, and a loopback WeChat API fake.

Every test that touches the database runs once per backend: ``[sqlite]`` and
``[mysql]`` (``tests/support/backends.py``: where they come from, ``ANXIN_TEST_*``).
Helpers the tests import live in ``tests/support/``; this file holds fixtures only.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.store import background
from bot.store.db import make_engine
from bot.store.migrate import upgrade
from tests.fakes.asr_api import AsrApiFake
from tests.fakes.sms_api import SMS_SETTINGS, SmsApiFake, registered
from tests.fakes.wechat_api import WeChatApiFake
from tests.support.apps import Apps
from tests.support.backends import BACKENDS, SETTINGS, clear, new_database_url
from tests.support.browser import launch
from tests.support.chat import MOM, NURSE, Chat, Family, bound_family, yesterday_at
from tests.support.console import Console, signed_in_admin
from tests.support.factories import make_agency
from tests.support.serving import serving

# The full check's tests (`make check`): benchmarks and whole deployments, minutes each. `make test` leaves them out.
SLOW_FOLDERS = ("bench", "deploy")
# `make test` sets it: the fast loop leaves out the MariaDB half of the tests marked ``mariadb_in_check``.
FAST_LOOP = os.environ.get("ANXIN_TEST_FAST_LOOP") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(root) and item.path.relative_to(root).parts[0] in SLOW_FOLDERS:
            item.add_marker(pytest.mark.slow)
    if FAST_LOOP:
        left_out = [item for item in items if item.get_closest_marker("mariadb_in_check") and _backend(item) == "mysql"]
        if left_out:
            config.hook.pytest_deselected(items=left_out)
            items[:] = [item for item in items if item not in left_out]


def _backend(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("database_url") if callspec is not None else None


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of one backend, migrated to the current schema once per test session."""
    url, drop = new_database_url(request.param, tmp_path_factory)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    drop()  # type: ignore[operator]


@pytest.fixture(scope="session")
def wechat_fake() -> Iterator[WeChatApiFake]:
    fake = WeChatApiFake().start()
    fake.register_app(SETTINGS["ANXIN_WECHAT_APPID"], SETTINGS["ANXIN_WECHAT_SECRET"])
    fake.register_app(SETTINGS["ANXIN_MP_APPID"], SETTINGS["ANXIN_MP_SECRET"])
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def asr_fake(wechat_fake: WeChatApiFake) -> Iterator[AsrApiFake]:
    """Tencent Cloud's speech recognition on loopback: it hears what the WeChat fake's voice uploads say."""
    fake = AsrApiFake(wechat_fake.transcript_of).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def sms_fake() -> Iterator[SmsApiFake]:
    fake = registered(SmsApiFake(), str(SETTINGS["ANXIN_PUBLIC_URL"])).start()
    yield fake
    fake.stop()


@pytest.fixture
def app_settings(database_url: str, wechat_fake: WeChatApiFake, sms_fake: SmsApiFake) -> dict[str, object]:
    return {**SETTINGS, **SMS_SETTINGS, "ANXIN_DATABASE_URL": database_url, "ANXIN_WECHAT_API_BASE": wechat_fake.url,
            "ANXIN_SMS_API_BASE": sms_fake.url}


@pytest.fixture(scope="session")
def apps() -> Iterator[Apps]:
    """The worker's apps, one per settings, each handed to test after test as new (``tests.support.apps``)."""
    kept = Apps()
    yield kept
    kept.close()


@pytest.fixture
def app(app_settings: dict[str, object], wechat_fake: WeChatApiFake, sms_fake: SmsApiFake, apps: Apps) -> Iterator[Flask]:
    """The app of ``app_settings`` on an empty database, as new: made once per worker and settings, its settings,
    extensions and stand-ins put back before each test (docs/decisions/0022-one-app-per-test-worker.md)."""
    wechat_fake.reset()
    sms_fake.reset()
    app = apps.take(app_settings)
    engine = app.extensions["anxin_db"].engine
    clear(engine)
    yield app
    # A delivery the test's last request started must not outlive its data (nor log into the next test).
    background.join_all()
    clear(engine)
    if not apps.give_back(app):
        engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def session(app: Flask):
    """A session of the app's database, for arranging data and checking what was written."""
    with app.extensions["anxin_db"].reader_session() as s:
        yield s


@pytest.fixture
def agency(session) -> tuple[int, str]:
    """An agency (id, API key) whose back office the console tests drive."""
    row, key = make_agency(session, "宁波甬城家政")
    return row.id, key


@pytest.fixture
def admin(app: Flask, client: FlaskClient, agency: tuple[int, str]) -> Console:
    """That agency's administrator, signed in to the console."""
    return signed_in_admin(app, client, agency[0])


@pytest.fixture
def chat(client: FlaskClient) -> Chat:
    """WeChat's side of the conversation: signed pushes to /wechat, and the replies as the user reads them."""
    return Chat(client)


@pytest.fixture
def family(app: Flask, client: FlaskClient, chat: Chat) -> Family:
    """An engagement opened through the agency API, its nurse (``NURSE``) and mother (``MOM``) bound in chat.

    A folder or module that needs more (the father, a supervisor, a day written) extends it by requesting it:
    ``def family(family: Family, ...) -> Family``.
    """
    return bound_family(app, client, chat, NURSE, MOM)


@pytest.fixture
def morning(chat: Chat) -> dt.datetime:
    """The conversation happens at 11:00 yesterday (local time): a morning behind it and the evening ahead,
    whatever the hour the tests run. Times in the test are relative to the datetime it yields."""
    return chat.at(yesterday_at(11))


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Chromium through Playwright (``tests.support.browser``); skipped, or failed under
    ``ANXIN_TEST_REQUIRE_BROWSER=1``, where it is not installed."""
    yield from launch()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served over real HTTP on loopback; yields its origin."""
    with serving(app) as origin:
        yield origin
