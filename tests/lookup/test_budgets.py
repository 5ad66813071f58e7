"""Issue 36.4: whoever spends the look-up budget slows guessers, not the employers at the door.

Before, every look-up counted against one platform-wide total (ANXIN_LOOKUP_LIMIT_TOTAL): an attacker
who spent it with random codes from many openids and addresses locked out every employer. Now that
setting budgets FAILED look-ups only, and a badge looked up far more than usual is reported to its agency.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.lookup.codes import format_code, generate_code
from bot.lookup.profile import PAUSED, RATE_LIMITED, REFUSAL_TEXT
from bot.models import Notification, RateCounter
from tests.support.agency import add_worker, publish, supervisor_code
from tests.support.chat import Chat
from tests.support.factories import make_agency

FAILED_TOTAL, FAILED_USER, FAILED_ADDRESS, ALERT_VIEWS = 12, 3, 4, 5


@pytest.fixture
def app_settings(app_settings: dict[str, object]) -> dict[str, object]:
    return {**app_settings, "ANXIN_LOOKUP_LIMIT_TOTAL": FAILED_TOTAL, "ANXIN_LOOKUP_FAILED_USER": FAILED_USER,
            "ANXIN_LOOKUP_FAILED_ADDRESS": FAILED_ADDRESS, "ANXIN_LOOKUP_ALERT_VIEWS": ALERT_VIEWS}


@pytest.fixture
def key(session) -> str:
    return make_agency(session, "宁波甬城家政")[1]


def _web(client: FlaskClient, path: str, address: str):
    return client.get(path, environ_base={"REMOTE_ADDR": address})


def _unknown_code() -> str:
    """A well-formed code (its check symbol right) that no badge has: what a guesser sends."""
    return format_code(generate_code())


def test_burning_the_failed_budget_does_not_lock_out_employers(app: Flask, client: FlaskClient, key: str,
                                                               session) -> None:
    code = publish(client, key, add_worker(client, key))
    chat = Chat(client)
    # The attacker: random codes, each from a fresh openid or a fresh address, so no per-user limit applies.
    answers = []
    for n in range(FAILED_TOTAL + 4):
        guess = _unknown_code()
        if n % 2:
            answers.append(_web(client, f"/b/{guess}", f"203.0.113.{n}").status_code)
        else:
            answers.append(chat.say(f"o-attacker-{n}", guess))
    assert all(a == 404 or "不存在" in str(a) for a in answers[:FAILED_TOTAL]), answers
    late = answers[FAILED_TOTAL:]
    assert all(a == 429 or (isinstance(a, str) and "稍后再试" in a) for a in late), late
    # A legitimate employer at the door: the real badge is still shown, in chat and on the web page.
    assert "绿码" in chat.say("o-employer", code)
    page = _web(client, f"/b/{code}", "198.51.100.20")
    assert page.status_code == 200 and "伍*芳" in page.get_data(as_text=True)
    assert _web(client, f"/b/{code}/photo", "198.51.100.20").status_code == 200
    # ... while an unknown code waits, with a reason that is not "you asked too often".
    typo = _unknown_code()
    assert chat.say("o-employer", typo) == REFUSAL_TEXT[PAUSED].format(code=typo)
    session.rollback()
    assert session.scalar(select(RateCounter.key).where(RateCounter.key == "lookup:total")) is None


def test_a_guesser_past_its_own_failed_budget_waits_for_every_code(app: Flask, client: FlaskClient, key: str) -> None:
    code = publish(client, key, add_worker(client, key))
    chat = Chat(client)
    assert all("不存在" in chat.say("o-guesser", _unknown_code()) for _ in range(FAILED_USER))
    assert chat.say("o-guesser", _unknown_code()) == REFUSAL_TEXT[RATE_LIMITED]
    # A real code too: past its failed budget, the guesser learns nothing more in this window.
    assert chat.say("o-guesser", code) == REFUSAL_TEXT[RATE_LIMITED]
    assert "绿码" in chat.say("o-someone-else", code)
    # The same per address (web page and photo share it); a mistyped code is a failure as well.
    mistyped = code[:-1] + ("0" if code[-1] != "0" else "1")
    statuses = [_web(client, f"/b/{mistyped}", "203.0.113.99").status_code for _ in range(FAILED_ADDRESS)]
    assert statuses == [400] * FAILED_ADDRESS
    assert _web(client, f"/b/{code}", "203.0.113.99").status_code == 429
    assert _web(client, f"/b/{code}", "203.0.113.100").status_code == 200


def test_a_badge_viewed_far_more_than_usual_is_reported_to_its_agency_once(app: Flask, client: FlaskClient, key: str,
                                                                          session) -> None:
    chat = Chat(client)
    assert "绑定成功" in chat.say("o-boss-lookup", f"绑定 {supervisor_code(client, key)}")
    code = publish(client, key, add_worker(client, key))

    def notices() -> list[Notification]:
        session.rollback()
        return list(session.scalars(select(Notification).where(Notification.kind == "lookup")))

    for n in range(ALERT_VIEWS):  # as often as usual: nothing
        assert "绿码" in chat.say(f"o-visitor-{n}", code)
    assert notices() == []
    assert _web(client, f"/b/{code}", "198.51.100.30").status_code == 200  # one more, on any surface
    for n in range(ALERT_VIEWS * 2):  # and many more: still one notice
        assert "绿码" in chat.say(f"o-visitor-more-{n}", code)
    [notice] = notices()
    assert notice.openid == "o-boss-lookup"
    assert format_code(code) in notice.text and "远多于平常" in notice.text and "伍*芳" in notice.text
    # Unknown codes are not badges: looking them up often reports nothing.
    assert len(notices()) == 1
