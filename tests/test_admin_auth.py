"""Agencies and their API keys: ``create-agency`` and ``Authorization: Bearer``."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import Agency


def test_create_agency_prints_the_key_last(runner, session) -> None:
    result = runner.invoke(args=["create-agency", "宁波安心家政"])
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("ak_") and len(key) > 40
    agency = session.scalars(select(Agency)).one()
    assert agency.name == "宁波安心家政"
    assert key not in agency.api_key_hash  # only a hash is kept


def test_create_agency_refuses_an_empty_name(runner, session) -> None:
    result = runner.invoke(args=["create-agency", "  "])
    assert result.exit_code == 1
    assert "机构名称不能为空" in result.output
    assert session.scalars(select(Agency)).all() == []


def test_admin_api_needs_a_valid_key(client, runner) -> None:
    res = client.get("/admin/v1/agency")
    assert res.status_code == 401
    assert res.get_json()["error"]["code"] == "no_token"
    res = client.get("/admin/v1/agency", headers={"Authorization": "Bearer ak_wrong"})
    assert res.status_code == 401
    assert res.get_json()["error"]["code"] == "bad_token"
    key = runner.invoke(args=["create-agency", "哈尔滨龙江家政"]).output.strip().splitlines()[-1]
    res = client.get("/admin/v1/agency", headers={"Authorization": f"Bearer {key}"})
    assert res.status_code == 200
    assert res.get_json()["name"] == "哈尔滨龙江家政"


def test_ids_beyond_the_database_range_are_404_not_a_crash(client, runner) -> None:
    key = runner.invoke(args=["create-agency", "测试家政"]).output.strip().splitlines()[-1]
    for path in ("/admin/v1/workers/9223372036854775808", "/admin/v1/workers/0", "/admin/v1/workers/-1"):
        res = client.get(path, headers={"Authorization": f"Bearer {key}"})
        assert res.status_code == 404, path
        assert res.get_json()["error"]["code"] == "not_found"
