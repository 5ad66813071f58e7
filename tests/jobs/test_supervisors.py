"""Agency supervisors: a single-use code from the admin API, bound in chat; diary flags reach them once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bot.agency.codes import CODE_ALPHABET, CODE_LENGTH
from bot.jobs import run_job
from bot.models import DiaryFlag, Supervisor, SupervisorCode
from bot.store import background
from tests.fakes.wechat_api import WeChatApiFake
from tests.support.agency import auth, new_agency, supervisor_code
from tests.support.chat import Chat
from tests.support.diary import DAD, MOM, NURSE, bound_family, notifications, texts_to
from tests.support.sql_budget import statements

BOSS, OTHER = "o-boss-supervisor", "o-someone-else"


@pytest.fixture(autouse=True)
def _background_work_finishes() -> Iterator[None]:
    yield
    background.join_all()


def test_a_supervisor_code_binds_once_in_chat(app: Flask, client: FlaskClient, session) -> None:
    _, key = new_agency(app, "宁波甬城家政")
    code = supervisor_code(client, key)
    assert len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET)
    assert supervisor_code(client, key) != code  # a fresh one each time

    chat = Chat(client)
    reply = chat.say(BOSS, f"绑定 {code[:4].lower()}-{code[4:].lower()}")  # typed any way
    assert reply.startswith("绑定成功") and "身份：机构主管" in reply and "机构：宁波甬城家政" in reply
    assert "已被使用" in chat.say(OTHER, f"绑定 {code}")  # single use
    assert "绑定成功" in chat.say(BOSS, f"绑定 {code}")  # the same person again is harmless

    res = client.get("/admin/v1/supervisors", headers=auth(key))
    assert res.status_code == 200
    [listed] = res.get_json()["supervisors"]
    assert listed["openid"] == "o-bo****isor" and BOSS not in res.get_data(as_text=True)
    _, other_key = new_agency(app, "别家家政")
    assert client.get("/admin/v1/supervisors", headers=auth(other_key)).get_json() == {"supervisors": []}
    session.rollback()
    assert session.scalars(select(Supervisor.openid)).all() == [BOSS]


def test_bad_requests_write_nothing(app: Flask, client: FlaskClient, session) -> None:
    _, key = new_agency(app, "宁波安心家政服务有限公司")
    res = client.post("/admin/v1/supervisor-codes", json={"agency_id": 99}, headers=auth(key))
    assert res.status_code == 400 and res.get_json()["error"]["code"]
    res = client.post("/admin/v1/supervisor-codes", data="{not json", headers=auth(key))
    assert res.status_code == 400 and "message" in res.get_json()["error"]
    assert client.post("/admin/v1/supervisor-codes").status_code == 401
    assert client.get("/admin/v1/supervisors").status_code == 401
    session.rollback()
    assert session.scalar(select(func.count(SupervisorCode.id))) == 0
    assert "不存在" in Chat(client).say(OTHER, "绑定 ZZZZ2222")
    assert session.scalar(select(func.count(Supervisor.id))) == 0


def test_a_diary_flag_reaches_the_supervisor_and_the_parents_exactly_once(
    app: Flask, client: FlaskClient, wechat_fake: WeChatApiFake, session
) -> None:
    agency = new_agency(app, "宁波甬城家政")
    key = agency[1]
    bound_family(app, client, agency=agency)
    chat = Chat(client)
    assert "绑定成功" in chat.say(BOSS, f"绑定 {supervisor_code(client, key)}")
    _, other_key = new_agency(app, "别家家政")
    assert "绑定成功" in chat.say(OTHER, f"绑定 {supervisor_code(client, other_key)}")

    reply = chat.say(NURSE, "体温 38.5")
    assert "宝宝体温 38.5℃" in reply
    background.join_all()  # the message's delivery runs after the commit
    run_job(app, "deliver")  # and a sweep after it sends nothing again

    [to_boss] = texts_to(wechat_fake, BOSS)
    assert to_boss.startswith("【安心提醒·机构】王家（服务员 伍秀芳）") and "宝宝体温 38.5℃（≥38.0℃）" in to_boss
    for parent in (MOM, DAD):
        [notice] = texts_to(wechat_fake, parent, "宝宝体温 38.5℃")
        assert notice.startswith("【安心提醒】小米")
    assert wechat_fake.messages_to(OTHER) == []  # another agency's supervisor hears nothing
    flags = notifications(session, "flag")
    assert {n.openid for n in flags} == {BOSS, MOM, DAD}
    assert all(n.key.startswith("flag:") and n.key.endswith(n.openid) and n.status == "sent" for n in flags)


def test_several_flags_of_one_kind_in_a_message_queue_one_notice_each_and_take_nothing_back(
    app: Flask, client: FlaskClient, wechat_fake: WeChatApiFake, session
) -> None:
    """Three fevers in one message are three flags on the day, but each parent and the supervisor hear of a fever
    once: who is told is decided before the outbox is written, so nothing is queued and then deleted."""
    agency = new_agency(app, "宁波甬城家政")
    bound_family(app, client, agency=agency)
    chat = Chat(client)
    assert "绑定成功" in chat.say(BOSS, f"绑定 {supervisor_code(client, agency[1])}")
    background.join_all()

    with statements(app) as seen:
        reply = chat.say(NURSE, "体温 38.5\n体温 38.9\n体温 39.2")
    background.join_all()  # the message's delivery runs after the commit
    run_job(app, "deliver")

    assert all(f"宝宝体温 {c}℃" in reply for c in ("38.5", "38.9", "39.2")), reply
    session.rollback()
    assert [f.rule for f in session.scalars(select(DiaryFlag))] == ["fever"] * 3
    outbox = [s.lower() for s in seen if " notification" in s.lower()]
    assert not [s for s in outbox if s.startswith("delete")], outbox
    assert 1 <= len([s for s in outbox if s.startswith("insert into notification")]) <= 3, outbox
    flags = notifications(session, "flag")
    assert sorted(n.openid for n in flags) == sorted([BOSS, MOM, DAD])
    assert all(n.status == "sent" for n in flags)
    for parent in (MOM, DAD):
        [notice] = texts_to(wechat_fake, parent, "【安心提醒】")
        assert "宝宝体温 38.5℃" in notice  # the first of them
    [to_boss] = texts_to(wechat_fake, BOSS, "【安心提醒·机构】")
    assert "宝宝体温 38.5℃" in to_boss


def test_codes_expire_and_supervisors_can_be_removed(app: Flask, client: FlaskClient, session) -> None:
    import datetime as dt

    _, key = new_agency(app, "宁波甬城家政")
    old = supervisor_code(client, key)
    with app.extensions["anxin_db"].new_session() as s, s.begin():
        row = s.scalars(select(SupervisorCode).where(SupervisorCode.code == old)).one()
        row.created_at = row.created_at - dt.timedelta(days=8)
    chat = Chat(client)
    assert "已过期" in chat.say(BOSS, f"绑定 {old}")
    assert "绑定成功" in chat.say(BOSS, f"绑定 {supervisor_code(client, key)}")
    [listed] = client.get("/admin/v1/supervisors", headers=auth(key)).get_json()["supervisors"]
    _, other_key = new_agency(app, "别家家政")
    assert client.delete(f"/admin/v1/supervisors/{listed['id']}", headers=auth(other_key)).status_code == 404
    res = client.delete(f"/admin/v1/supervisors/{listed['id']}", headers=auth(key))
    assert res.status_code == 200 and res.get_json() == {"id": listed["id"], "removed": True}
    assert client.get("/admin/v1/supervisors", headers=auth(key)).get_json() == {"supervisors": []}
    assert client.delete(f"/admin/v1/supervisors/{listed['id']}", headers=auth(key)).status_code == 404


def test_a_removed_supervisor_gets_nothing_already_queued(app: Flask, client: FlaskClient, session) -> None:
    from bot.outbox.queue import enqueue

    _, key = new_agency(app, "宁波甬城家政")
    assert "绑定成功" in Chat(client).say(BOSS, f"绑定 {supervisor_code(client, key)}")
    with app.extensions["anxin_db"].new_session() as s, s.begin():
        enqueue(s, key=f"expiry:1:30:{BOSS}", openid=BOSS, kind="expiry", text="健康证将于30天后到期")
    [listed] = client.get("/admin/v1/supervisors", headers=auth(key)).get_json()["supervisors"]
    assert client.delete(f"/admin/v1/supervisors/{listed['id']}", headers=auth(key)).status_code == 200
    assert run_job(app, "deliver").detail == {"sent": 0, "retry": 0, "failed": 0}
    session.rollback()
    [note] = notifications(session, "expiry")
    assert (note.status, note.last_error) == ("failed", "supervisor removed")
