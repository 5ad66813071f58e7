"""The WeChat edge: the ``/wechat`` view, the protocol, and the API client."""

from __future__ import annotations

from flask import Flask

from bot.wechat.protocol import SafeMode


def init_app(app: Flask) -> None:
    from bot.delivery import wechat_api
    from bot.wechat.views import bp

    aes_key = app.config.get("ANXIN_WECHAT_AES_KEY")
    if aes_key:
        app.extensions["anxin_safe_mode"] = SafeMode(
            app.config["ANXIN_WECHAT_TOKEN"], aes_key, app.config["ANXIN_WECHAT_APPID"]
        )
    wechat_api.init_app(app)
    app.register_blueprint(bp)
