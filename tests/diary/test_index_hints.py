"""The hot reads of the diary ask MariaDB's optimizer about one index each, whatever the size of the diary.

``diary_entry`` has five indexes that start with ``engagement_id``. Left to itself, MariaDB's range optimizer
estimates the rows of every one of them by diving into it at both ends of the range before it settles on the
index the query was written for; on a big diary whose pages are not all in memory every dive is a disk read
(23 to 31 page reads for a cold day of 40 entries on 16 M of them, against 1 to 3 for the index itself). The
server's optimizer trace says which indexes it analysed for each statement the app sent: these tests read it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event

from bot.jobs import run_job
from bot.models.diary import BY_DAY, BY_KIND_AND_DAY
from tests.support.chat import Chat, bound_family
from tests.support.diary import bound_family as jobs_family
from tests.support.diary import local, write

NURSE, MOM = "o-hint-nurse", "o-hint-mom"


def _analysed(node: Any) -> Iterator[list[str]]:
    """Each range analysis in a trace: the indexes the optimizer estimated rows for."""
    if isinstance(node, dict):
        if "range_scan_alternatives" in node:
            yield [alt["index"] for alt in node["range_scan_alternatives"]]
        for value in node.values():
            yield from _analysed(value)
    elif isinstance(node, list):
        for value in node:
            yield from _analysed(value)


@pytest.fixture
def traced(app: Flask) -> Iterator[list[tuple[str, list[list[str]]]]]:
    """(statement, indexes analysed per range analysis) of every SELECT the app sends that reads diary_entry."""
    engine: Engine = app.extensions["anxin_db"].engine
    if engine.dialect.name == "sqlite":
        pytest.skip("the optimizer trace and index hints are MariaDB's")
    seen: list[tuple[str, list[list[str]]]] = []

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET SESSION optimizer_trace = 'enabled=on'")

    def after(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if not statement.lstrip().upper().startswith("SELECT") or "FROM diary_entry" not in statement:
            return
        with conn.connection.dbapi_connection.cursor() as trace_cursor:  # the results above are already read
            trace_cursor.execute("SELECT TRACE FROM information_schema.OPTIMIZER_TRACE")
            (trace,) = trace_cursor.fetchone()
        seen.append((" ".join(statement.split()), list(_analysed(json.loads(trace)))))

    engine.dispose()  # every connection from here on is traced
    event.listen(engine, "connect", on_connect)
    event.listen(engine, "after_cursor_execute", after)
    yield seen
    event.remove(engine, "after_cursor_execute", after)
    event.remove(engine, "connect", on_connect)
    engine.dispose()


def _only(seen: list[tuple[str, list[list[str]]]], marker: str) -> list[list[str]]:
    found = [analyses for statement, analyses in seen if marker in statement]
    assert found, f"no statement with {marker!r} among:\n" + "\n".join(s for s, _ in seen)
    return [indexes for analyses in found for indexes in analyses]


def test_the_day_view_and_the_flag_rules_weigh_one_index_each(app: Flask, client: FlaskClient,
                                                              traced: list[tuple[str, list[list[str]]]]) -> None:
    chat = Chat(client)
    bound_family(app, client, chat, NURSE, MOM)
    assert "已记录" in chat.say(NURSE, "喂奶 90ml\n换尿布 小便")  # a feed and a nappy read their kind's timeline
    assert "月子日记" in chat.say(MOM, "今天")
    timeline = _only(traced, "AS starts")  # the kind's timeline, with when the diary begins
    assert timeline and all(indexes == [BY_KIND_AND_DAY] or indexes == [BY_DAY] for indexes in timeline), timeline
    day = [analyses for statement, analyses in traced if statement.startswith("SELECT diary_entry.id, diary_entry.engagement_id")
           and "diary_entry.version" in statement]
    assert day and all(indexes == [BY_DAY] for analyses in day for indexes in analyses), day
    # Nothing else the nurse's lines and the parent's 今天 sent let the optimizer weigh more than one index.
    assert all(len(indexes) == 1 for _, analyses in traced for indexes in analyses), traced


def test_the_digest_probes_the_day_on_one_index(app: Flask, client: FlaskClient,
                                                traced: list[tuple[str, list[list[str]]]]) -> None:
    family = jobs_family(app, client)
    write(app, family, "8:00 喂奶 90ml\n10:00 体温 36.8", local(20))
    traced.clear()
    result = run_job(app, "digest", now=local(21, 30))
    assert result.ran and result.error is None and (result.detail or {})["engagements"] == 1
    analyses = [indexes for _, found in traced for indexes in found]
    assert len(traced) >= 2 and analyses and all(indexes == [BY_DAY] for indexes in analyses), traced
