"""Configuration: one class reading the ``ANXIN_*`` environment variables.

Every setting is optional; the defaults give a working development server on
SQLite. ``load_config`` validates what it reads so that a bad value stops the
process at start with a message that names the variable, instead of failing
on the first request.
"""

from __future__ import annotations

import base64
import binascii
import math
import os
import sys
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEV_SECRET_KEY = "anxin-development-key-change-me"
# Where the app mounts the local stand-in for the WeChat API in development (bot.wechat.standin).
STANDIN_PREFIX = "/_dev/wechat"
REAL_WECHAT_API = "https://api.weixin.qq.com"
REAL_SMS_API = "https://sms.tencentcloudapi.com"
SMS_PROVIDERS = ("tencent",)
# What an SMS provider needs besides the Tencent Cloud API key.
SMS_KEYS = ("ANXIN_TENCENTCLOUD_SECRET_ID", "ANXIN_TENCENTCLOUD_SECRET_KEY", "ANXIN_SMS_SDK_APPID", "ANXIN_SMS_SIGN",
            "ANXIN_SMS_TEMPLATE_FLAG")
# Settings that hold real WeChat credentials: any of them set to its own value means production.
# The MySQL/MariaDB drivers a database URL may name: PyMySQL (pure Python, the default) and mysqlclient (in C).
MYSQL_DRIVERS = ("pymysql", "mysqldb")
CREDENTIAL_KEYS = ("ANXIN_WECHAT_APPID", "ANXIN_WECHAT_SECRET", "ANXIN_MP_APPID", "ANXIN_MP_SECRET")
# Tencent Cloud's speech recognition (bot.cloud.asr): the real API, and the provider names it accepts.
REAL_ASR_API = "https://asr.tencentcloudapi.com"
ASR_PROVIDERS = ("tencent",)
# Development's Tencent Cloud key pair when none is set: the local stand-ins (bot.cloud.asr_standin) check
# signatures made with it; production refuses it.
DEV_TENCENTCLOUD_SECRET_ID = "AKIDanxin-development-only"
DEV_TENCENTCLOUD_SECRET_KEY = "anxin-development-tencentcloud-key"


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
    # One Official Account template per purpose, with the fields of bot/outbox/cards.py (thing1, phrase2, time3, thing4).
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
    # FAILED badge lookups (unknown or mistyped codes) of every user and address together per
    # ANXIN_LOOKUP_WINDOW: once spent, unknown codes are answered 稍后再试 while real badges are still
    # shown (a budget on every lookup let whoever spent it lock out every employer).
    ANXIN_LOOKUP_LIMIT_TOTAL: int = 3000
    # Failed lookups one user (openid) / one address may make per window; past it, all its lookups wait.
    ANXIN_LOOKUP_FAILED_USER: int = 10
    ANXIN_LOOKUP_FAILED_ADDRESS: int = 20
    # More lookups of one badge than this in a window is far more than usual: its agency's supervisors hear of it.
    ANXIN_LOOKUP_ALERT_VIEWS: int = 50
    # 绑定 attempts per user and in total per window (seconds): binding codes cannot be guessed.
    ANXIN_BIND_LIMIT_USER: int = 10
    ANXIN_BIND_LIMIT_TOTAL: int = 1000
    ANXIN_BIND_WINDOW: int = 3600
    # Keepsake PDF exports per reader (openid) per window (seconds): a copy is cached, but each one is a
    # few MiB to send and, after any new entry, seconds of a worker to build.
    ANXIN_KEEPSAKE_LIMIT: int = 10
    ANXIN_KEEPSAKE_WINDOW: int = 3600
    # Tencent Cloud API key (one for its services: speech recognition, SMS); unset in development: the stand-ins' own key.
    ANXIN_TENCENTCLOUD_SECRET_ID: str = ""
    ANXIN_TENCENTCLOUD_SECRET_KEY: str = ""
    # Speech recognition of voice messages WeChat sends without <Recognition>: "tencent", or unset for none.
    ANXIN_ASR_PROVIDER: str = ""
    # Unset: the real API in production, the stand-in this app serves at its own origin in development.
    ANXIN_ASR_API_BASE: str = ""
    # SMS to families and supervisors when WeChat cannot reach them: "tencent", or unset for no SMS.
    ANXIN_SMS_PROVIDER: str | None = None
    # Unset: the real API in production, this app's own stand-in (its origin) in development.
    ANXIN_SMS_API_BASE: str = ""
    ANXIN_SMS_SDK_APPID: str | None = None  # 短信应用 SdkAppId, e.g. 1400006666
    ANXIN_SMS_SIGN: str | None = None  # the approved signature (签名内容), e.g. 安心月子
    # The approved template of an urgent flag: {1} the sign, {2} the baby's nickname, {3} the time, {4} the code
    # of its /d/ link (the link's address stays in the template: Tencent takes no link as a parameter).
    ANXIN_SMS_TEMPLATE_FLAG: str | None = None


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
               "ANXIN_LOOKUP_FAILED_USER", "ANXIN_LOOKUP_FAILED_ADDRESS", "ANXIN_LOOKUP_ALERT_VIEWS",
               "ANXIN_MP_LIMIT_USER", "ANXIN_MP_LIMIT_LOGIN", "ANXIN_MP_WINDOW", "ANXIN_BIND_LIMIT_USER",
               "ANXIN_BIND_LIMIT_TOTAL", "ANXIN_BIND_WINDOW", "ANXIN_KEEPSAKE_LIMIT", "ANXIN_KEEPSAKE_WINDOW")
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
    if not settings.get("ANXIN_ASR_API_BASE"):
        # Tencent Cloud's SDK posts to the root of its endpoint: the development stand-ins answer there (bot.cloud).
        settings["ANXIN_ASR_API_BASE"] = local_origin(environ) if development else REAL_ASR_API
    if not settings.get("ANXIN_SMS_API_BASE"):
        settings["ANXIN_SMS_API_BASE"] = local_origin(environ) if development else REAL_SMS_API
    if development and (settings.get("ANXIN_ASR_PROVIDER") or settings.get("ANXIN_SMS_PROVIDER")) and not (
            settings.get("ANXIN_TENCENTCLOUD_SECRET_ID") or settings.get("ANXIN_TENCENTCLOUD_SECRET_KEY")):
        settings["ANXIN_TENCENTCLOUD_SECRET_ID"] = DEV_TENCENTCLOUD_SECRET_ID
        settings["ANXIN_TENCENTCLOUD_SECRET_KEY"] = DEV_TENCENTCLOUD_SECRET_KEY


