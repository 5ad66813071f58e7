"""Configuration: one class reading the ``ANXIN_*`` environment variables.

Every setting is optional; the defaults give a working development server on
SQLite. ``load_config`` validates what it reads so that a bad value stops the
process at start with a message that names the variable, instead of failing
on the first request.
"""

from __future__ import annotations

import base64
import binascii
import os
import sys
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEV_SECRET_KEY = "anxin-development-key-change-me"
# Where the app mounts the local stand-in for the WeChat API in development (bot.devwechat).
STANDIN_PREFIX = "/_dev/wechat"
REAL_WECHAT_API = "https://api.weixin.qq.com"
# Settings that hold real WeChat credentials: any of them set to its own value means production.
# The MySQL/MariaDB drivers a database URL may name: PyMySQL (pure Python, the default) and mysqlclient (in C).
MYSQL_DRIVERS = ("pymysql", "mysqldb")
CREDENTIAL_KEYS = ("ANXIN_WECHAT_APPID", "ANXIN_WECHAT_SECRET", "ANXIN_MP_APPID", "ANXIN_MP_SECRET")


class ConfigError(ValueError):
    """A setting cannot be used; the message names the variable and the fix."""


class Config:
    """Defaults for every ``ANXIN_*`` setting (see CONTRACT.md, "Running it")."""

    # development | production; unset: production when real WeChat credentials are configured.
    ANXIN_ENV: str = ""
    ANXIN_DATABASE_URL: str | None = None  # None: SQLite file instance/anxin.db
    ANXIN_SECRET_KEY: str = DEV_SECRET_KEY
    ANXIN_WECHAT_TOKEN: str = "anxin-dev-token"
    ANXIN_WECHAT_APPID: str = "wx0000000000dev0a"
    ANXIN_WECHAT_SECRET: str = "anxin-dev-secret"
    ANXIN_WECHAT_AES_KEY: str | None = None
    # Template message for notifications to users outside the 48-hour customer-service window.
    ANXIN_WECHAT_TEMPLATE_ID: str | None = None
    # One Official Account template per purpose, with the fields of bot/cards.py (thing1, phrase2, time3, thing4).
    # "sub:ID" names a subscription-notification template instead (sent with /cgi-bin/message/subscribe/bizsend).
    ANXIN_TEMPLATE_FLAG: str | None = None
    ANXIN_TEMPLATE_DIGEST: str | None = None
    ANXIN_TEMPLATE_REMINDER: str | None = None
    ANXIN_TEMPLATE_EXPIRY: str | None = None
    # Mini-program subscription templates (same fields), for people who use only the mini-program.
    ANXIN_MP_TEMPLATE_FLAG: str | None = None
    ANXIN_MP_TEMPLATE_DIGEST: str | None = None
    # Minutes an urgent flag may stay unacknowledged by the family before it is sent again and escalated.
    ANXIN_ESCALATE_MINUTES: float = 15.0
    ANXIN_MP_APPID: str = "wx0000000000dev0m"
    ANXIN_MP_SECRET: str = "anxin-dev-mp-secret"
    # Unset: the real API in production, the stand-in this app serves at STANDIN_PREFIX in development.
    ANXIN_WECHAT_API_BASE: str = ""
    ANXIN_WECHAT_TIMEOUT: float = 5.0
    # Unset: http://127.0.0.1:PORT, the port `make run` / `flask run` serves on (FLASK_RUN_PORT, PORT, else 5000).
    ANXIN_PUBLIC_URL: str = ""
    ANXIN_TIMEZONE: str = "Asia/Shanghai"
    ANXIN_SCHEDULER: str = "off"
    # "on": a serving process checks at start that the database answers and is migrated.
    ANXIN_STARTUP_CHECK: str = "on"
    ANXIN_REDIS_URL: str | None = None
    # Reverse proxies in front of the app whose X-Forwarded-For is trusted (0: none).
    ANXIN_PROXY_HOPS: int = 0
    # 32-byte key (base64) for personal data at rest; unset: derived from ANXIN_SECRET_KEY.
    ANXIN_DATA_KEY: str | None = None
    ANXIN_LOG_FORMAT: str = "json"  # json | text
    ANXIN_LOG_LEVEL: str = "INFO"
    # WeChat pushes at most a few KiB; anything larger is not a WeChat message.
    ANXIN_WECHAT_MAX_BODY: int = 64 * 1024
    # Badge lookups allowed per user (openid) and per client address in each window (seconds).
    ANXIN_LOOKUP_LIMIT_USER: int = 30
    ANXIN_LOOKUP_LIMIT_ADDRESS: int = 60
    ANXIN_LOOKUP_WINDOW: int = 3600
    # Mini-program API: calls per user, and logins per address, per window (seconds).
    ANXIN_MP_LIMIT_USER: int = 120
    ANXIN_MP_LIMIT_LOGIN: int = 20
    ANXIN_MP_WINDOW: int = 60
    # Which pushes /wechat accepts: plain (signature only), compat (both, as WeChat's compatible mode
    # sends them) or safe (AES only). None: compat when ANXIN_WECHAT_AES_KEY is set, else plain.
    ANXIN_WECHAT_MODE: str | None = None
    # A push signed more than this many seconds from now is refused, and a (timestamp, nonce,
    # signature) seen within it is not accepted again for another message.
    ANXIN_WECHAT_REPLAY_WINDOW: int = 300
    # Badge lookups in total (every user and address together) per ANXIN_LOOKUP_WINDOW.
    ANXIN_LOOKUP_LIMIT_TOTAL: int = 3000
    # 绑定 attempts per user and in total per window (seconds): binding codes cannot be guessed.
    ANXIN_BIND_LIMIT_USER: int = 10
    ANXIN_BIND_LIMIT_TOTAL: int = 1000
    ANXIN_BIND_WINDOW: int = 3600


