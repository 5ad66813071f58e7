"""Start-up checks for serving processes: a bad database stops the server with a clear message."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.wechat.standin import standin_in_use
from config import DEV_SECRET_KEY, ConfigError, notice


def serving() -> bool:
    """True in a web process (gunicorn, ``flask run``), false for other CLI commands."""
    ctx = click.get_current_context(silent=True)
    return ctx is None or ctx.info_name == "run"


def check_database(app: Flask) -> None:
    """Refuse to serve when the database cannot be reached or is not at the current schema."""
    from bot.store.db import get_db
    from bot.store.migrate import current_revision, head_revision

    engine = get_db(app).engine
    assert engine is not None
    shown = make_url(app.config["ANXIN_DATABASE_URL"]).render_as_string(hide_password=True)
    try:
        revision = current_revision(engine)
    except SQLAlchemyError as exc:
        reason = str(exc.orig if hasattr(exc, "orig") else exc).splitlines()[0]
        raise ConfigError(f"ANXIN_DATABASE_URL={shown}: cannot connect to the database: {reason}") from None
    head = head_revision()
    if revision != head:
        raise ConfigError(
            f"the database {shown} is at schema {revision or 'empty'} but this code needs {head}: "
            "run `flask --app bot db upgrade` first"
        )


def check_no_demo(app: Flask) -> None:
    """Refuse to serve production while the demo's agency or console account exists: their key and
    password derive from a development secret anyone can read."""
    from bot.ops.demo import demo_accounts
    from bot.store.db import get_db

    try:
        with get_db(app).new_session() as session:
            found = demo_accounts(session)
    except SQLAlchemyError as exc:
        reason = str(exc.orig if hasattr(exc, "orig") else exc).splitlines()[0]
        raise ConfigError(f"production checks the database for demo accounts before serving and could not: {reason}"
                          ) from None
    if found:
        raise ConfigError(f"this production database holds {' and '.join(found)}, whose credentials are public: "
                          "run `flask --app bot remove-demo` first")


def announce(app: Flask) -> None:
    """Say once, in one line each, what a development server stands in for."""
    if app.config["ANXIN_ENV"] != "development":
        return
    if app.config["ANXIN_SECRET_KEY"] == DEV_SECRET_KEY:
        notice("开发模式 development: ANXIN_SECRET_KEY not set, using the development key (production refuses it)")
    if standin_in_use(app):
        notice(f"WeChat API calls go to the local stand-in {app.config['ANXIN_WECHAT_API_BASE']} "
               "(`flask --app bot outbox` lists what each person would have received)")
