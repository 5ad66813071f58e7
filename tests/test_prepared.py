"""``bot.prepared``: the hot reads run on the session's cursor return what SQLAlchemy returns, value for value and
type for type, on SQLite and MariaDB; they see the session's unflushed work, are counted by the engine's listeners,
and fail as SQLAlchemy fails (a dropped connection invalidated, and replaced by the pool)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, exc, select, text
from sqlalchemy.orm import Session

from bot.diary import engagements, flags
from bot.lookup import credit, profile
from bot.models import Baby, Binding, Complaint, DiaryEntry, Engagement, Rating, Verification
from bot.prepared import Prepared
from tests.diary_support import Chat, open_twins
from tests.registry_helpers import TODAY, publish, verify

NURSE, MOM = "o-prepared-nurse", "o-prepared-mom"


def _as_sqlalchemy_reads(session: Session, prepared: Prepared, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    session.flush()
    return [tuple(row) for row in session.connection().execute(prepared.statement, params).all()]


def _same(ours: list[tuple[Any, ...]], theirs: list[tuple[Any, ...]]) -> None:
    assert ours == theirs
    for mine, its in zip(ours, theirs, strict=True):
        assert [type(v) for v in mine] == [type(v) for v in its], (mine, its)
        for a, b in zip(mine, its, strict=True):
            if isinstance(a, dt.datetime):
                assert a.tzinfo == b.tzinfo == dt.UTC, (a, b)


@pytest.fixture
def family(app: Flask, client: FlaskClient) -> dict[str, Any]:
    """Twins with a nurse and a parent bound, feeds and nappies of both, and the nurse's badge with a record."""
    chat = Chat(client)
    fam = open_twins(app, client)
    assert "绑定成功" in chat.say(NURSE, f"绑定 {fam.nurse_code}")
    assert "绑定成功" in chat.say(MOM, f"绑定 {fam.family_code}")
    for line in ("小豆苗 喂奶 90ml", "小豆芽 喂奶 60ml", "小豆苗 换尿布 小便", "小豆芽 母乳 左 15分钟"):
        assert f"【{line.split()[0]}】" in chat.say(NURSE, line)
    verify(client, fam.key, fam.worker_id, "health", status="failed", document_no="DOC-H-2")
    code = publish(client, fam.key, fam.worker_id)
    with app.extensions["anxin_db"].new_session() as s:
        for day, stars in enumerate((5, 4, 4)):
            s.add(Rating(engagement_id=fam.engagement_id, day=TODAY - dt.timedelta(days=day), stars=stars,
                         rated_by=MOM, comment="很细心"))
        s.add(Complaint(agency_id=fam.agency_id, worker_id=fam.worker_id, engagement_id=fam.engagement_id,
                        openid=MOM, text="迟到"))
        s.commit()
        baby_id = s.scalars(select(Baby.id).where(Baby.engagement_id == fam.engagement_id)
                            .order_by(Baby.position)).first()
    return {"fam": fam, "code": code, "baby_id": baby_id}


def test_every_prepared_read_returns_what_sqlalchemy_returns(app: Flask, family: dict[str, Any]) -> None:
    fam = family["fam"]
    now = dt.datetime.now(dt.UTC)
    timeline = {"engagement_id": fam.engagement_id, "kind": "feeding", "low": now - dt.timedelta(days=2),
                "high": now + dt.timedelta(hours=1)}
    reads: list[tuple[Prepared, dict[str, Any], int]] = [
        (engagements._CURRENT_BINDING, {"openid": NURSE}, 2),  # one row a baby
        (engagements._CURRENT_BINDING, {"openid": MOM}, 2),
        (engagements._CURRENT_BINDING, {"openid": "o-nobody"}, 0),
        (engagements._BINDING_IN, {"engagement_id": fam.engagement_id, "openid": NURSE}, 2),
        (flags._TIMELINE, timeline, 3),
        (flags._BABY_TIMELINE, {**timeline, "baby_id": family["baby_id"]}, 1),
        (profile._BADGE_HOLDER, {"code": family["code"], "today": TODAY}, 1),
        (profile._BADGE_HOLDER, {"code": "NOSUCHCODE1", "today": TODAY}, 0),
        (credit._CHECKS_OF, {"worker_id": fam.worker_id}, 7),  # six checks and the failed health check
    ]
    with app.extensions["anxin_db"].new_session() as session:
        for prepared, params, expected in reads:
            ours = prepared.rows(session, params)
            assert len(ours) == expected, (prepared.statement, ours)
            _same(ours, _as_sqlalchemy_reads(session, prepared, params))
        badge = profile._BADGE_HOLDER.rows(session, {"code": family["code"], "today": TODAY})[0]
        # The record's six values as the profile reads them: 4.3 stars of 3, 1 engagement, 1 complaint, a photo.
        assert credit.read_record(badge[13:])[0].average == 4.3
        assert credit.read_record(badge[13:])[2].total == 1 and credit.read_record(badge[13:])[3] is True
        timeline_rows = flags._TIMELINE.rows(session, timeline)
        assert all(isinstance(row[2], dict) for row in timeline_rows)  # the entry's fields, decoded JSON
        assert sorted(row[2].get("amount_ml") for row in timeline_rows if "amount_ml" in row[2]) == [60, 90]


