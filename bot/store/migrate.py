"""Schema migrations (Alembic) and the ``flask --app bot db`` commands.

An upgrade or downgrade on MySQL/MariaDB runs under a lock that holds across the nodes of a Galera cluster: the
creation of the table ``anxin_migration_lock``. DDL runs cluster-wide in total order (TOI), so exactly one of
two processes that create it at once succeeds, wherever they are; the other waits until the table is dropped,
then finds the schema current. ``GET_LOCK`` would hold on one node only. A lock left by a process that died is
taken over after ``STALE_LOCK``. SQLite needs none: a migration holds its write lock (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

db_cli = AppGroup("db", help="Database schema: upgrade, downgrade, current, revision.")


def alembic_config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


LOCK_TABLE = "anxin_migration_lock"
STALE_LOCK = 1800  # seconds: no migration of ours takes half an hour
LOCK_WAIT = 900.0
_TABLE_EXISTS = 1050


@contextmanager
def schema_lock(engine: Engine, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Hold the one migration lock of the database (of every node of a Galera cluster) for the block."""
    if engine.dialect.name == "sqlite":
        yield
        return
    deadline = time.monotonic() + wait
    while True:
        try:
            with engine.connect() as conn:
                conn.execute(text(f"CREATE TABLE {LOCK_TABLE} (taken_at DATETIME)"))
            break
        except DBAPIError as exc:
            if exc.orig is None or not exc.orig.args or exc.orig.args[0] != _TABLE_EXISTS:
                raise
        with engine.connect() as conn:
            age = conn.execute(text(
                "SELECT TIMESTAMPDIFF(SECOND, CREATE_TIME, NOW()) FROM information_schema.TABLES "
                "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = :t"), {"t": LOCK_TABLE}).scalar()
            if age is not None and age > STALE_LOCK:
                conn.execute(text(f"DROP TABLE IF EXISTS {LOCK_TABLE}"))  # its holder died: take it over
                continue
        if time.monotonic() > deadline:
            raise RuntimeError(f"another process has been migrating the database for over {wait:.0f} s "
                               f"({LOCK_TABLE} exists; drop it if no migration is running)")
        time.sleep(0.5)
    try:
        yield
    finally:
        with engine.connect() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {LOCK_TABLE}"))


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (default: the current schema), under the migration lock."""
    cfg = alembic_config()
    with schema_lock(engine), engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    cfg = alembic_config()
    with schema_lock(engine), engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    # A read: on SQLite it must not wait for (or take) the write lock.
    with engine.execution_options(sqlite_begin="DEFERRED").connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _engine() -> Engine:
    from bot.store.db import get_db

    engine = get_db().engine
    assert engine is not None
    return engine


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Bring the database, empty or older, to the current schema."""
    engine = _engine()
    before = current_revision(engine)
    upgrade(engine, revision)
    after = current_revision(engine)
    click.echo(f"数据库已升级 database at {after} (was {before or 'empty'})")


@db_cli.command("downgrade")
@click.argument("revision")
def downgrade_command(revision: str) -> None:
    """Take the database back to an older revision."""
    downgrade(_engine(), revision)
    click.echo(f"database at {current_revision(_engine()) or 'empty'}")


@db_cli.command("current")
def current_command() -> None:
    """Print the database's revision and the code's."""
    click.echo(f"database: {current_revision(_engine()) or 'empty'}; code: {head_revision()}")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def revision_command(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    cfg = alembic_config()
    with _engine().begin() as connection:
        cfg.attributes["connection"] = connection
        command.revision(cfg, message=message, autogenerate=True)


def init_app(app: Flask) -> None:
    app.cli.add_command(db_cli)
