"""Scratch databases on a MariaDB/MySQL server, made and dropped through SQLAlchemy."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

SERVER_URL = os.environ.get("ANXIN_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/?charset=utf8mb4")


@contextmanager
def scratch_database(name: str | None = None, server_url: str = SERVER_URL, keep: bool = False) -> Iterator[str]:
    """Create database ``name`` (default: a random ``anxin_bench_…``), yield its URL, drop it unless ``keep``."""
    name = name or f"anxin_bench_{uuid.uuid4().hex[:8]}"
    server = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
            conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            with server.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        server.dispose()
