"""Configuration from ANXIN_* variables, and clear start-up errors for bad values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import create_app
from config import Config, ConfigError, load_config, settings_for_tests
from tests.support.factories import PRODUCTION

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_need_no_environment(tmp_path: Path) -> None:
    settings = load_config({"ANXIN_SECRET_KEY": "k"}, environ={})
    assert settings["ANXIN_ENV"] == "development"  # no real credentials configured
    assert settings["ANXIN_WECHAT_API_BASE"] == "http://127.0.0.1:5000/_dev/wechat"  # the stand-in
    assert settings["ANXIN_PUBLIC_URL"] == "http://127.0.0.1:5000"
    assert settings["ANXIN_TIMEZONE"] == "Asia/Shanghai"
    assert settings["ANXIN_DATABASE_URL"] is None


# What an operator fills in: real credentials, nothing about the environment or the API base.
REAL = {k: v for k, v in PRODUCTION.items() if k not in ("ANXIN_ENV", "ANXIN_WECHAT_API_BASE")}


def test_real_credentials_mean_production_and_the_real_api() -> None:
    settings = load_config(environ=REAL)
    assert settings["ANXIN_ENV"] == "production"
    assert settings["ANXIN_WECHAT_API_BASE"] == "https://api.weixin.qq.com"


def test_links_and_the_stand_in_follow_the_port_the_server_runs_on() -> None:
    settings = load_config(environ={"PORT": "5050"})
    assert settings["ANXIN_PUBLIC_URL"] == "http://127.0.0.1:5050"
    assert settings["ANXIN_WECHAT_API_BASE"] == "http://127.0.0.1:5050/_dev/wechat"
    assert load_config(environ={"FLASK_RUN_PORT": "8080", "PORT": "5050"})["ANXIN_PUBLIC_URL"] == "http://127.0.0.1:8080"
    with pytest.raises(ConfigError, match="PORT='http' is not a port number"):
        load_config(environ={"PORT": "http"})


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"ANXIN_WECHAT_API_BASE": "http://127.0.0.1:5001"}, "is a local stand-in for WeChat"),
        ({"ANXIN_WECHAT_API_BASE": "https://anxin.example.cn/_dev/wechat"}, "is a local stand-in for WeChat"),
        ({"ANXIN_SECRET_KEY": ""}, "production refuses the development key"),
        ({"ANXIN_MP_SECRET": ""}, "ANXIN_MP_SECRET is the development value"),
        ({"ANXIN_ENV": "staging"}, "must be 'development' or 'production'"),
    ],
)
def test_production_refuses_development_stand_ins(env: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        load_config(environ={**REAL, **env})


@pytest.mark.parametrize(
    ("env", "says"),
    [
        # Left empty, as deploy/env.example ships it: the public development token would sign pushes.
        ({"ANXIN_WECHAT_TOKEN": ""}, "ANXIN_WECHAT_TOKEN is not set: production refuses the public development token"),
        ({"ANXIN_WECHAT_TOKEN": Config.ANXIN_WECHAT_TOKEN}, "ANXIN_WECHAT_TOKEN is not set"),
        ({"ANXIN_WECHAT_TOKEN": "anxin-test-token"}, "ANXIN_WECHAT_TOKEN is not set"),
        ({"ANXIN_WECHAT_TOKEN": "abc123"}, "ANXIN_WECHAT_TOKEN is too short or too regular"),
        ({"ANXIN_WECHAT_TOKEN": "aaaaaaaaaaaaaaaaaaaa"}, "ANXIN_WECHAT_TOKEN is too short or too regular"),
        ({"ANXIN_WECHAT_TOKEN": "token-with-dashes-1234"}, "ANXIN_WECHAT_TOKEN must be 3 to 32 letters and digits"),
        ({"ANXIN_SECRET_KEY": "a"}, "ANXIN_SECRET_KEY is too short or too regular for production"),
        ({"ANXIN_SECRET_KEY": "anxin-test-key"}, "ANXIN_SECRET_KEY is not set"),
        ({"ANXIN_SECRET_KEY": "s" * 64}, "ANXIN_SECRET_KEY is too short or too regular"),
        ({"ANXIN_SECRET_KEY": "0123456789abcdef" * 2}, "ANXIN_SECRET_KEY is too short or too regular"),  # 16 bytes
        ({"ANXIN_DATA_KEY": ""}, "ANXIN_DATA_KEY is not set"),
        ({"ANXIN_DATA_KEY": settings_for_tests()["ANXIN_DATA_KEY"]}, "ANXIN_DATA_KEY is a development value"),
        ({"ANXIN_DATA_KEY": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}, "ANXIN_DATA_KEY is a development value or not"),
        ({"ANXIN_WECHAT_AES_KEY": settings_for_tests()["ANXIN_WECHAT_AES_KEY"]}, "ANXIN_WECHAT_AES_KEY is the test"),
    ],
)
def test_production_refuses_public_or_weak_secrets_naming_the_setting_and_the_fix(env: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigError, match=says) as refused:
        load_config(environ={**REAL, **env})
    assert "python -c" in str(refused.value) or "console" in str(refused.value)


@pytest.mark.parametrize("command", ["secrets.token_urlsafe(32)", "secrets.token_hex(32)"])
def test_the_secret_key_the_refusal_suggests_is_accepted(command: str) -> None:
    import secrets

    for _ in range(200):  # whatever the draw
        load_config(environ={**REAL, "ANXIN_SECRET_KEY": eval(command, {"secrets": secrets}),
                             "ANXIN_WECHAT_TOKEN": secrets.token_hex(16)})


def test_development_keeps_accepting_short_keys() -> None:
    assert load_config(environ={"ANXIN_SECRET_KEY": "a"})["ANXIN_ENV"] == "development"


def test_production_refuses_to_start_with_the_development_token() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANXIN_")}
    env.update(REAL, ANXIN_WECHAT_TOKEN="")
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "bot", "run", "--port", "1"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "ANXIN_WECHAT_TOKEN is not set" in result.stderr


def test_production_refuses_to_start_with_the_stand_in() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANXIN_")}
    env.update(REAL, ANXIN_ENV="production", ANXIN_WECHAT_API_BASE="http://127.0.0.1:5000/_dev/wechat")
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "bot", "run", "--port", "1"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "ANXIN_WECHAT_API_BASE='http://127.0.0.1:5000/_dev/wechat' is a local stand-in" in result.stderr


def test_environment_overrides_defaults() -> None:
    env = {"ANXIN_PUBLIC_URL": "https://anxin.example.cn", "ANXIN_WECHAT_TIMEOUT": "3.5", "ANXIN_SECRET_KEY": "k"}
    settings = load_config(environ=env)
    assert settings["ANXIN_PUBLIC_URL"] == "https://anxin.example.cn"
    assert settings["ANXIN_WECHAT_TIMEOUT"] == 3.5


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("ANXIN_DATABASE_URL", "not a url at all", "is not a database URL"),
        ("ANXIN_DATABASE_URL", "postgresql://localhost/anxin", "supports SQLite and MySQL/MariaDB"),
        ("ANXIN_DATABASE_URL", "mysql+pymysql://root@localhost/anxin?charset=latin1", "charset=utf8mb4"),
        ("ANXIN_DATABASE_URL", "mysql+mysqlconnector://root@localhost/anxin?charset=utf8mb4", "mysql\\+mysqldb://"),
        ("ANXIN_WECHAT_AES_KEY", "tooshort", "43-character EncodingAESKey"),
        ("ANXIN_WECHAT_AES_KEY", "!" * 43, "not a valid EncodingAESKey"),
        ("ANXIN_TIMEZONE", "Mars/Olympus", "is not a time zone"),
        ("ANXIN_SCHEDULER", "yes", "'on' or 'off'"),
        ("ANXIN_WECHAT_API_BASE", "api.weixin.qq.com", "must start with http"),
        ("ANXIN_WECHAT_TIMEOUT", "soon", "is not a number"),
    ],
)
def test_bad_settings_are_refused_with_the_variable_named(key: str, value: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        load_config(environ={key: value, "ANXIN_SECRET_KEY": "k"})


@pytest.mark.parametrize("url", ["mysql+pymysql://anxin@db/anxin?charset=utf8mb4",
                                 "mysql+mysqldb://anxin@db/anxin?charset=utf8mb4",
                                 "mariadb+mysqldb://anxin@db/anxin?charset=utf8mb4",
                                 "mysql://anxin@db/anxin?charset=utf8mb4"])  # SQLAlchemy's default: mysqldb
def test_either_mysql_driver_is_accepted(url: str) -> None:
    assert load_config(environ={"ANXIN_DATABASE_URL": url, "ANXIN_SECRET_KEY": "k"})["ANXIN_DATABASE_URL"] == url


def test_create_app_refuses_a_bad_aes_key() -> None:
    with pytest.raises(ConfigError, match="ANXIN_WECHAT_AES_KEY"):
        create_app(settings_for_tests(ANXIN_WECHAT_AES_KEY="x" * 42))


def test_the_server_stops_at_start_with_a_clear_message(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANXIN_")}
    env.update(ANXIN_WECHAT_AES_KEY="short", ANXIN_SECRET_KEY="k", ANXIN_DATABASE_URL=f"sqlite:///{tmp_path}/a.db")
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "bot", "db", "current"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "ANXIN_WECHAT_AES_KEY must be the 43-character EncodingAESKey" in result.stderr


def test_the_development_key_is_named_once_when_serving_and_never_by_other_commands(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANXIN_", "FLASK_"))}
    env.update(ANXIN_DATABASE_URL=f"sqlite:///{tmp_path}/a.db", ANXIN_LOG_FORMAT="text")
    command = subprocess.run([sys.executable, "-m", "flask", "--app", "bot", "db", "upgrade"],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert command.returncode == 0, command.stderr
    assert "development key" not in command.stderr and "Warning" not in command.stderr
    serving = subprocess.run([sys.executable, "-c", "from bot import create_app; create_app(); create_app()"],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert serving.returncode == 0, serving.stderr
    notices = [line for line in serving.stderr.splitlines() if "development key" in line]
    assert notices == ["注意 notice: 开发模式 development: ANXIN_SECRET_KEY not set, using the development key "
                       "(production refuses it)"]
    assert ".py:" not in serving.stderr  # no source lines


def test_serving_an_unmigrated_database_stops_with_the_fix(tmp_path: Path) -> None:
    from config import settings_for_tests

    with pytest.raises(ConfigError, match=r"is at schema empty but this code needs .*flask --app bot db upgrade"):
        create_app(settings_for_tests(ANXIN_STARTUP_CHECK="on", ANXIN_DATABASE_URL=f"sqlite:///{tmp_path}/new.db"))


def test_serving_an_unreachable_database_stops_with_the_reason() -> None:
    from config import settings_for_tests

    url = "mysql+pymysql://anxin:secret@127.0.0.1:9/anxin?charset=utf8mb4"
    with pytest.raises(ConfigError, match=r"cannot connect to the database") as info:
        create_app(settings_for_tests(ANXIN_STARTUP_CHECK="on", ANXIN_DATABASE_URL=url))
    assert "secret" not in str(info.value)


def test_serving_a_migrated_database_starts(database_url: str) -> None:
    from config import settings_for_tests

    app = create_app(settings_for_tests(ANXIN_STARTUP_CHECK="on", ANXIN_DATABASE_URL=database_url))
    assert app.test_client().get("/healthz").get_json()["ok"] is True
    app.extensions["anxin_db"].engine.dispose()


# Speech recognition of voice messages (Tencent Cloud): an operator's real key, from the account's API keys page.
ASR = {"ANXIN_ASR_PROVIDER": "tencent", "ANXIN_TENCENTCLOUD_SECRET_ID": "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
       "ANXIN_TENCENTCLOUD_SECRET_KEY": "Gu5t9xGARNpq86cd98joQYCN3EXAMPLEkey"}


def test_speech_recognition_uses_tencent_s_api_in_production_and_the_app_s_own_stand_in_in_development() -> None:
    assert load_config(environ={**REAL, **ASR})["ANXIN_ASR_API_BASE"] == "https://asr.tencentcloudapi.com"
    development = load_config(environ={"ANXIN_ASR_PROVIDER": "tencent", "PORT": "5050"})
    assert development["ANXIN_ASR_API_BASE"] == "http://127.0.0.1:5050"
    assert development["ANXIN_TENCENTCLOUD_SECRET_ID"] and development["ANXIN_TENCENTCLOUD_SECRET_KEY"]
    assert load_config(environ={})["ANXIN_TENCENTCLOUD_SECRET_ID"] == ""  # no provider: no key made up


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"ANXIN_ASR_API_BASE": "http://asr.tencentcloudapi.com"}, "is a local stand-in for Tencent Cloud"),
        ({"ANXIN_ASR_API_BASE": "https://127.0.0.1:5000"}, "is a local stand-in for Tencent Cloud"),
        ({"ANXIN_ASR_API_BASE": "https://localhost"}, "is a local stand-in for Tencent Cloud"),
        ({"ANXIN_TENCENTCLOUD_SECRET_KEY": ""}, "ANXIN_ASR_PROVIDER=tencent needs ANXIN_TENCENTCLOUD_SECRET_ID and"),
        ({"ANXIN_TENCENTCLOUD_SECRET_ID": "", "ANXIN_TENCENTCLOUD_SECRET_KEY": ""}, "needs ANXIN_TENCENTCLOUD_SECRET"),
        ({"ANXIN_TENCENTCLOUD_SECRET_ID": "AKIDanxin-development-only"}, "the development stand-ins' key"),
        ({"ANXIN_ASR_PROVIDER": "aliyun"}, "must be 'tencent' or unset"),
    ],
)
def test_production_refuses_a_speech_recognition_stand_in_or_a_provider_without_its_key(
        env: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        load_config(environ={**REAL, **ASR, **env})