def validate_sms(settings: Mapping[str, Any]) -> None:
    """An SMS provider has every setting it needs (in every environment: a half-configured one sends nothing)."""
    provider = settings.get("ANXIN_SMS_PROVIDER")
    if not provider:
        return
    if provider not in SMS_PROVIDERS:
        raise ConfigError(f"ANXIN_SMS_PROVIDER={provider!r} must be one of {', '.join(SMS_PROVIDERS)} (or unset: no SMS)")
    missing = [key for key in SMS_KEYS if not settings.get(key)]
    if missing:
        raise ConfigError(f"ANXIN_SMS_PROVIDER={provider} needs {', '.join(missing)} (Tencent Cloud console: "
                          "API key, SMS application, approved signature and template)")


def is_standin(api_base: str) -> bool:
    """True when ``api_base`` is a stand-in for WeChat (plain http, or the app's own dev prefix)."""
    parts = urlsplit(api_base)
    return parts.scheme != "https" or parts.path.rstrip("/").startswith(STANDIN_PREFIX)


def is_cloud_standin(api_base: str) -> bool:
    """True when ``api_base`` is a stand-in for a Tencent Cloud API: plain http, or a loopback host."""
    parts = urlsplit(api_base)
    host = (parts.hostname or "").lower()
    loopback = host == "localhost" or host.endswith(".localhost") or host == "::1" or host.startswith("127.")
    return parts.scheme != "https" or loopback


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

    provider = settings.get("ANXIN_ASR_PROVIDER") or ""
    if provider and provider not in ASR_PROVIDERS:
        raise ConfigError(f"ANXIN_ASR_PROVIDER={provider!r} must be 'tencent' or unset (no speech recognition)")
    if provider and not (settings.get("ANXIN_TENCENTCLOUD_SECRET_ID") and settings.get("ANXIN_TENCENTCLOUD_SECRET_KEY")):
        raise ConfigError("ANXIN_ASR_PROVIDER=tencent needs ANXIN_TENCENTCLOUD_SECRET_ID and "
                          "ANXIN_TENCENTCLOUD_SECRET_KEY (a Tencent Cloud API key: 访问管理 → API密钥管理)")

    for key in ("ANXIN_WECHAT_API_BASE", "ANXIN_PUBLIC_URL", "ANXIN_ASR_API_BASE", "ANXIN_SMS_API_BASE"):
        if not str(settings[key]).startswith(("http://", "https://")):
            raise ConfigError(f"{key}={settings[key]!r} must start with http:// or https://")
    validate_sms(settings)

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