class TestConfig(Config):
    """Settings the test suite starts from; tests override the database URL and API base."""

    ANXIN_ENV = "development"
    ANXIN_SECRET_KEY = "anxin-test-key"
    ANXIN_WECHAT_API_BASE = REAL_WECHAT_API
    ANXIN_PUBLIC_URL = "http://127.0.0.1:5000"
    ANXIN_WECHAT_TOKEN = "anxin-test-token"
    ANXIN_WECHAT_APPID = "wx00000000test00a"
    ANXIN_WECHAT_SECRET = "anxin-test-secret"
    ANXIN_WECHAT_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    ANXIN_WECHAT_TIMEOUT = 2.0
    ANXIN_LOG_FORMAT = "text"
    ANXIN_LOG_LEVEL = "WARNING"
    ANXIN_DATA_KEY = "dGVzdC1kYXRhLWtleS0zMi1ieXRlcy1sb25nLW9rISE="
    ANXIN_WECHAT_TEMPLATE_ID = "tmpl-anxin-service-notice"
    ANXIN_TEMPLATE_FLAG = "tmpl-anxin-flag"
    ANXIN_TEMPLATE_DIGEST = "tmpl-anxin-digest"
    ANXIN_TEMPLATE_REMINDER = "tmpl-anxin-reminder"
    ANXIN_TEMPLATE_EXPIRY = "tmpl-anxin-expiry"
    ANXIN_MP_TEMPLATE_FLAG = "mp-tmpl-flag"
    ANXIN_MP_TEMPLATE_DIGEST = "mp-tmpl-digest"
    ANXIN_STARTUP_CHECK = "off"


def settings_for_tests(**overrides: Any) -> dict[str, Any]:
    """Every setting of TestConfig, so that nothing in the environment leaks into a test app."""
    return {**_defaults(TestConfig), **overrides}


_FLOAT_KEYS = {"ANXIN_WECHAT_TIMEOUT", "ANXIN_ESCALATE_MINUTES"}
_LIMIT_KEYS = ("ANXIN_LOOKUP_LIMIT_USER", "ANXIN_LOOKUP_LIMIT_ADDRESS", "ANXIN_LOOKUP_LIMIT_TOTAL", "ANXIN_LOOKUP_WINDOW",
               "ANXIN_MP_LIMIT_USER", "ANXIN_MP_LIMIT_LOGIN", "ANXIN_MP_WINDOW", "ANXIN_BIND_LIMIT_USER",
               "ANXIN_BIND_LIMIT_TOTAL", "ANXIN_BIND_WINDOW")
_INT_KEYS = {"ANXIN_WECHAT_MAX_BODY", "ANXIN_PROXY_HOPS", "ANXIN_WECHAT_REPLAY_WINDOW", *_LIMIT_KEYS}
WECHAT_MODES = ("plain", "compat", "safe")


