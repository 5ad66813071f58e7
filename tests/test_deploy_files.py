"""deploy/: the example environment names every setting, and the units run what the README says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from config import Config, ConfigError, load_config
from tests.support.factories import PRODUCTION

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def _example() -> dict[str, str]:
    pairs = {}
    for line in (DEPLOY / "env.example").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs[key] = value
    return pairs


def test_env_example_names_every_setting_config_reads() -> None:
    settings = {key for key in dir(Config) if key.startswith("ANXIN_")}
    missing = settings - set(_example())
    assert not missing, f"deploy/env.example does not name {sorted(missing)}"


def test_env_example_filled_in_is_a_valid_production_configuration() -> None:
    filled = {k: v for k, v in _example().items() if v}
    with pytest.raises(ConfigError, match="ANXIN_SECRET_KEY is not set"):
        load_config(environ=filled)  # as shipped: the secrets are still to be filled in
    filled.update({k: v for k, v in PRODUCTION.items() if k.startswith(("ANXIN_WECHAT", "ANXIN_MP", "ANXIN_SECRET",
                                                                       "ANXIN_DATA"))})
    settings = load_config(environ=filled)
    assert settings["ANXIN_ENV"] == "production" and settings["ANXIN_WECHAT_API_BASE"] == "https://api.weixin.qq.com"


def test_the_units_run_gunicorn_with_its_config_and_one_scheduler() -> None:
    web = (DEPLOY / "systemd" / "anxin-web.service").read_text(encoding="utf-8")
    scheduler = (DEPLOY / "systemd" / "anxin-scheduler.service").read_text(encoding="utf-8")
    assert re.search(r"^ExecStart=.*gunicorn --config /srv/anxin/deploy/gunicorn.conf.py \"bot:create_app\(\)\"$", web, re.M)
    assert re.search(r"^ExecStart=.*flask --app bot scheduler$", scheduler, re.M)
    for unit in (web, scheduler):
        assert "EnvironmentFile=/etc/anxin/env" in unit and "User=anxin" in unit
