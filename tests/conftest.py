"""Fixtures: a real database (SQLite and MariaDB), the app, and a loopback WeChat API fake.

Every test that touches the database runs once per backend: ``[sqlite]`` and
``[mysql]``. MariaDB comes from ``ANXIN_TEST_MYSQL_URL`` (default: root on
127.0.0.1:3306 through PyMySQL; ``mysql+mysqldb://…`` runs it on mysqlclient);
when it cannot be reached the MySQL half is skipped with the reason, unless
``ANXIN_TEST_REQUIRE_MYSQL=1`` (CI), which makes that a failure.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool
from werkzeug.serving import make_server

from bot import create_app
from bot.models.base import Base
from bot.store import background
from bot.store.db import make_engine
from bot.store.migrate import upgrade
from config import settings_for_tests
from tests.fakes.wechat_api import WeChatApiFake

MYSQL_SERVER_URL = os.environ.get("ANXIN_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/?charset=utf8mb4")
REQUIRE_MYSQL = os.environ.get("ANXIN_TEST_REQUIRE_MYSQL") == "1"
# CI requires Redis as it requires MariaDB: the shared-cache tests fail rather than skip without it.
REQUIRE_REDIS = os.environ.get("ANXIN_TEST_REQUIRE_REDIS") == "1"
TEST_REDIS_URL = "redis://127.0.0.1:6379/15"  # database 15 is the tests' own
BACKENDS = [b for b in os.environ.get("ANXIN_TEST_BACKENDS", "sqlite,mysql").split(",") if b]

SETTINGS = settings_for_tests()


def mysql_server_connection() -> Connection:
    """An AUTOCOMMIT connection to the server (no database), through the URL's own driver."""
    server = create_engine(MYSQL_SERVER_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool,
                           connect_args={"connect_timeout": 3})
    return server.connect()


def _mysql_or_skip() -> Connection:
    try:
        return mysql_server_connection()
    except OperationalError as exc:
        reason = f"MySQL/MariaDB not reachable at {make_url(MYSQL_SERVER_URL).render_as_string()}: {exc.orig}"
        if REQUIRE_MYSQL:
            pytest.fail(reason + " (ANXIN_TEST_REQUIRE_MYSQL=1)")
        pytest.skip("MySQL skipped — " + reason)


def redis_or_skip(url: str = TEST_REDIS_URL) -> str:
    """``url`` when Redis answers there; otherwise skip the test, or fail it under ANXIN_TEST_REQUIRE_REDIS=1."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        reason = f"Redis not reachable at {url}: {exc}"
        if REQUIRE_REDIS:
            pytest.fail(reason + " (ANXIN_TEST_REQUIRE_REDIS=1)")
        pytest.skip(reason)
    return url


# The full check's tests (`make check`): benchmarks and whole deployments, minutes each. `make test` leaves them out.
SLOW_FOLDERS = ("bench", "deploy")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(root) and item.path.relative_to(root).parts[0] in SLOW_FOLDERS:
            item.add_marker(pytest.mark.slow)


def new_database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, object]:
    """Create an empty database; return its URL and a callable that drops it."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("db") / "anxin.db"
        return f"sqlite:///{path}", lambda: None
    conn = _mysql_or_skip()
    name = f"anxin_test_{uuid.uuid4().hex[:12]}"
    # latin1 on purpose: the migrations must make the schema utf8mb4 themselves.
    conn.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET latin1")
    url = make_url(MYSQL_SERVER_URL).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()

    return url, drop


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


def _clear(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def app_settings(database_url: str, wechat_fake: WeChatApiFake) -> dict[str, object]:
    return {**SETTINGS, "ANXIN_DATABASE_URL": database_url, "ANXIN_WECHAT_API_BASE": wechat_fake.url}


@pytest.fixture
def app(app_settings: dict[str, object], wechat_fake: WeChatApiFake) -> Iterator[Flask]:
    wechat_fake.reset()
    app = create_app(app_settings)
    engine = app.extensions["anxin_db"].engine
    _clear(engine)
    yield app
    # A delivery the test's last request started must not outlive its data (nor log into the next test).
    background.join_all()
    _clear(engine)
    engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


@pytest.fixture
def session(app: Flask):  # type: ignore[no-untyped-def]
    """A session of the app's database, for arranging data and checking what was written."""
    with app.extensions["anxin_db"].reader_session() as s:
        yield s


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served over real HTTP on loopback; yields its origin."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def count_rows(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
