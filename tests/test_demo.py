"""``flask --app bot seed-demo``: demo data a new user can try at once, loaded through the domain functions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from bot import create_app
from bot.ops.demo import demo_key
from config import DEV_SECRET_KEY, load_config
from tests.support.chat import Chat
from tests.support.factories import PRODUCTION


def test_seed_demo_gives_codes_that_work_and_can_run_again(app: Flask, runner, client: FlaskClient) -> None:
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "演示数据已创建" in first.output
    key = first.output.strip().splitlines()[-1]
    assert client.get("/admin/v1/agency", headers={"Authorization": f"Bearer {key}"}).get_json()["name"] == "安心示范家政服务中心"
    codes = re.findall(r"[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]", first.output)
    assert len(codes) >= 3

    chat = Chat(client)
    green = chat.say("demo-visitor", codes[0])
    assert "绿码" in green and "伍*芳" in green and "安心服务证" in green
    assert "黄码" in chat.say("demo-visitor", codes[1])  # her health certificate ran out ten days ago
    assert "尚未授权" in chat.say("demo-visitor", codes[2])  # no consent on record
    yesterday = chat.say("demo-parent", "昨天")
    assert "喂奶 8 次，共 720ml" in yesterday and "★★★★★" in yesterday
    assert "已记录 1 条" in chat.say("demo-nurse", "喂奶 95ml")  # no time given: it happened now
    assert "喂奶 95ml" in chat.say("demo-parent", "今天")

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "演示数据已存在" in again.output
    assert re.findall(r"[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]", again.output)[:3] == codes[:3]
    assert again.output.strip().splitlines()[-1] == key  # the key is kept: what a user copied still works
    assert client.get("/admin/v1/agency", headers={"Authorization": f"Bearer {key}"}).status_code == 200

    rotated = runner.invoke(args=["seed-demo", "--rotate-key"])
    new_key = rotated.output.strip().splitlines()[-1]
    assert "旧密钥已失效" in rotated.output and new_key != key
    assert client.get("/admin/v1/agency", headers={"Authorization": f"Bearer {new_key}"}).status_code == 200
    assert client.get("/admin/v1/agency", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    later = runner.invoke(args=["seed-demo"])
    assert "密钥未变" in later.output and new_key not in later.output  # shown once, as a rotated key is
    assert client.get("/admin/v1/agency", headers={"Authorization": f"Bearer {new_key}"}).status_code == 200


README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_examples_are_the_demo_codes(app: Flask, runner: FlaskCliRunner, client: FlaskClient) -> None:
    output = runner.invoke(args=["seed-demo"]).output
    readme = README.read_text(encoding="utf-8")
    first_conversation = readme[readme.index("## A first conversation"):readme.index("## Configuration")]
    for code in ("ANX1N-DEM01-4", "ANX1N-DEM02-2", "ANX1N-DEM03-0", "DEMFAM26"):
        assert code in output
    for code in re.findall(r"\b[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]\b|\bDEM[A-Z0-9]{5}\b", first_conversation):
        assert code in output, f"the README's {code} is not in the demo"
    key = output.strip().splitlines()[-1]
    assert key == demo_key(app.config["ANXIN_SECRET_KEY"])
    assert demo_key(DEV_SECRET_KEY) in first_conversation  # the key a laptop on the development key gets
    chat = Chat(client)
    assert "绑定成功" in chat.say("new-grandma", "绑定 DEMFAM26")
    assert "绿码" in chat.say("demo-visitor", "anx1n dem01 4")


def test_links_use_the_port_the_server_runs_on(app: Flask, app_settings: dict[str, object]) -> None:
    # ``app``: the database is emptied after this test too, so no demo outlives it
    env = {"PORT": "5077"}
    settings = load_config({**app_settings, "ANXIN_PUBLIC_URL": ""}, environ=env)
    demo_app = create_app(settings)
    try:
        output = demo_app.test_cli_runner().invoke(args=["seed-demo"]).output
    finally:
        demo_app.extensions["anxin_db"].engine.dispose()
    assert "http://127.0.0.1:5077/b/ANX1NDEM014" in output
    assert "--url http://127.0.0.1:5077" in output


def test_seed_demo_refuses_production(app: Flask, app_settings: dict[str, object]) -> None:
    prod = create_app({**app_settings, **PRODUCTION})
    try:
        result = prod.test_cli_runner().invoke(args=["seed-demo"])
    finally:
        prod.extensions["anxin_db"].engine.dispose()
    assert result.exit_code != 0 and "seed-demo is for development" in result.output


def test_the_demo_console_account_signs_in_and_keeps_its_password(app: Flask, runner: FlaskCliRunner) -> None:
    import re

    from bot.agency.staff import authenticate
    from bot.core.clock import utcnow

    def printed_password(output: str) -> str | None:
        match = re.search(r"用户名 demo-admin\s+密码 (\S+)", output)
        return match[1] if match else None

    first = printed_password(runner.invoke(args=["seed-demo"]).output)
    assert first is not None
    assert printed_password(runner.invoke(args=["seed-demo"]).output) == first  # kept, and shown again
    with app.extensions["anxin_db"].new_session() as session:
        assert authenticate(session, "demo-admin", first, utcnow()).staff is not None
    rotated_output = runner.invoke(args=["seed-demo", "--rotate-password"]).output
    rotated = printed_password(rotated_output)
    assert rotated is not None and rotated != first
    later = runner.invoke(args=["seed-demo"]).output
    assert printed_password(later) is None and "密码未变" in later  # a rotated password is shown once
    with app.extensions["anxin_db"].new_session() as session:
        assert authenticate(session, "demo-admin", rotated, utcnow()).staff is not None
        assert authenticate(session, "demo-admin", first, utcnow()).staff is None


def test_production_refuses_a_database_seeded_in_development_until_the_demo_is_removed(
        app: Flask, app_settings: dict[str, object], runner: FlaskCliRunner) -> None:
    from sqlalchemy import func, select

    from bot.models import Agency, Engagement, Staff, Worker
    from config import ConfigError

    seeded = runner.invoke(args=["seed-demo"])
    assert seeded.exit_code == 0, seeded.output
    demo_api_key = seeded.output.strip().splitlines()[-1]
    assert app.test_client().get("/admin/v1/workers", headers={"Authorization": f"Bearer {demo_api_key}"}).status_code == 200
    with app.extensions["anxin_db"].new_session() as session, session.begin():
        other = Agency(name="宁波真实家政", api_key_hash="x" * 64)
        session.add(other)

    settings = {**app_settings, **PRODUCTION}
    with pytest.raises(ConfigError, match=r"安心示范家政服务中心 and the demo console account demo-admin, whose "
                                          r"credentials are public: run `flask --app bot remove-demo` first"):
        create_app(settings)

    removed = runner.invoke(args=["remove-demo", "--yes"])
    assert removed.exit_code == 0 and "演示数据已删除" in removed.output, removed.output
    prod = create_app(settings)  # serves now
    try:
        client = prod.test_client()
        refused = client.get("/admin/v1/workers", headers={"Authorization": f"Bearer {demo_api_key}"})
        assert refused.status_code == 401
        with prod.extensions["anxin_db"].new_session() as session:
            assert session.scalar(select(func.count()).select_from(Staff).where(Staff.username == "demo-admin")) == 0
            assert session.scalar(select(func.count()).select_from(Engagement)) == 0
            assert session.scalar(select(func.count()).select_from(Worker)) == 0
            assert session.scalars(select(Agency.name)).all() == ["宁波真实家政"]  # nothing else touched
    finally:
        prod.extensions["anxin_db"].engine.dispose()
    assert "没有演示数据" in runner.invoke(args=["remove-demo", "--yes"]).output
