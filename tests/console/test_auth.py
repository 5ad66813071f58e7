"""Signing in to the console under attack: parallel guessing, login names across agencies, revoked cookies,
and refusals that say nothing about which accounts exist."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from bot.agency.staff import MAX_FAILURES
from bot.core.clock import utcnow
from bot.models import Staff
from tests.support.console import PASSWORD, Console, make_staff, text
from tests.support.factories import make_agency

COOKIE = "anxin_console"
_ALERT = re.compile(r'<p class="problems" role="alert">([^<]*)</p>')
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def agency(session) -> int:
    return make_agency(session, "宁波甬城家政")[0].id


@pytest.fixture
def other_agency(session) -> int:
    return make_agency(session, "杭州钱塘家政")[0].id


def alert(res) -> str:
    found = _ALERT.search(text(res))
    assert found is not None, text(res)
    return found.group(1)


def staff_row(app: Flask, username: str) -> Staff:
    with app.extensions["anxin_db"].reader_session() as s:
        row: Staff | None = s.scalar(select(Staff).where(Staff.username == username))
        assert row is not None
        return row


def signed_in(app: Flask, cookie: str) -> bool:
    """Whether a browser presenting only this cookie value reaches the dashboard."""
    client = app.test_client()
    client.set_cookie(COOKIE, cookie, path="/console")
    res = client.get("/console/")
    assert res.status_code in (200, 302)
    return res.status_code == 200


def cookie_of(console: Console) -> str:
    cookie = console.client.get_cookie(COOKIE, path="/console")
    assert cookie is not None
    return cookie.value


# 1. The lockout counts in the database -----------------------------------------------------------------------

def _http_login(origin: str, login: str, password: str, start: threading.Barrier | None = None) -> requests.Response:
    browser = requests.Session()
    page = browser.get(f"{origin}/console/login", timeout=30)
    token = _CSRF.search(page.text)
    assert token is not None
    if start is not None:
        start.wait(timeout=30)
    return browser.post(f"{origin}/console/login", data={"csrf_token": token.group(1), "login": login,
                                                         "password": password}, allow_redirects=False, timeout=60)


def test_parallel_wrong_passwords_lock_the_account(app: Flask, live_server: str, agency: int) -> None:
    """Twelve wrong passwords at once (under the per-address limit of 20): none is lost, the account locks,
    and the right password is then refused like any other."""
    make_staff(app, agency, "clerk1", "clerk")
    attempts = 12
    start = threading.Barrier(attempts)
    answers: list[int] = []

    def guess(n: int) -> None:
        answers.append(_http_login(live_server, "clerk1", f"wrong-password-{n}", start).status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert answers == [401] * attempts
    row = staff_row(app, "clerk1")
    assert row.failed_logins >= MAX_FAILURES
    assert row.locked_until is not None and row.locked_until > utcnow() + dt.timedelta(minutes=14)
    right = _http_login(live_server, "clerk1", PASSWORD)
    assert right.status_code == 401 and "账号或密码不正确" in right.text
    assert staff_row(app, "clerk1").last_login_at is None


def test_a_lock_runs_out_and_the_count_starts_afresh(app: Flask, client: FlaskClient, agency: int) -> None:
    make_staff(app, agency, "clerk1", "clerk")
    console = Console(client)
    for _ in range(MAX_FAILURES):
        assert console.login("clerk1", "wrong-password!").status_code == 401
    assert console.login("clerk1").status_code == 401  # locked
    with app.extensions["anxin_db"].new_session() as s, s.begin():  # a quarter of an hour later
        s.execute(update(Staff).values(locked_until=utcnow() - dt.timedelta(seconds=1)))
    for _ in range(MAX_FAILURES - 1):
        assert console.login("clerk1", "wrong-password!").status_code == 401
    assert console.login("clerk1").status_code == 302
    row = staff_row(app, "clerk1")
    assert row.failed_logins == 0 and row.locked_until is None and row.last_login_at is not None


# 4. One answer for every refusal -----------------------------------------------------------------------------

def test_unknown_wrong_locked_and_switched_off_answer_alike(app: Flask, client: FlaskClient, agency: int) -> None:
    make_staff(app, agency, "clerk1", "clerk")
    make_staff(app, agency, "clerk2", "clerk")
    with app.extensions["anxin_db"].new_session() as s, s.begin():
        s.execute(update(Staff).where(Staff.username == "clerk2").values(active=False))
    console = Console(client)
    answers = [console.login("nobody", PASSWORD), console.login("clerk2", PASSWORD)]
    answers += [console.login("clerk1", "wrong-password!") for _ in range(MAX_FAILURES + 1)]  # the last ones: locked
    answers += [console.login("clerk1", PASSWORD)]  # locked, right password
    assert {res.status_code for res in answers} == {401}
    assert {alert(res) for res in answers} == {f"账号或密码不正确（连续输错{MAX_FAILURES}次，账号将锁定15分钟）"}
    assert {len(res.headers.getlist("Set-Cookie")) for res in answers} == {len(answers[0].headers.getlist("Set-Cookie"))}


# 2. Login names are unique across agencies -------------------------------------------------------------------

def test_a_phone_equal_to_another_agencys_username_is_refused(app: Flask, client: FlaskClient, agency: int,
                                                               other_agency: int, session) -> None:
    make_staff(app, agency, "13800138000", "admin")  # the victim signs in with an 11-digit username
    make_staff(app, other_agency, "boss2", "admin")
    attacker = Console(client)
    assert attacker.login("boss2").status_code == 302
    attacker.get("/console/staff")
    res = attacker.post("/console/staff", {"username": "shadow", "role": "clerk", "phone": "13800138000"})
    assert res.status_code == 400 and "该手机号已被其他账号用于登录" in text(res)
    session.rollback()
    assert session.scalar(select(Staff).where(Staff.username == "shadow")) is None
    assert Console(app.test_client()).login("13800138000").status_code == 302


def test_a_username_equal_to_another_agencys_phone_is_refused(app: Flask, client: FlaskClient, agency: int,
                                                               other_agency: int, session) -> None:
    make_staff(app, agency, "boss", "admin")
    owner = Console(client)
    assert owner.login("boss").status_code == 302
    owner.get("/console/staff")
    created = owner.post("/console/staff", {"username": "kefu1", "role": "supervisor", "phone": "13900139000"})
    password = re.search(r'class="password">([^<]+)<', text(created))
    assert created.status_code == 200 and password is not None
    make_staff(app, other_agency, "boss2", "admin")
    attacker = Console(app.test_client())
    assert attacker.login("boss2").status_code == 302
    attacker.get("/console/staff")
    res = attacker.post("/console/staff", {"username": "13900139000", "role": "clerk"})
    assert res.status_code == 400 and "用户名 13900139000 已是其他账号的登录手机号" in text(res)
    session.rollback()
    assert session.scalar(select(Staff).where(Staff.username == "13900139000")) is None
    assert Console(app.test_client()).login("13900139000", password.group(1)).status_code == 302
    # An account may still use its own number as both its username and its phone.
    mine = owner.post("/console/staff", {"username": "13700137000", "role": "clerk", "phone": "13700137000"})
    assert mine.status_code == 200 and "已创建账号" in text(mine)


def test_the_cli_refuses_a_phone_that_is_another_accounts_username(app: Flask, agency: int, other_agency: int,
                                                                   session) -> None:
    make_staff(app, agency, "13800138000", "admin")
    result = app.test_cli_runner().invoke(args=["create-staff", "shadow", "--agency", str(other_agency),
                                                "--role", "admin", "--phone", "13800138000"])
    assert result.exit_code != 0 and "该手机号已被其他账号用于登录" in result.output
    again = app.test_cli_runner().invoke(args=["create-staff", "13800138000", "--agency", str(other_agency),
                                               "--role", "admin"])
    assert again.exit_code != 0 and "已被使用" in again.output
    session.rollback()
    assert session.scalar(select(Staff).where(Staff.agency_id == other_agency)) is None
    assert Console(app.test_client()).login("13800138000").status_code == 302


# 3. Sessions end on the server -------------------------------------------------------------------------------

def test_logging_out_ends_every_copy_of_the_cookie(app: Flask, client: FlaskClient, agency: int) -> None:
    make_staff(app, agency, "boss", "admin")
    me, my_phone = Console(client), Console(app.test_client())
    assert me.login("boss").status_code == 302 and my_phone.login("boss").status_code == 302
    stolen, phone_cookie = cookie_of(me), cookie_of(my_phone)
    assert signed_in(app, stolen) and signed_in(app, phone_cookie)
    assert me.post("/console/logout").status_code == 302
    assert not signed_in(app, stolen) and not signed_in(app, phone_cookie)
    assert me.login("boss").status_code == 302 and signed_in(app, cookie_of(me))


def test_changing_the_password_ends_the_other_sessions(app: Flask, client: FlaskClient, agency: int) -> None:
    make_staff(app, agency, "boss", "admin")
    me, thief = Console(client), Console(app.test_client())
    assert me.login("boss").status_code == 302 and thief.login("boss").status_code == 302
    stolen, mine = cookie_of(thief), cookie_of(me)
    me.get("/console/password")
    wrong = me.post("/console/password", {"current": "not-my-password", "new": "a-new-password-1",
                                          "repeat": "a-new-password-1"})
    assert wrong.status_code == 400 and "当前密码不正确" in text(wrong) and signed_in(app, stolen)
    differ = me.post("/console/password", {"current": PASSWORD, "new": "a-new-password-1",
                                           "repeat": "a-new-password-2"})
    assert differ.status_code == 400 and "两次输入的新密码不一致" in text(differ)
    res = me.post("/console/password", {"current": PASSWORD, "new": "a-new-password-1", "repeat": "a-new-password-1"})
    assert res.status_code == 302
    assert not signed_in(app, stolen) and not signed_in(app, mine)
    assert "密码已修改" in text(me.get("/console/"))  # this browser carries on with a fresh cookie
    assert Console(app.test_client()).login("boss").status_code == 401
    assert Console(app.test_client()).login("boss", "a-new-password-1").status_code == 302


def test_a_role_change_ends_the_accounts_sessions(app: Flask, client: FlaskClient, agency: int) -> None:
    make_staff(app, agency, "boss", "admin")
    make_staff(app, agency, "kefu1", "supervisor")
    admin, colleague = Console(client), Console(app.test_client())
    assert admin.login("boss").status_code == 302 and colleague.login("kefu1").status_code == 302
    old = cookie_of(colleague)
    assert colleague.get("/console/flags").status_code == 200
    admin.get("/console/staff")
    kefu1 = staff_row(app, "kefu1")
    res = admin.post(f"/console/staff/{kefu1.id}/role", {"role": "clerk"})
    assert res.status_code == 302 and "角色已改为录入员" in text(admin.get(res.headers["Location"]))
    assert not signed_in(app, old)
    assert colleague.get("/console/flags").status_code == 302  # back to the login page
    assert colleague.login("kefu1").status_code == 302 and colleague.get("/console/flags").status_code == 403
    assert signed_in(app, cookie_of(admin))  # the admin's own session is untouched
    assert admin.post(f"/console/staff/{staff_row(app, 'boss').id}/role", {"role": "clerk"}).status_code == 409
    assert admin.post(f"/console/staff/{kefu1.id}/role", {"role": "root"}).status_code == 400
    assert staff_row(app, "kefu1").role == "clerk" and staff_row(app, "boss").role == "admin"


def test_switching_an_account_off_and_on_revives_no_old_cookie(app: Flask, client: FlaskClient, agency: int) -> None:
    make_staff(app, agency, "boss", "admin")
    make_staff(app, agency, "clerk1", "clerk")
    admin, colleague = Console(client), Console(app.test_client())
    assert admin.login("boss").status_code == 302 and colleague.login("clerk1").status_code == 302
    old = cookie_of(colleague)
    admin.get("/console/staff")
    clerk1 = staff_row(app, "clerk1").id
    assert admin.post(f"/console/staff/{clerk1}/active", {"active": "0"}).status_code == 302
    assert not signed_in(app, old)
    assert admin.post(f"/console/staff/{clerk1}/active", {"active": "1"}).status_code == 302
    assert not signed_in(app, old)
    assert colleague.login("clerk1").status_code == 302 and signed_in(app, cookie_of(colleague))


def test_a_cookie_from_before_the_epoch_is_refused(app: Flask, agency: int) -> None:
    """A cookie signed with the right key but of the old format (no epoch) no longer signs anyone in."""
    make_staff(app, agency, "boss", "admin")
    client = app.test_client()
    with client.session_transaction("/console/") as cookie_session:
        cookie_session["staff_id"] = staff_row(app, "boss").id
    assert client.get("/console/").status_code == 302