# How a production secret is made (the refusals name these commands).
MAKE_SECRET_KEY = "python -c 'import secrets;print(secrets.token_urlsafe(32))'"
MAKE_DATA_KEY = "python -c 'import os,base64;print(base64.b64encode(os.urandom(32)).decode())'"
MAKE_TOKEN = "python -c 'import secrets;print(secrets.token_hex(16))'"
# A secret must carry 32 bytes (256 bits) of randomness: token_urlsafe(32) (43 characters of 6 bits) and
# token_hex(32) (64 of 4 bits) both do; a word, a date or a repeated character does not.
SECRET_BITS = 256
# WeChat's console takes a Token of 3 to 32 letters and digits; production wants one nobody can guess: at
# least 16 characters, 64 bits or more (token_hex(16) is 32 characters, 128 bits).
TOKEN_MIN_LENGTH = 16
TOKEN_BITS = 64
# Every value this repository ships is public: production refuses each of them.
_PUBLIC_VALUES = {
    key: {str(value) for value in (getattr(Config, key), getattr(TestConfig, key)) if value}
    for key in ("ANXIN_SECRET_KEY", "ANXIN_WECHAT_TOKEN", "ANXIN_DATA_KEY", "ANXIN_WECHAT_AES_KEY")
}


def estimated_bits(value: str) -> float:
    """A cautious estimate of the randomness in ``value``: its length times the bits a character of the
    smallest alphabet it is written in carries (hex 4, base64 or url-safe 6, anything else 6.5). A value of
    few distinct characters ("aaaa…", "abab…") is counted by those alone: random text of this length has many."""
    if not value:
        return 0.0
    if all(c in "0123456789abcdef" for c in value) or all(c in "0123456789ABCDEF" for c in value):
        per_char = 4.0
    elif all(c.isascii() and (c.isalnum() or c in "-_+/=") for c in value):
        per_char = 6.0
    else:
        per_char = 6.5
    distinct = len(set(value))
    if distinct < min(8, len(value) // 2):
        return len(value) * math.log2(distinct) if distinct > 1 else 0.0
    return len(value) * per_char


def validate_production(settings: Mapping[str, Any]) -> None:
    """Production runs on its own keys and the real WeChat API, never on development stand-ins.

    A setting left empty falls back to its development default, which is public; so every secret is checked
    here against the values this repository ships and for enough randomness."""
    secret = str(settings["ANXIN_SECRET_KEY"] or "")
    if secret in _PUBLIC_VALUES["ANXIN_SECRET_KEY"] or not secret:
        raise ConfigError(f"ANXIN_SECRET_KEY is not set: production refuses the development key ({MAKE_SECRET_KEY})")
    if estimated_bits(secret) < SECRET_BITS:
        raise ConfigError(f"ANXIN_SECRET_KEY is too short or too regular for production: it needs 32 bytes of "
                          f"randomness ({MAKE_SECRET_KEY})")
    token = str(settings["ANXIN_WECHAT_TOKEN"] or "")
    if token in _PUBLIC_VALUES["ANXIN_WECHAT_TOKEN"] or not token:
        raise ConfigError("ANXIN_WECHAT_TOKEN is not set: production refuses the public development token, with "
                          "which anyone could sign a push as any user. Set the Token of the Official Account "
                          f"console (设置与开发 → 基本配置 → 服务器配置) to a new random one ({MAKE_TOKEN})")
    if not (token.isascii() and token.isalnum() and len(token) <= 32):
        raise ConfigError("ANXIN_WECHAT_TOKEN must be 3 to 32 letters and digits, as the Official Account console "
                          f"takes it ({MAKE_TOKEN})")
    if len(token) < TOKEN_MIN_LENGTH or estimated_bits(token) < TOKEN_BITS:
        raise ConfigError(f"ANXIN_WECHAT_TOKEN is too short or too regular for production: use at least "
                          f"{TOKEN_MIN_LENGTH} random letters and digits, the same in the Official Account console "
                          f"({MAKE_TOKEN})")
    data_key = settings.get("ANXIN_DATA_KEY")
    if not data_key:
        raise ConfigError("ANXIN_DATA_KEY is not set: production encrypts ID and phone numbers with a key of its "
                          f"own, kept apart from ANXIN_SECRET_KEY ({MAKE_DATA_KEY}; keep it: it decrypts them)")
    if data_key in _PUBLIC_VALUES["ANXIN_DATA_KEY"] or len(set(base64.b64decode(data_key))) < 16:
        raise ConfigError(f"ANXIN_DATA_KEY is a development value or not random: production needs 32 random "
                          f"bytes ({MAKE_DATA_KEY})")
    if settings.get("ANXIN_WECHAT_AES_KEY") in _PUBLIC_VALUES["ANXIN_WECHAT_AES_KEY"]:
        raise ConfigError("ANXIN_WECHAT_AES_KEY is the test suite's key: production needs the EncodingAESKey of "
                          "the Official Account console")
    for key in CREDENTIAL_KEYS:
        if settings[key] == getattr(Config, key):
            raise ConfigError(f"{key} is the development value: production needs the real one "
                              "from the WeChat console (or set ANXIN_ENV=development)")
    if is_standin(str(settings["ANXIN_WECHAT_API_BASE"])):
        raise ConfigError(f"ANXIN_WECHAT_API_BASE={settings['ANXIN_WECHAT_API_BASE']!r} is a local stand-in "
                          f"for WeChat: production must use {REAL_WECHAT_API} (or an https proxy of it)")
    if settings.get("ANXIN_ASR_PROVIDER") and is_cloud_standin(str(settings["ANXIN_ASR_API_BASE"])):
        raise ConfigError(f"ANXIN_ASR_API_BASE={settings['ANXIN_ASR_API_BASE']!r} is a local stand-in for "
                          f"Tencent Cloud's speech recognition: production must use {REAL_ASR_API}")
    if settings.get("ANXIN_SMS_PROVIDER") and is_cloud_standin(str(settings["ANXIN_SMS_API_BASE"])):
        raise ConfigError(f"ANXIN_SMS_API_BASE={settings['ANXIN_SMS_API_BASE']!r} is a stand-in for Tencent Cloud "
                          f"SMS: production must use {REAL_SMS_API} (https)")
    if (settings.get("ANXIN_ASR_PROVIDER") or settings.get("ANXIN_SMS_PROVIDER")) and (
            settings["ANXIN_TENCENTCLOUD_SECRET_ID"] == DEV_TENCENTCLOUD_SECRET_ID
            or settings["ANXIN_TENCENTCLOUD_SECRET_KEY"] == DEV_TENCENTCLOUD_SECRET_KEY):
        raise ConfigError("ANXIN_TENCENTCLOUD_SECRET_ID / _KEY are the development stand-ins' key: production "
                          "needs the Tencent Cloud API key of the account (访问管理 → API密钥管理)")


_NOTICES: set[str] = set()


def notice(message: str) -> None:
    """Print a start-up notice on stderr once per process, as one plain line (no source lines)."""
    if message not in _NOTICES:
        _NOTICES.add(message)
        print(f"注意 notice: {message}", file=sys.stderr)
