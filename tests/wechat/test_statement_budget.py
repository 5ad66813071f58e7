"""The chat hot paths stay within their statement budgets (issue 13): a nurse's line ≤ 8, a parent's 今天 ≤ 5.

What each may issue, at most: the binding (with engagement and babies, once), the message's own row
(de-duplication and replay record in one INSERT), and the work itself. A regression that re-reads the
binding, writes the chat user on every message or adds a savepoint shows here with the statements listed.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.agency import add_worker, publish
from tests.support.chat import Chat, bound_family, open_twins
from tests.support.factories import make_agency
from tests.support.sql_budget import count, round_trips

NURSE, MOM = "o-budget-nurse", "o-budget-mom"


def test_a_nurse_line_costs_at_most_eight_statements(app: Flask, client: FlaskClient) -> None:
    chat = Chat(client)
    bound_family(app, client, chat, NURSE, MOM)
    chat.say(NURSE, "喂奶 90ml")  # warm: the first message of a process may load more
    seen = count(app, lambda: chat.say(NURSE, "换尿布 小便"))
    assert len(seen) <= 8, "\n".join(seen)
    assert sum("insert into diary_entry" in s.lower() for s in seen) == 1
    assert not any("chat_user" in s.lower() for s in seen), "an ordinary message writes no chat_user row"


def test_a_twin_familys_lines_read_the_binding_and_both_babies_in_one_statement(app: Flask, client: FlaskClient) -> None:
    chat = Chat(client)
    fam = open_twins(app, client)
    assert "绑定成功" in chat.say(NURSE, f"绑定 {fam.nurse_code}")
    chat.say(NURSE, "大宝 喂奶 90ml")  # warm
    replies: list[str] = []
    seen = count(app, lambda: replies.append(chat.say(NURSE, "小豆苗 体温 36.8\n小豆芽 体温 36.9\n妈妈 体温 36.6")))
    # Both babies came with the binding, in birth order: each line went to its own baby, with no read of its own.
    assert "【小豆苗】体温 36.8℃" in replies[0] and "【小豆芽】体温 36.9℃" in replies[0], replies[0]
    # Temperatures read no timeline: the binding (with the engagement and babies), the three lines, the message's
    # row. On MariaDB the lines are one INSERT whose ids come back with it; SQLite's RETURNING keeps no order, so
    # SQLAlchemy inserts its rows one at a time (in process: no round trips).
    lines = 1 if app.extensions["anxin_db"].engine.dialect.name != "sqlite" else 3
    assert [s.split()[0].lower() for s in seen] == ["select"] + ["insert"] * (lines + 1), "\n".join(seen)
    assert all("insert into diary_entry" in s.lower() for s in seen[1:-1]), "\n".join(seen)


def test_a_flag_raised_mid_message_reads_the_babies_and_the_engagement_no_second_time(app: Flask,
                                                                                      client: FlaskClient) -> None:
    """The binding is read once as the message comes in, with its engagement, babies, agency and worker; the
    handler, the parser, the flag rules and the notices take them from the message's context, never read again."""
    chat = Chat(client)
    fam = open_twins(app, client)
    assert "绑定成功" in chat.say(NURSE, f"绑定 {fam.nurse_code}")
    assert "绑定成功" in chat.say(MOM, f"绑定 {fam.family_code}")
    chat.say(NURSE, "大宝 喂奶 90ml")  # warm
    replies: list[str] = []
    seen = count(app, lambda: replies.append(chat.say(NURSE, "小豆苗 体温 38.5\n小豆芽 体温 36.9")))
    assert "【小豆苗】体温 38.5℃" in replies[0] and "【小豆芽】体温 36.9℃" in replies[0], replies[0]
    assert "已告知家人" in replies[0], replies[0]
    assert any(s.lower().startswith("insert into diary_flag") for s in seen), "\n".join(seen)
    assert seen[0].lower().startswith("select binding.id"), "\n".join(seen)
    rereads = [s for s in seen[1:] if any(f" from {table}" in s.lower() for table in ("baby", "engagement", "agency",
                                                                                       "worker"))
               or s.lower().startswith("select binding.role")]
    assert not rereads, "\n".join(seen)
    assert "38.5" in chat.say(MOM, "今天")


