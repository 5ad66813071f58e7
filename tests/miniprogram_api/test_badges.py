"""``GET /mp/v1/badges/CODE``: the profile as JSON behind the mini-program login, and every refusal."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from bot.models import LookupLog
from bot.store.ratelimit import redis_client
from tests.fakes.wechat_api import WeChatApiFake
from tests.support.agency import TODAY, add_worker, auth, publish
from tests.support.backends import SETTINGS, TEST_REDIS_URL
from tests.support.factories import make_agency

REDIS_TEST_URL = TEST_REDIS_URL


@pytest.fixture
def key(session) -> str:
    return make_agency(session, "宁波甬城家政")[1]


@pytest.fixture
def token(client, wechat_fake: WeChatApiFake) -> str:
    wechat_fake.add_session("code-badge", openid="o-mp-employer", session_key="sk")
    return str(client.post("/mp/v1/login", json={"code": "code-badge"}).get_json()["token"])


def test_profile_json(client, session, key: str, token: str) -> None:
    code = publish(client, key, add_worker(client, key, name="伍秀芳", experience_years=8))
    res = client.get(f"/mp/v1/badges/{code[:5]}-{code[5:10]}-{code[10]}", headers=auth(token))
    assert res.status_code == 200
    data = res.get_json()
    assert data["code"] == f"{code[:5]}-{code[5:10]}-{code[10]}"
    assert data["status_light"] == "green" and data["anxin_certified"] is True
    assert data["name"] == "伍*芳" and data["gender"] == "female" and data["experience_years"] == 8
    assert data["agency"] == {"name": "宁波甬城家政"} and data["service_types"] == ["月嫂", "育婴师"]
    assert data["photo_url"] == f"{SETTINGS['ANXIN_PUBLIC_URL']}/b/{code}/photo"
    assert [v["kind"] for v in data["verifications"]] == ["identity", "health", "no_criminal_record", "training_exam",
                                                          "vocational_cert", "insurance"]
    assert data["verifications"][1]["checked_on"] == TODAY.isoformat()
    assert 1 <= data["credit"]["grade"] <= 5 and data["credit"]["reasons"]
    assert data["rating"] == {"average": None, "count": 0} and data["complaints"] == {"total": 0, "answered": 0}
    row = session.scalars(select(LookupLog)).one()
    assert (row.surface, row.openid, row.outcome, row.address) == ("mp", "o-mp-employer", "shown", "127.0.0.1")


def test_needs_a_login(client, key: str) -> None:
    code = publish(client, key, add_worker(client, key))
    assert client.get(f"/mp/v1/badges/{code}").status_code == 401
    assert client.get(f"/mp/v1/badges/{code}", headers=auth("forged")).status_code == 401


def test_refusals(client, key: str, token: str) -> None:
    unconsented = publish(client, key, add_worker(client, key), consent=False)
    revoked = publish(client, key, add_worker(client, key))
    client.delete(f"/admin/v1/badges/{revoked}", headers=auth(key))
    typo = unconsented[:10] + ("0" if unconsented[10] != "0" else "1")
    for code, status, error in [
        (typo, 400, "mistyped_code"),
        ("xyz", 400, "malformed_code"),
        ("00000-00001-Y", 404, "badge_not_found"),
        (revoked, 404, "badge_revoked"),
        (unconsented, 403, "not_consented"),
    ]:
        res = client.get(f"/mp/v1/badges/{code}", headers=auth(token))
        assert res.status_code == status, (code, res.get_json())
        assert res.get_json()["error"]["code"] == error


def test_rate_limited_is_429(app: Flask, client, key: str, token: str) -> None:
    code = publish(client, key, add_worker(client, key))
    app.config["ANXIN_LOOKUP_LIMIT_USER"] = 1
    assert client.get(f"/mp/v1/badges/{code}", headers=auth(token)).status_code == 200
    res = client.get(f"/mp/v1/badges/{code}", headers=auth(token))
    assert res.status_code == 429 and res.get_json()["error"]["code"] == "too_many_lookups"


@pytest.mark.xdist_group("redis")  # it empties Redis database 15: one worker at a time
def test_rate_limited_in_redis_when_configured(app: Flask, client, key: str, token: str) -> None:
    code = publish(client, key, add_worker(client, key))
    redis_client(REDIS_TEST_URL).flushdb()  # database 15 is the tests' own
    before = count_counters(app)  # e.g. the login's own count, made before Redis was configured
    app.config["ANXIN_REDIS_URL"] = REDIS_TEST_URL
    app.config["ANXIN_LOOKUP_LIMIT_ADDRESS"] = 2
    address = "198.51.100.7"
    codes = [client.get(f"/mp/v1/badges/{code}", headers=auth(token), environ_base={"REMOTE_ADDR": address}).status_code
             for _ in range(3)]
    assert codes == [200, 200, 429]
    assert count_counters(app) == before  # nothing more counted in the database


def count_counters(app: Flask) -> int:
    from tests.support.backends import count_rows

    return count_rows(app.extensions["anxin_db"].engine, "rate_counter")
