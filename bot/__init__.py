"""Anxin (安心): the WeChat Official Account bot and mini-program backend."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from config import ConfigError, load_config


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: load settings, wire the database, WeChat, blueprints and commands."""
    import miniprogram_api
    from bot import admin, console, jobs, web, wechat
    from bot.chat.handlers import load_handlers
    from bot.cloud import sms_standin
    from bot.core import security
    from bot.edge import bodylimits, errors, hardening, health, logs, routing
    from bot.ops import cli, demo, startup
    from bot.store import db, migrate
    from bot.wechat import standin, voice

    app = Flask(__name__, instance_relative_config=True)
    settings = load_config(config)
    app.config.update(settings)
    app.config["SECRET_KEY"] = settings["ANXIN_SECRET_KEY"]
    if isinstance(app.json, DefaultJSONProvider):
        app.json.ensure_ascii = False  # JSON answers are readable UTF-8, not \u escapes

    routing.init_app(app)
    logs.init_app(app)
    database = db.Database()
    database.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    bodylimits.init_app(app)
    hardening.init_app(app)
    load_handlers()
    wechat.init_app(app)
    health.init_app(app)
    web.init_app(app)
    admin.init_app(app)
    console.init_app(app)
    miniprogram_api.init_app(app)
    migrate.init_app(app)
    cli.init_app(app)
    demo.init_app(app)
    standin.init_app(app)
    voice.init_app(app)
    sms_standin.init_app(app)
    if app.config["ANXIN_STARTUP_CHECK"] == "on" and startup.serving():
        startup.check_database(app)
    if app.config["ANXIN_ENV"] == "production" and startup.serving():
        startup.check_no_demo(app)
    jobs.init_app(app)
    if startup.serving():
        startup.announce(app)
        assert database.engine is not None
        logging.getLogger("anxin.app").info("app.ready", extra={"fields": {"database": database.engine.dialect.name}})
    return app


__all__ = ["ConfigError", "create_app"]