def test_a_parents_today_costs_at_most_five_statements(app: Flask, client: FlaskClient) -> None:
    chat = Chat(client)
    bound_family(app, client, chat, NURSE, MOM)
    for line in ("喂奶 90ml", "换尿布 小便", "体温 36.8"):  # now: the day the parent asks about, at any hour
        chat.say(NURSE, line)
    replies: list[str] = []
    seen = count(app, lambda: replies.append(chat.say(MOM, "今天")))
    assert "喂奶" in replies[0] and "36.8" in replies[0]
    assert len(seen) <= 5, "\n".join(seen)
    assert not any(s.lower().startswith(("savepoint", "update")) for s in seen), "\n".join(seen)


def test_a_read_only_reply_is_not_stored_but_a_write_reply_is(app: Flask, client: FlaskClient, session) -> None:
    from sqlalchemy import select

    from bot.models import InboundMessage

    chat = Chat(client)
    bound_family(app, client, chat, NURSE, MOM)
    chat.say(NURSE, "喂奶 90ml", msg_id=880001)
    chat.say(MOM, "今天", msg_id=880002)
    rows = dict(session.execute(select(InboundMessage.dedup_key, InboundMessage.handler)).all())
    stored = dict(session.execute(select(InboundMessage.handler, InboundMessage.reply)).all())
    assert rows["msg:880001"] == "diary_lines" and "已记录" in stored["diary_lines"]
    assert rows["msg:880002"] == "today" and stored["today"] is None


def test_on_mariadb_a_message_costs_a_round_trip_a_statement_and_one_commit(app: Flask, client: FlaskClient) -> None:
    """The message's row is its transaction's last statement, and the COMMIT follows it as a query of its own
    (connections run one statement a query): a nurse's line and a parent's 今天 each take one round trip a
    statement and one for the COMMIT, nothing more."""
    if app.extensions["anxin_db"].engine.dialect.name == "sqlite":
        pytest.skip("round trips are MariaDB's (SQLite runs in process)")
    chat = Chat(client)
    bound_family(app, client, chat, NURSE, MOM)
    chat.say(NURSE, "喂奶 90ml")
    for who, line, answer in ((NURSE, "换尿布 小便", "已记录"), (MOM, "今天", "换尿布")):
        replies: list[str] = []
        with round_trips(app) as sent:
            seen = count(app, lambda: replies.append(chat.say(who, line)))  # noqa: B023 (called at once)
        assert answer in replies[0], replies
        assert sent == [*seen, "COMMIT"], sent
        assert sent[-2].startswith("INSERT INTO inbound_message"), sent
    # Committed: WeChat's retry of the same message gets the stored reply, and the line is in the day once.
    first, again = chat.say(NURSE, "换尿布 大便", msg_id=880010), chat.say(NURSE, "换尿布 大便", msg_id=880010)
    assert "已记录" in first and again == first
    assert chat.say(MOM, "今天").count("换尿布 大便") == 1


def test_on_mariadb_a_badge_code_commits_its_count_and_its_row_once_each(app: Flask, client: FlaskClient) -> None:
    """The look-up's counters commit on their own (a shared row must not stay locked), the message's row with the
    request: a round trip a statement and two COMMITs, nothing more."""
    if app.extensions["anxin_db"].engine.dialect.name == "sqlite":
        pytest.skip("round trips are MariaDB's (SQLite runs in process)")
    with app.extensions["anxin_db"].new_session() as session:
        key = make_agency(session, "宁波甬城家政")[1]
    code = publish(client, key, add_worker(client, key))
    chat = Chat(client)
    assert "绿码" in chat.say("o-budget-visitor", code)  # warm
    replies: list[str] = []
    with round_trips(app) as sent:
        seen = count(app, lambda: replies.append(chat.say("o-budget-visitor", code)))
    assert "绿码" in replies[0] and "伍*芳" in replies[0], replies[0]
    assert len(seen) <= 6, "\n".join(seen)
    assert [s for s in sent if s != "COMMIT"] == seen, sent
    commits = [i for i, s in enumerate(sent) if s == "COMMIT"]
    assert [sent[i - 1].split()[:3] for i in commits] == [["INSERT", "INTO", "rate_counter"],
                                                          ["INSERT", "INTO", "inbound_message"]], sent
    from sqlalchemy import select

    from bot.models import RateCounter

    with app.extensions["anxin_db"].new_session() as session:  # committed: another connection sees both hits
        assert session.scalar(select(RateCounter.count).where(RateCounter.key == "lookup:user:o-budget-visitor")) == 2
