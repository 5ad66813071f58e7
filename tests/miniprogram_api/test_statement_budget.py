"""The mini-program's hot paths stay within their statement budgets (issue 13).

A batch of entries reads the caller's binding once (with the engagement and babies), looks its
client_ids up in one query and inserts in one savepoint; the day view is the binding and the day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask

from tests.support.chat import TZ
from tests.support.sql_budget import count


def _ago(minutes: int) -> str:
    return (dt.datetime.now(TZ) - dt.timedelta(minutes=minutes)).replace(microsecond=0).isoformat()


def test_a_batch_of_three_costs_at_most_thirteen_statements(app: Flask, nurse, family) -> None:
    path = f"/engagements/{family.engagement_id}/entries"
    assert nurse.post(path, {"kind": "note", "text": "接班", "occurred_at": _ago(50), "client_id": "warm-1"}).status_code == 201
    batch = [{"kind": "feeding", "amount_ml": 90, "occurred_at": _ago(40), "client_id": "b-1"},
             {"kind": "diaper", "wet": True, "occurred_at": _ago(30), "client_id": "b-2"},
             {"kind": "sleep", "duration_min": 20, "occurred_at": _ago(20), "client_id": "b-3"}]
    answers: list[Any] = []
    seen = count(app, lambda: answers.append(nurse.post(path, batch)))
    assert answers[0].status_code == 201, answers[0].get_json()
    assert len(seen) <= 13, "\n".join(seen)  # MariaDB inserts the three in one statement: 11
    assert sum(s.lower().startswith("savepoint") for s in seen) <= 1, "\n".join(seen)
    resent: list[Any] = []
    count(app, lambda: resent.append(nurse.post(path, batch)))  # offline resend: the same rows, nothing new
    assert resent[0].status_code == 200
    assert [e["id"] for e in resent[0].get_json()] == [e["id"] for e in answers[0].get_json()]


def test_the_day_view_costs_at_most_five_statements(app: Flask, nurse, parent, family) -> None:
    path = f"/engagements/{family.engagement_id}/entries"
    when = _ago(1)
    assert nurse.post(path, {"kind": "feeding", "amount_ml": 60, "occurred_at": when,
                             "client_id": "d-1"}).status_code == 201
    day = when[:10]
    answers: list[Any] = []
    seen = count(app, lambda: answers.append(parent.get(f"/engagements/{family.engagement_id}/days/{day}")))
    assert answers[0].status_code == 200 and answers[0].get_json()["entries"][0]["amount_ml"] == 60
    assert len(seen) <= 5, "\n".join(seen)


def _timeline_reads(seen: list[str]) -> list[str]:
    return [s for s in seen if s.lower().startswith("select diary_entry.id, diary_entry.occurred_at, diary_entry.fields")]


def test_an_offline_batch_over_hours_reads_each_kinds_timeline_once(app: Flask, nurse, family) -> None:
    """A phone back online sends the night at once: its rules ask windows around each entry's own time,
    and one read per kind (as wide as the batch spreads) answers all of them."""
    path = f"/engagements/{family.engagement_id}/entries"
    assert nurse.post(path, {"kind": "note", "text": "接班", "occurred_at": _ago(700), "client_id": "n-0"}).status_code == 201
    batch = []
    for i, minutes in enumerate(range(600, 0, -100)):  # every 100 minutes over ten hours: a feed and a nappy
        batch.append({"kind": "feeding", "amount_ml": 60, "occurred_at": _ago(minutes), "client_id": f"n-f{i}"})
        batch.append({"kind": "diaper", "wet": True, "occurred_at": _ago(minutes - 5), "client_id": f"n-d{i}"})
    answers: list[Any] = []
    seen = count(app, lambda: answers.append(nurse.post(path, batch)))
    assert answers[0].status_code == 201, answers[0].get_json()
    assert len(answers[0].get_json()) == 12
    reads = _timeline_reads(seen)
    assert len(reads) == 2, "\n".join(seen)  # feeds and nappies, once each, not once per entry


def test_a_nappy_in_chat_reads_its_timeline_once(app: Flask, client) -> None:
    from tests.support.chat import Chat, bound_family

    chat = Chat(client)
    bound_family(app, client, chat, "o-tl-nurse", "o-tl-mom")
    chat.say("o-tl-nurse", "换尿布 小便")
    seen = count(app, lambda: chat.say("o-tl-nurse", "换尿布 尿了"))
    assert len(_timeline_reads(seen)) == 1, "\n".join(seen)  # the nappies before it and after it: one read
    # ... which also says when the diary began (the 24-hour rules ask it): no query of its own
    assert not any(s.lower().startswith("select first_entry.occurred_at") for s in seen), "\n".join(seen)
