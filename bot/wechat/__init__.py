"""The WeChat edge: the ``/wechat`` view, the protocol, and the API client."""

from __future__ import annotations

from flask import Flask

from bot.core.clock import utcnow
from bot.wechat.protocol import SafeMode


def init_app(app: Flask) -> None:
    from bot.delivery import wechat_api
    from bot.wechat.views import bp

    # What the chat reads as now ("今天", a rating's day, when an entry was recorded). Only a test sets another:
    # to pin the hour of a conversation whose meaning depends on it.
    app.extensions["anxin_clock"] = utcnow
    aes_key = app.config.get("ANXIN_WECHAT_AES_KEY")
    if aes_key:
        app.extensions["anxin_safe_mode"] = SafeMode(
            app.config["ANXIN_WECHAT_TOKEN"], aes_key, app.config["ANXIN_WECHAT_APPID"]
        )
    wechat_api.init_app(app)
    app.register_blueprint(bp)
