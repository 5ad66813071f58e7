"""SMS settings: production refuses a stand-in and a half-configured provider; development serves the stand-in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from bot import create_app
from bot.cloud.sms import send_sms
from config import REAL_SMS_API, ConfigError, load_config
from tests.fakes.sms_api import SMS_SETTINGS
from tests.support.backends import clear
from tests.support.factories import PRODUCTION
from tests.support.serving import free_port, serving

REAL = {key: str(value) for key, value in PRODUCTION.items()}


@pytest.mark.parametrize("base", ["http://sms.tencentcloudapi.com", "https://127.0.0.1:9000", "http://localhost:5000"])
def test_production_refuses_an_sms_stand_in(base: str) -> None:
    with pytest.raises(ConfigError, match="is a stand-in for Tencent Cloud SMS"):
        load_config(environ={**REAL, **SMS_SETTINGS, "ANXIN_SMS_API_BASE": base})


@pytest.mark.parametrize("missing", ["ANXIN_TENCENTCLOUD_SECRET_KEY", "ANXIN_SMS_SDK_APPID", "ANXIN_SMS_SIGN",
                                     "ANXIN_SMS_TEMPLATE_FLAG"])
def test_an_sms_provider_without_its_settings_is_refused(missing: str) -> None:
    with pytest.raises(ConfigError, match=f"ANXIN_SMS_PROVIDER=tencent needs {missing}"):
        load_config(environ={**REAL, **{k: v for k, v in SMS_SETTINGS.items() if k != missing}})
    with pytest.raises(ConfigError, match=missing):  # development too: a half-configured provider sends nothing
        load_config(environ={**{k: v for k, v in SMS_SETTINGS.items() if k != missing}})


def test_production_uses_the_real_api_and_no_provider_means_no_sms() -> None:
    settings = load_config(environ={**REAL, **SMS_SETTINGS})
    assert settings["ANXIN_SMS_API_BASE"] == REAL_SMS_API
    assert load_config(environ=REAL)["ANXIN_SMS_PROVIDER"] is None
    with pytest.raises(ConfigError, match="must be one of tencent"):
        load_config(environ={**REAL, **SMS_SETTINGS, "ANXIN_SMS_PROVIDER": "aliyun"})


@pytest.fixture
def laptop(app_settings: dict[str, object]) -> Iterator[tuple[Flask, str]]:
    """A development server whose SMS API is its own origin (as the default, http://127.0.0.1:PORT, is for `make run`)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app({**app_settings, "ANXIN_PUBLIC_URL": base, "ANXIN_SMS_API_BASE": base})
    with serving(app, port):
        yield app, base
    clear(app.extensions["anxin_db"].engine)
    app.extensions["anxin_db"].engine.dispose()


def test_a_development_server_answers_sendsms_itself(laptop: tuple[Flask, str]) -> None:
    app, base = laptop
    assert app.config["ANXIN_SMS_API_BASE"] == base
    send_sms(app.config, "13800138000", SMS_SETTINGS["ANXIN_SMS_TEMPLATE_FLAG"], ["体温38.6℃", "小米粒", "03:05", "Ab3dE5gH9k"])
    [sms] = app.extensions["anxin_sms_standin"].sent_to("13800138000")
    assert sms.text.endswith(f"{base}/d/Ab3dE5gH9k")
    assert app.test_client().get("/healthz").status_code == 200  # the app still answers everything else
