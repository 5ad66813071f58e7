"""The databases and the Redis the tests run on: one URL per backend, made empty, cleared, counted.

MariaDB comes from ``ANXIN_TEST_MYSQL_URL`` (default: root on 127.0.0.1:3306 through PyMySQL, without
TLS; ``mysql+mysqldb://…`` runs it on mysqlclient); when it cannot be reached the MySQL half is skipped
with the reason, unless ``ANXIN_TEST_REQUIRE_MYSQL=1`` (CI), which makes that a failure.

``ssl_disabled=true``: unless told, PyMySQL offers TLS on every connection it opens and builds a fresh TLS
context for it (the system's CA bundle read again, about 80 ms of CPU), whether or not the server speaks TLS;
every test's app opens its own connections, so the loopback server the tests use is asked for none.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from bot.models.base import Base
from config import settings_for_tests

MYSQL_SERVER_URL = os.environ.get("ANXIN_TEST_MYSQL_URL",
                                  "mysql+pymysql://root@127.0.0.1:3306/?charset=utf8mb4&ssl_disabled=true")
REQUIRE_MYSQL = os.environ.get("ANXIN_TEST_REQUIRE_MYSQL") == "1"
# CI requires Redis as it requires MariaDB: the shared-cache tests fail rather than skip without it.
REQUIRE_REDIS = os.environ.get("ANXIN_TEST_REQUIRE_REDIS") == "1"
# Database 15 is the tests' own; ANXIN_TEST_REDIS_URL moves it (two checkouts testing at once on one machine).
TEST_REDIS_URL = os.environ.get("ANXIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
BACKENDS = [b for b in os.environ.get("ANXIN_TEST_BACKENDS", "sqlite,mysql").split(",") if b]

SETTINGS = settings_for_tests()


def mysql_server_connection() -> Connection:
    """An AUTOCOMMIT connection to the server (no database), through the URL's own driver."""
    server = create_engine(MYSQL_SERVER_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool,
                           connect_args={"connect_timeout": 3})
    return server.connect()


def mysql_or_skip() -> Connection:
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


def new_database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, object]:
    """Create an empty database; return its URL and a callable that drops it."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("db") / "anxin.db"
        return f"sqlite:///{path}", lambda: None
    conn = mysql_or_skip()
    name = f"anxin_test_{uuid.uuid4().hex[:12]}"
    # latin1 on purpose: the migrations must make the schema utf8mb4 themselves.
    conn.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET latin1")
    url = make_url(MYSQL_SERVER_URL).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()

    return url, drop


def clear(engine: Engine) -> None:
    """Delete every row of every table (children first)."""
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


def count_rows(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())
