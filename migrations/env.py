"""Alembic environment: runs against the connection bot.store.migrate hands it."""

from alembic import context

from bot.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes["connection"]
    if connection.dialect.name in ("mysql", "mariadb"):
        # New tables take the database's default character set: make it utf8mb4 so
        # emoji and rare characters survive even on a server configured for latin1.
        database = connection.exec_driver_sql("SELECT DATABASE()").scalar()
        connection.exec_driver_sql(
            f"ALTER DATABASE `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run `flask --app bot db upgrade`")
run_migrations_online()