def test_a_prepared_read_sees_what_the_session_has_not_flushed(app: Flask, family: dict[str, Any]) -> None:
    fam = family["fam"]
    with app.extensions["anxin_db"].new_session() as session:
        session.add(Verification(worker_id=fam.worker_id, kind="cert", status="pending", checked_on=TODAY))
        rows = credit._CHECKS_OF.rows(session, {"worker_id": fam.worker_id})
        assert rows[-1][:2] == ("cert", "pending")
        session.rollback()


def test_the_engines_listeners_see_every_prepared_read(app: Flask, family: dict[str, Any]) -> None:
    engine = app.extensions["anxin_db"].engine
    seen: list[tuple[str, str]] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(("before", statement.split()[0]))

    def after(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(("after", statement.split()[0]))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        with app.extensions["anxin_db"].new_session() as session:
            engagements._CURRENT_BINDING.rows(session, {"openid": NURSE})
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    # (SQLite's session begins with BEGIN IMMEDIATE, on the same listeners.)
    assert [step for step in seen if step[1] != "BEGIN"] == [("before", "SELECT"), ("after", "SELECT")]


def test_a_prepared_read_fails_as_sqlalchemy_fails(app: Flask, family: dict[str, Any]) -> None:
    broken = Prepared(select(Engagement.id).where(Engagement.id == text(":engagement_id + missing_column")))
    with app.extensions["anxin_db"].new_session() as session:
        with pytest.raises(exc.DBAPIError) as raised:
            broken.rows(session, {"engagement_id": 1})
        assert isinstance(raised.value, exc.OperationalError | exc.ProgrammingError)
        assert "missing_column" in str(raised.value)
        assert not raised.value.connection_invalidated
        session.rollback()
        # The session goes on, on the same connection.
        assert engagements._CURRENT_BINDING.rows(session, {"openid": NURSE})


def test_a_connection_the_server_dropped_is_invalidated_and_the_next_session_gets_a_new_one(
        app: Flask, family: dict[str, Any]) -> None:
    engine = app.extensions["anxin_db"].engine
    if engine.dialect.name == "sqlite":
        pytest.skip("a SQLite file has no server to drop the connection")
    with app.extensions["anxin_db"].new_session() as session:
        connection_id = session.connection().exec_driver_sql("SELECT CONNECTION_ID()").scalar()
        with engine.connect() as other:
            other.exec_driver_sql(f"KILL {int(connection_id)}")
        with pytest.raises(exc.OperationalError) as raised:
            engagements._CURRENT_BINDING.rows(session, {"openid": NURSE})
        assert raised.value.connection_invalidated
        session.rollback()
    with app.extensions["anxin_db"].new_session() as session:
        rows = engagements._CURRENT_BINDING.rows(session, {"openid": NURSE})
        assert [row[13] for row in rows] == [1, 2]  # both babies, on a fresh connection
        assert session.scalar(select(Binding.role).where(Binding.openid == NURSE)) == "nurse"


def test_a_diary_entry_written_in_chat_is_read_back_by_the_day_view(app: Flask, client: FlaskClient,
                                                                     family: dict[str, Any]) -> None:
    """End to end: the timeline and binding reads serve the chat as before (the parent sees the nurse's line)."""
    chat = Chat(client)
    assert "36.6" in chat.say(NURSE, "小豆苗 体温 36.6")
    assert "36.6" in chat.say(MOM, "今天")
    with app.extensions["anxin_db"].new_session() as session:
        assert session.scalar(select(DiaryEntry.kind).where(DiaryEntry.text.contains("36.6"))) == "temperature"
