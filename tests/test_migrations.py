"""``flask --app bot db upgrade`` takes an empty or older database to the models' schema."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from bot import create_app
from bot.models.base import Base
from bot.store.db import make_engine
from bot.store.migrate import alembic_config, current_revision, downgrade, head_revision, upgrade
from tests.support.backends import SETTINGS, new_database_url


@pytest.fixture(params=["sqlite", "mysql"])
def empty_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    url, drop = new_database_url(request.param, tmp_path_factory)
    yield url
    drop()  # type: ignore[operator]


def test_upgrade_from_empty_matches_the_models(empty_url: str) -> None:
    engine = make_engine(empty_url)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"
    engine.dispose()


def test_every_revision_upgrades_and_downgrades(empty_url: str) -> None:
    """Walk the chain: each older schema upgrades to the next, and back."""
    engine = make_engine(empty_url)
    revisions = [r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()][::-1]
    for revision in revisions:
        upgrade(engine, revision)
        assert current_revision(engine) == revision
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_the_cli_upgrades_an_empty_database(empty_url: str) -> None:
    app = create_app({**SETTINGS, "ANXIN_DATABASE_URL": empty_url})
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"database at {head_revision()} (was empty)" in result.output
    again = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert f"(was {head_revision()})" in again.output
    current = app.test_cli_runner().invoke(args=["db", "current"])
    assert f"database: {head_revision()}; code: {head_revision()}" in current.output
    app.extensions["anxin_db"].engine.dispose()


@pytest.mark.parametrize("empty_url", ["mysql"], indirect=True)
def test_mysql_tables_are_utf8mb4_on_a_latin1_server_default(empty_url: str) -> None:
    engine = make_engine(empty_url)
    upgrade(engine)
    with engine.connect() as conn:
        charsets = conn.execute(text(
            "SELECT DISTINCT CCSA.character_set_name FROM information_schema.TABLES T "
            "JOIN information_schema.COLLATION_CHARACTER_SET_APPLICABILITY CCSA "
            "ON CCSA.collation_name = T.table_collation WHERE T.table_schema = DATABASE()"
        )).scalars().all()
    assert charsets == ["utf8mb4"]
    engine.dispose()