def _defaults(base: type[Config]) -> dict[str, Any]:
    return {key: getattr(base, key) for key in dir(base) if key.startswith("ANXIN_")}


def load_config(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    base: type[Config] = Config,
) -> dict[str, Any]:
    """Return the validated settings: defaults, then the environment, then ``overrides``."""
    environ = os.environ if environ is None else environ
    settings = _defaults(base)
    for key in settings:
        raw = environ.get(key)
        if raw is None or raw == "":
            continue
        if key in _FLOAT_KEYS:
            settings[key] = _number(key, raw, float)
        elif key in _INT_KEYS:
            settings[key] = _number(key, raw, int)
        else:
            settings[key] = raw
    if overrides:
        settings.update(overrides)
    resolve_defaults(settings, environ)
    validate(settings)
    if not settings.get("ANXIN_WECHAT_MODE"):
        settings["ANXIN_WECHAT_MODE"] = "compat" if settings.get("ANXIN_WECHAT_AES_KEY") else "plain"
    return settings


def local_origin(environ: Mapping[str, str]) -> str:
    """The address a development server listens on: the port of `make run` / `flask run`."""
    port = environ.get("FLASK_RUN_PORT") or environ.get("PORT") or "5000"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"PORT={port!r} is not a port number")
    return f"http://127.0.0.1:{int(port)}"


def resolve_defaults(settings: dict[str, Any], environ: Mapping[str, str]) -> None:
    """Fill the settings whose default depends on others: the environment, the public URL, the API base."""
    if not settings.get("ANXIN_ENV"):
        credentials = any(settings.get(key) != getattr(Config, key) for key in CREDENTIAL_KEYS)
        settings["ANXIN_ENV"] = "production" if credentials else "development"
    development = settings["ANXIN_ENV"] == "development"
    if not settings.get("ANXIN_PUBLIC_URL"):
        settings["ANXIN_PUBLIC_URL"] = local_origin(environ)
    if not settings.get("ANXIN_WECHAT_API_BASE"):
        settings["ANXIN_WECHAT_API_BASE"] = (
            local_origin(environ) + STANDIN_PREFIX if development else REAL_WECHAT_API
        )


def is_standin(api_base: str) -> bool:
    """True when ``api_base`` is a stand-in for WeChat (plain http, or the app's own dev prefix)."""
    parts = urlsplit(api_base)
    return parts.scheme != "https" or parts.path.rstrip("/").startswith(STANDIN_PREFIX)


def _number(key: str, raw: str, kind: type) -> Any:
    try:
        return kind(raw)
    except ValueError:
        raise ConfigError(f"{key}={raw!r} is not a number") from None


