"""The ``app`` fixture hands one app to test after test (``tests.support.apps``): each must find it as new."""

from __future__ import annotations

import datetime as dt

from bot.core.clock import utcnow
from tests.support.apps import Apps
from tests.support.backends import SETTINGS


def test_a_kept_app_comes_back_with_its_settings_extensions_and_stand_ins_as_new(app_settings) -> None:
    apps = Apps()
    app = apps.take(app_settings)
    client = app.extensions["anxin_wechat"]
    app.config["ANXIN_LOOKUP_LIMIT_USER"] = 1
    app.config["ANXIN_REDIS_URL"] = "redis://127.0.0.1:6379/9"
    app.extensions["anxin_clock"] = lambda: dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    app.extensions["anxin_standin"].add_media("m-1")
    assert app.test_client().get("/healthz").status_code == 200
    assert apps.give_back(app)

    again = apps.take(app_settings)
    assert again is app
    assert again.config["ANXIN_LOOKUP_LIMIT_USER"] == SETTINGS["ANXIN_LOOKUP_LIMIT_USER"]
    assert again.config["ANXIN_REDIS_URL"] is None
    assert again.extensions["anxin_clock"] is utcnow
    assert again.extensions["anxin_wechat"] is not client  # a new client: no access token kept in memory
    assert again.extensions["anxin_standin"].state.media == {}
    assert apps.give_back(again)
    apps.close()


def test_an_app_a_test_rewired_is_not_kept(app_settings) -> None:
    apps = Apps()
    app = apps.take(app_settings)
    app.before_request(lambda: None)
    assert not apps.give_back(app)
    app.extensions["anxin_db"].engine.dispose()
    other = apps.take(app_settings)
    assert other is not app
    assert apps.give_back(other)
    apps.close()


def test_other_settings_get_another_app(app_settings) -> None:
    apps = Apps()
    app = apps.take(app_settings)
    assert apps.take({**app_settings, "ANXIN_LOOKUP_LIMIT_USER": 2}) is not app
    apps.close()
