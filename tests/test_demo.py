"""``flask --app bot seed-demo``: demo data a new user can try at once, loaded through the domain functions."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.diary_support import Chat


def test_seed_demo_gives_codes_that_work_and_can_run_again(app: Flask, runner, client: FlaskClient) -> None:  # type: ignore[no-untyped-def]
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
    new_key = again.output.strip().splitlines()[-1]
    assert client.get("/admin/v1/agency", headers={"Authorization": f"Bearer {new_key}"}).status_code == 200
    assert client.get("/admin/v1/agency", headers={"Authorization": f"Bearer {key}"}).status_code == 401