def validate(settings: Mapping[str, Any]) -> None:
    """Raise ConfigError for any setting the server could not run with."""
    url = settings.get("ANXIN_DATABASE_URL")
    if url:
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise ConfigError(
                f"ANXIN_DATABASE_URL={url!r} is not a database URL; expected e.g. "
                "sqlite:///instance/anxin.db or "
                "mysql+pymysql://user:pw@host/db?charset=utf8mb4"
            ) from None
        if parsed.get_backend_name() not in ("sqlite", "mysql", "mariadb"):
            raise ConfigError(
                f"ANXIN_DATABASE_URL uses {parsed.get_backend_name()!r}; "
                "Anxin supports SQLite and MySQL/MariaDB"
            )
        if parsed.get_backend_name() in ("mysql", "mariadb") and parsed.get_driver_name() not in MYSQL_DRIVERS:
            raise ConfigError(
                f"ANXIN_DATABASE_URL uses the driver {parsed.get_driver_name()!r}; Anxin runs MySQL/MariaDB on "
                "mysql+pymysql:// (the default) or mysql+mysqldb:// (mysqlclient, requirements-mysqlclient.txt)"
            )
        if parsed.get_backend_name() in ("mysql", "mariadb") and (
            parsed.query.get("charset", "utf8mb4") != "utf8mb4"
        ):
            raise ConfigError(
                "ANXIN_DATABASE_URL must use charset=utf8mb4 so that emoji and rare "
                "characters in names and comments survive"
            )

    aes_key = settings.get("ANXIN_WECHAT_AES_KEY")
    if aes_key:
        if len(aes_key) != 43:
            raise ConfigError(
                f"ANXIN_WECHAT_AES_KEY must be the 43-character EncodingAESKey from the "
                f"Official Account console; got {len(aes_key)} characters"
            )
        try:
            decoded = base64.b64decode(aes_key + "=", validate=True)
        except binascii.Error:
            decoded = b""
        if len(decoded) != 32:
            raise ConfigError("ANXIN_WECHAT_AES_KEY is not a valid EncodingAESKey (base64 of 32 bytes)")

    data_key = settings.get("ANXIN_DATA_KEY")
    if data_key:
        try:
            raw = base64.b64decode(data_key, validate=True)
        except binascii.Error:
            raw = b""
        if len(raw) != 32:
            raise ConfigError(
                "ANXIN_DATA_KEY must be 32 random bytes in base64 "
                "(python -c 'import os,base64;print(base64.b64encode(os.urandom(32)).decode())')"
            )

    try:
        ZoneInfo(settings["ANXIN_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"ANXIN_TIMEZONE={settings['ANXIN_TIMEZONE']!r} is not a time zone name") from None

    for key in ("ANXIN_SCHEDULER", "ANXIN_STARTUP_CHECK"):
        if settings[key] not in ("on", "off"):
            raise ConfigError(f"{key} must be 'on' or 'off'")

    for key in ("ANXIN_WECHAT_API_BASE", "ANXIN_PUBLIC_URL"):
        if not str(settings[key]).startswith(("http://", "https://")):
            raise ConfigError(f"{key}={settings[key]!r} must start with http:// or https://")

    for key in _LIMIT_KEYS:
        if int(settings[key]) < 1:
            raise ConfigError(f"{key} must be a positive whole number")

    mode = settings.get("ANXIN_WECHAT_MODE")
    if mode:
        if mode not in WECHAT_MODES:
            raise ConfigError(f"ANXIN_WECHAT_MODE={mode!r} must be one of plain, compat, safe")
        if mode in ("compat", "safe") and not aes_key:
            raise ConfigError(f"ANXIN_WECHAT_MODE={mode} needs ANXIN_WECHAT_AES_KEY (the EncodingAESKey)")
    if not 30 <= int(settings["ANXIN_WECHAT_REPLAY_WINDOW"]) <= 3600:
        raise ConfigError("ANXIN_WECHAT_REPLAY_WINDOW must be 30 to 3600 seconds")

    if not 0 <= int(settings["ANXIN_PROXY_HOPS"]) <= 5:
        raise ConfigError("ANXIN_PROXY_HOPS must be 0 (no proxy) to 5")

    if settings["ANXIN_WECHAT_TIMEOUT"] <= 0:
        raise ConfigError("ANXIN_WECHAT_TIMEOUT must be positive")

    if not 0 < float(settings["ANXIN_ESCALATE_MINUTES"]) <= 24 * 60:
        raise ConfigError("ANXIN_ESCALATE_MINUTES must be a number of minutes above 0 and at most 1440 (e.g. 15 or 0.5)")

    if settings["ANXIN_ENV"] not in ("development", "production"):
        raise ConfigError(f"ANXIN_ENV={settings['ANXIN_ENV']!r} must be 'development' or 'production'")
    if settings["ANXIN_ENV"] == "production":
        validate_production(settings)


def validate_production(settings: Mapping[str, Any]) -> None:
    """Production runs on its own keys and the real WeChat API, never on development stand-ins."""
    if settings["ANXIN_SECRET_KEY"] == DEV_SECRET_KEY:
        raise ConfigError("ANXIN_SECRET_KEY is not set: production refuses the development key "
                          "(python -c 'import secrets;print(secrets.token_urlsafe(32))')")
    for key in CREDENTIAL_KEYS:
        if settings[key] == getattr(Config, key):
            raise ConfigError(f"{key} is the development value: production needs the real one "
                              "from the WeChat console (or set ANXIN_ENV=development)")
    if is_standin(str(settings["ANXIN_WECHAT_API_BASE"])):
        raise ConfigError(f"ANXIN_WECHAT_API_BASE={settings['ANXIN_WECHAT_API_BASE']!r} is a local stand-in "
                          f"for WeChat: production must use {REAL_WECHAT_API} (or an https proxy of it)")


_NOTICES: set[str] = set()


def notice(message: str) -> None:
    """Print a start-up notice on stderr once per process, as one plain line (no source lines)."""
    if message not in _NOTICES:
        _NOTICES.add(message)
        print(f"注意 notice: {message}", file=sys.stderr)
