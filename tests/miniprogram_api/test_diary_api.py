"""The diary through /mp/v1: binding, day views, offline-safe entries, edits, ratings, summaries."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from bot.models import DiaryEntry, DiaryRevision, Rating
from tests.support.backends import count_rows
from tests.support.chat import TZ, Family, today
from tests.support.miniprogram import MpUser


def at(hour: int, minute: int = 0, day: dt.date | None = None) -> str:
    """A local time today (or on ``day``), ISO 8601 with the zone's offset."""
    return dt.datetime.combine(day or today(), dt.time(hour, minute), tzinfo=TZ).isoformat()


def earlier(minutes: int) -> dt.datetime:
    return dt.datetime.now(TZ) - dt.timedelta(minutes=minutes)


def test_every_call_needs_a_token(client) -> None:
    for method, path in [("get", "/mp/v1/engagements"), ("post", "/mp/v1/bind"), ("get", "/mp/v1/engagements/1/days/2026-11-20"),
                         ("post", "/mp/v1/engagements/1/entries"), ("patch", "/mp/v1/entries/1"),
                         ("delete", "/mp/v1/entries/1"), ("put", "/mp/v1/engagements/1/days/2026-11-20/rating"),
                         ("get", "/mp/v1/engagements/1/summary")]:
        res = getattr(client, method)(path, headers={"Authorization": "Bearer nonsense"})
        assert res.status_code == 401, (method, path)
        assert res.get_json()["error"]["code"] == "bad_token"


def test_bind_and_list_engagements(nurse: MpUser, parent: MpUser, family: Family, login) -> None:
    [mine] = parent.get("/engagements").get_json()["engagements"]
    assert mine["id"] == family.engagement_id and mine["role"] == "parent" and mine["current"] is True
    assert mine["family_name"] == "王家" and mine["baby_nickname"] == "小米"
    assert mine["nurse"] == "伍秀芳"  # her own family knows her name (the public badge profile masks it)
    assert nurse.get("/engagements").get_json()["engagements"][0]["role"] == "nurse"
    stranger = login("o-mp-stranger")
    res = stranger.post("/bind", {"code": family.nurse_code})
    assert res.status_code == 409  # a nurse code is good once
    assert stranger.get("/engagements").get_json() == {"engagements": []}
    assert stranger.post("/bind", {"code": "ZZZZ2222"}).status_code == 404
    assert stranger.post("/bind", {"code": 42}).status_code == 400


def test_a_nurse_posts_one_entry_and_the_family_reads_the_day(nurse: MpUser, parent: MpUser, family: Family) -> None:
    when = earlier(30).replace(second=0, microsecond=0)
    res = nurse.post(f"/engagements/{family.engagement_id}/entries",
                     {"client_id": "phone-1", "occurred_at": when.isoformat(), "kind": "feeding",
                      "type": "formula", "amount_ml": 120, "text": "喂奶 120ml 😋"})
    assert res.status_code == 201, res.get_json()
    entry = res.get_json()
    assert entry["id"] and entry["client_id"] == "phone-1" and entry["amount_ml"] == 120 and entry["type"] == "formula"
    assert entry["occurred_at"] == when.isoformat() and entry["occurred_at"].endswith("+08:00")
    assert entry["author"] == "me" and entry["revised"] is False and entry["flags"] == [] and entry["version"] == 1
    day = parent.get(f"/engagements/{family.engagement_id}/days/{when.date().isoformat()}").get_json()
    assert set(day) == {"date", "entries", "summary", "rating", "ratings", "flags"}
    assert [e["text"] for e in day["entries"]] == ["喂奶 120ml 😋"]
    assert day["entries"][0]["author"] == "nurse"
    assert day["summary"]["feeds"] == 1 and day["summary"]["feed_ml"] == 120


def test_times_without_an_offset_are_local(nurse: MpUser, family: Family) -> None:
    local = earlier(60).replace(second=0, microsecond=0, tzinfo=None)
    res = nurse.post(f"/engagements/{family.engagement_id}/entries",
                     {"client_id": "c1", "occurred_at": local.isoformat(), "kind": "bath"})
    assert res.get_json()["occurred_at"] == local.replace(tzinfo=TZ).isoformat()


def test_an_offline_batch_resent_adds_nothing_twice(nurse: MpUser, family: Family, app: Flask) -> None:
    batch = [
        {"client_id": f"offline-{i}", "occurred_at": earlier(300 - i * 55).isoformat(), "kind": "diaper", "wet": True,
         "stool": i % 2 == 0}
        for i in range(6)
    ]
    first = nurse.post(f"/engagements/{family.engagement_id}/entries", batch)
    assert first.status_code == 201
    again = nurse.post(f"/engagements/{family.engagement_id}/entries", batch)
    assert again.status_code == 200
    assert [e["id"] for e in again.get_json()] == [e["id"] for e in first.get_json()]
    assert count_rows(app.extensions["anxin_db"].engine, "diary_entry") == 6
    # Entries back-dated by hours keep the time they happened and are marked as such.
    assert first.get_json()[0]["backdated"] is True and first.get_json()[-1]["backdated"] is False


def test_the_same_batch_resent_concurrently_is_stored_once(nurse: MpUser, family: Family, app: Flask,
                                                           live_server: str) -> None:
    import requests

    batch = [{"client_id": f"race-{i}", "occurred_at": earlier(100 - i).isoformat(), "kind": "feeding",
              "type": "breast", "side": "left", "duration_min": 10} for i in range(20)]
    statuses: list[int] = []
    ids: list[list[int]] = []
    barrier = threading.Barrier(4)

    def send() -> None:
        barrier.wait()
        res = requests.post(f"{live_server}/mp/v1/engagements/{family.engagement_id}/entries", json=batch,
                            headers={"Authorization": f"Bearer {nurse.token}"}, timeout=60)
        statuses.append(res.status_code)
        ids.append([e["id"] for e in res.json()])

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 200, 200, 201]
    assert all(i == ids[0] for i in ids)
    assert count_rows(app.extensions["anxin_db"].engine, "diary_entry") == 20


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        ({"client_id": "x", "occurred_at": "2026-11-20T07:30:00+08:00", "kind": "teleport"}, "invalid_kind"),
        ({"client_id": "x", "occurred_at": "2026-11-20T07:30:00+08:00", "kind": "photo"}, "invalid_kind"),
        ({"client_id": "x", "occurred_at": "yesterday", "kind": "bath"}, "invalid_field"),
        ({"client_id": "x", "kind": "bath"}, "missing_field"),
        ({"occurred_at": "NOW", "kind": "bath"}, "missing_field"),
        ({"client_id": "y" * 65, "occurred_at": "NOW", "kind": "bath"}, "invalid_field"),
        ({"client_id": "x", "occurred_at": "NOW", "kind": "feeding", "amount_ml": -5}, "invalid_field"),
        ({"client_id": "x", "occurred_at": "NOW", "kind": "feeding", "amount_ml": 5000}, "invalid_field"),
        ({"client_id": "x", "occurred_at": "NOW", "kind": "feeding", "amount_ml": "120"}, "invalid_field"),
        ({"client_id": "x", "occurred_at": "NOW", "kind": "feeding", "side": "middle"}, "invalid_field"),
        ({"client_id": "x", "occurred_at": "NOW", "kind": "temperature"}, "missing_field"),
        ({"client_id": "x", "occurred_at": "NOW", "kind": "temperature", "celsius": 52}, "invalid_field"),
        ({"client_id": "x", "occurred_at": "NOW", "kind": "temperature", "celsius": True}, "invalid_field"),
        ({"client_id": "x", "occurred_at": "NOW", "kind": "bath", "celsius": 37}, "unknown_field"),
        ({"client_id": "x", "occurred_at": "NOW", "kind": "blood_pressure", "systolic_mmhg": 80, "diastolic_mmhg": 120},
         "invalid_field"),
        ({"client_id": "x", "occurred_at": "NOW", "kind": "note"}, "missing_field"),
        ({"client_id": "x", "occurred_at": "2999-01-01T00:00:00+08:00", "kind": "bath"}, "invalid_field"),
    ],
)
def test_bad_entries_are_refused_and_the_batch_writes_nothing(nurse: MpUser, family: Family, app: Flask, entry: dict[str, Any],
                                                             code: str) -> None:
    good = {"client_id": "good-1", "occurred_at": earlier(5).isoformat(), "kind": "bath"}
    entry = {k: (earlier(5).isoformat() if v == "NOW" else v) for k, v in entry.items()}
    res = nurse.post(f"/engagements/{family.engagement_id}/entries", [good, entry])
    assert res.status_code == 400, res.get_json()
    assert res.get_json()["error"]["code"] == code
    assert res.get_json()["error"]["message"]
    assert count_rows(app.extensions["anxin_db"].engine, "diary_entry") == 0


@pytest.mark.parametrize("body", [b"", b"{", b"42", b'"text"', b"[]", b"null"])
def test_bodies_that_are_not_entries_are_400(nurse: MpUser, family: Family, body: bytes) -> None:
    res = nurse.post(f"/engagements/{family.engagement_id}/entries", data=body, content_type="application/json")
    assert res.status_code == 400


def test_a_batch_over_the_limit_is_refused(nurse: MpUser, family: Family) -> None:
    batch = [{"client_id": f"c{i}", "occurred_at": earlier(5).isoformat(), "kind": "burp"} for i in range(201)]
    assert nurse.post(f"/engagements/{family.engagement_id}/entries", batch).get_json()["error"]["code"] == "batch_size"


def test_duplicate_client_ids_in_one_batch_are_refused(nurse: MpUser, family: Family) -> None:
    entry = {"client_id": "same", "occurred_at": earlier(5).isoformat(), "kind": "burp"}
    res = nurse.post(f"/engagements/{family.engagement_id}/entries", [entry, entry])
    assert res.get_json()["error"]["code"] == "duplicate_client_id"


def test_parents_and_strangers_cannot_write_or_read_what_is_not_theirs(nurse: MpUser, parent: MpUser,
                                                                       family: Family, login, app: Flask,
                                                                       client) -> None:
    from tests.support.chat import open_family

    entry = {"client_id": "p1", "occurred_at": earlier(5).isoformat(), "kind": "bath"}
    assert parent.post(f"/engagements/{family.engagement_id}/entries", entry).status_code == 403
    stranger = login("o-mp-stranger")
    assert stranger.post(f"/engagements/{family.engagement_id}/entries", entry).status_code == 404
    assert stranger.get(f"/engagements/{family.engagement_id}/days/{today()}").status_code == 404
    assert stranger.get(f"/engagements/{family.engagement_id}/summary").status_code == 404
    other = open_family(app, client, family_name="李家")
    other_nurse = login("o-mp-other-nurse")
    other_nurse.post("/bind", {"code": other.nurse_code})
    assert other_nurse.get(f"/engagements/{family.engagement_id}/days/{today()}").status_code == 404
    created = nurse.post(f"/engagements/{family.engagement_id}/entries", entry).get_json()
    assert other_nurse.patch(f"/entries/{created['id']}", {"version": 1, "text": "改"}).status_code == 404
    assert other_nurse.delete(f"/entries/{created['id']}").status_code == 404
    assert parent.delete(f"/entries/{created['id']}").status_code == 404
    assert count_rows(app.extensions["anxin_db"].engine, "diary_revision") == 0


def test_edits_keep_history_and_stale_edits_are_409(nurse: MpUser, parent: MpUser, family: Family, session) -> None:
    created = nurse.post(f"/engagements/{family.engagement_id}/entries",
                         {"client_id": "e1", "occurred_at": earlier(20).isoformat(), "kind": "feeding",
                          "type": "formula", "amount_ml": 90, "text": "喂奶 90ml"}).get_json()
    res = nurse.patch(f"/entries/{created['id']}", {"version": 1, "amount_ml": 110, "text": "喂奶 110ml"})
    assert res.status_code == 200, res.get_json()
    edited = res.get_json()
    assert edited["amount_ml"] == 110 and edited["type"] == "formula" and edited["revised"] is True
    assert edited["version"] == 2
    stale = nurse.patch(f"/entries/{created['id']}", {"version": 1, "amount_ml": 60})
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "version_conflict"
    assert nurse.patch(f"/entries/{created['id']}", {"version": 2, "amount_ml": 9999}).status_code == 400
    assert nurse.patch(f"/entries/{created['id']}", {"amount_ml": 60}).status_code == 400  # version required
    day = parent.get(f"/engagements/{family.engagement_id}/days/{earlier(20).date()}").get_json()
    assert day["entries"][0]["amount_ml"] == 110 and day["entries"][0]["revised"] is True
    assert nurse.delete(f"/entries/{created['id']}?version=1").status_code == 409
    gone = nurse.delete(f"/entries/{created['id']}?version=2")
    assert gone.status_code == 200 and gone.get_json()["version"] == 3
    assert parent.get(f"/engagements/{family.engagement_id}/days/{earlier(20).date()}").get_json()["entries"] == []
    revisions = session.scalars(select(DiaryRevision).order_by(DiaryRevision.id)).all()
    assert [r.action for r in revisions] == ["edit", "withdraw"]
    assert revisions[0].before["fields"]["amount_ml"] == 90
    assert session.scalar(select(func.count()).select_from(DiaryEntry)) == 1  # withdrawn, not deleted


def test_a_flagged_entry_carries_its_flag(nurse: MpUser, parent: MpUser, family: Family) -> None:
    res = nurse.post(f"/engagements/{family.engagement_id}/entries",
                     {"client_id": "t1", "occurred_at": earlier(10).isoformat(), "kind": "temperature", "celsius": 38.4})
    [flag] = res.get_json()["flags"]
    assert flag["severity"] == "urgent" and "建议" in flag["reason"]
    day = parent.get(f"/engagements/{family.engagement_id}/days/{earlier(10).date()}").get_json()
    assert day["flags"][0]["id"] == flag["id"] and day["summary"]["flags"] == 1


def test_the_family_rates_a_day_and_rating_again_replaces_it(nurse: MpUser, parent: MpUser, family: Family,
                                                             session) -> None:
    path = f"/engagements/{family.engagement_id}/days/{today()}/rating"
    first = parent.put(path, {"stars": 4, "comment": "很细心👍"})
    assert first.status_code == 201 and first.get_json()["replaced"] is False
    again = parent.put(path, {"stars": 5})
    assert again.status_code == 200 and again.get_json()["replaced"] is True
    assert [(r.stars, r.comment) for r in session.scalars(select(Rating))] == [(5, None)]
    day = parent.get(f"/engagements/{family.engagement_id}/days/{today()}").get_json()
    assert day["rating"]["stars"] == 5
    for bad in ({"stars": 0}, {"stars": 6}, {"stars": 4.5}, {"stars": "5"}, {}, {"stars": 3, "comment": "长" * 201}):
        res = parent.put(path, bad)
        assert res.status_code == 400, bad
    assert nurse.put(path, {"stars": 5}).status_code == 403  # the nurse cannot rate herself
    assert [(r.stars, r.comment) for r in session.scalars(select(Rating))] == [(5, None)]  # refusals wrote nothing
    future = f"/engagements/{family.engagement_id}/days/{today() + dt.timedelta(days=1)}/rating"
    assert parent.put(future, {"stars": 5}).status_code == 400
    assert parent.put(f"/engagements/{family.engagement_id}/days/20261120/rating", {"stars": 5}).status_code == 400


def test_the_summary_gives_per_day_figures_for_charts(nurse: MpUser, parent: MpUser, family: Family) -> None:
    yesterday = today() - dt.timedelta(days=1)
    batch = [
        {"client_id": "y1", "occurred_at": at(8, 0, yesterday), "kind": "feeding", "type": "formula", "amount_ml": 100},
        {"client_id": "y2", "occurred_at": at(11, 0, yesterday), "kind": "feeding", "type": "formula", "amount_ml": 80},
        {"client_id": "y3", "occurred_at": at(12, 0, yesterday), "kind": "diaper", "wet": True, "stool": True},
        {"client_id": "y4", "occurred_at": at(13, 0, yesterday), "kind": "sleep", "duration_min": 90},
        {"client_id": "y5", "occurred_at": at(14, 0, yesterday), "kind": "temperature", "celsius": 36.8},
    ]
    assert nurse.post(f"/engagements/{family.engagement_id}/entries", batch).status_code == 201
    res = parent.get(f"/engagements/{family.engagement_id}/summary")
    assert res.status_code == 200
    data = res.get_json()
    assert data["from"] == (today() - dt.timedelta(days=2)).isoformat() and data["to"] == today().isoformat()
    by_day = {d["date"]: d for d in data["days"]}
    assert len(by_day) == 3
    y = by_day[yesterday.isoformat()]
    assert (y["feeds"], y["feed_ml"], y["nappies"], y["wet"], y["dirty"], y["sleep_hours"]) == (2, 180, 1, 1, 1, 1.5)
    assert y["temperatures_celsius"] == [36.8]
    assert by_day[today().isoformat()]["entries"] == 0
    ranged = parent.get(f"/engagements/{family.engagement_id}/summary?from={yesterday}&to={yesterday}").get_json()
    assert [d["date"] for d in ranged["days"]] == [yesterday.isoformat()]
    assert parent.get(f"/engagements/{family.engagement_id}/summary?from={today()}&to={yesterday}").status_code == 400
    assert parent.get(f"/engagements/{family.engagement_id}/summary?from=2026-01-01&to=2026-12-31").status_code == 400
    assert parent.get(f"/engagements/{family.engagement_id}/summary?from=nope").status_code == 400


def test_chat_and_mini_program_write_one_diary(nurse: MpUser, parent: MpUser, family: Family, client) -> None:
    from tests.support.chat import Chat

    chat = Chat(client)
    assert "绑定成功" in chat.say("o-chat-nurse-unused", f"绑定 {family.family_code}")
    now = dt.datetime.now(TZ)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    when = max(earlier(15), midnight)  # today, whatever the hour the suite runs at
    assert nurse.post(f"/engagements/{family.engagement_id}/entries",
                      {"client_id": "m1", "occurred_at": when.isoformat(), "kind": "bath", "text": "洗澡"}
                      ).status_code == 201
    reply = chat.say("o-chat-nurse-unused", "今天")
    assert "洗澡" in reply


def test_too_many_calls_get_429(app: Flask, login, client) -> None:
    app.config.update(ANXIN_MP_WINDOW=3600, ANXIN_MP_LIMIT_USER=3, ANXIN_MP_LIMIT_LOGIN=3)  # one window for the test
    user = login("o-mp-busy")  # the first login from this address
    statuses = [user.get("/engagements").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    res = user.get("/engagements")
    assert res.get_json()["error"]["code"] == "too_many_requests"
    assert [client.post("/mp/v1/login", json={"code": "x"}).status_code for _ in range(3)] == [401, 401, 429]


def _end_engagement(app: Flask, engagement_id: int, days_ago: int) -> None:
    from bot.models import Engagement

    with app.extensions["anxin_db"].new_session() as s, s.begin():
        row = s.get(Engagement, engagement_id)
        row.ends_on = today() - dt.timedelta(days=days_ago)
        row.starts_on = min(row.starts_on, row.ends_on)


def test_an_ended_engagement_takes_no_entries_and_no_ratings(nurse: MpUser, parent: MpUser, family: Family,
                                                             app: Flask) -> None:
    _end_engagement(app, family.engagement_id, 30)
    res = nurse.post(f"/engagements/{family.engagement_id}/entries",
                     {"client_id": "late", "occurred_at": earlier(5).isoformat(), "kind": "temperature", "celsius": 39.0})
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "engagement_ended"
    res = parent.put(f"/engagements/{family.engagement_id}/days/{today()}/rating", {"stars": 1})
    assert res.status_code == 400
    assert count_rows(app.extensions["anxin_db"].engine, "diary_entry") == 0
    assert count_rows(app.extensions["anxin_db"].engine, "notification") == 0


def test_a_phone_may_sync_the_last_day_just_after_the_end(nurse: MpUser, family: Family, app: Flask) -> None:
    _end_engagement(app, family.engagement_id, 1)
    last_day = at(20, 0, today() - dt.timedelta(days=1))
    res = nurse.post(f"/engagements/{family.engagement_id}/entries",
                     {"client_id": "sync", "occurred_at": last_day, "kind": "bath"})
    assert res.status_code == 201
    res = nurse.post(f"/engagements/{family.engagement_id}/entries",
                     {"client_id": "after", "occurred_at": earlier(5).isoformat(), "kind": "bath"})
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "outside_engagement"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/engagements/{e}/entries", {"client_id": "x", "occurred_at": "2026-11-20T07:30:00+08:00",
                                              "kind": ["feeding"]}),
        ("get", "/engagements/{e}/days/0001-01-01", None),
        ("get", "/engagements/{e}/days/9999-12-31", None),
        ("get", "/engagements/{e}/summary?from=0001-01-01&to=0001-01-31", None),
        ("delete", "/entries/{entry}?version=%C2%B2", None),
        ("patch", "/entries/{entry}", {"version": 1, "kind": {"a": 1}}),
        ("patch", "/entries/{entry}", {"version": 1, "kind": "note", "text": ""}),
    ],
)
def test_odd_input_is_a_clear_400_never_a_crash(nurse: MpUser, family: Family, method: str, path: str,
                                                body: dict[str, Any] | None) -> None:
    created = nurse.post(f"/engagements/{family.engagement_id}/entries",
                         {"client_id": "o1", "occurred_at": earlier(5).isoformat(), "kind": "bath"}).get_json()
    url = path.format(e=family.engagement_id, entry=created["id"])
    res = getattr(nurse, method)(url, **({"json": body} if body is not None else {}))
    assert res.status_code == 400, res.get_json()
    assert res.get_json()["error"]["message"]


def test_editing_only_the_text_of_a_flagged_entry_alerts_nobody_again(nurse: MpUser, parent: MpUser,
                                                                     family: Family, app: Flask) -> None:
    created = nurse.post(f"/engagements/{family.engagement_id}/entries",
                         {"client_id": "f1", "occurred_at": earlier(10).isoformat(), "kind": "temperature",
                          "celsius": 38.5}).get_json()
    version = created["version"]
    for n in range(3):
        res = nurse.patch(f"/entries/{created['id']}", {"version": version, "text": f"复测{n}"})
        assert res.status_code == 200
        assert [f["rule"] for f in res.get_json()["flags"]] == ["fever"]  # still shown
        version = res.get_json()["version"]
    engine = app.extensions["anxin_db"].engine
    assert count_rows(engine, "notification") == 1  # the one alert to the one parent
    changed = nurse.patch(f"/entries/{created['id']}", {"version": version, "celsius": 39.2}).get_json()
    assert "39.2" in changed["flags"][0]["reason"]
    assert count_rows(engine, "notification") == 2  # a new reading is a new alert


def test_withdrawing_a_feed_that_closed_a_gap_raises_the_gap(nurse: MpUser, parent: MpUser, family: Family) -> None:
    day = today() - dt.timedelta(days=1)
    feeds = [{"client_id": f"g{h}", "occurred_at": at(h, 0, day), "kind": "feeding", "type": "formula",
              "amount_ml": 90} for h in (8, 11, 14)]
    created = nurse.post(f"/engagements/{family.engagement_id}/entries", feeds).get_json()
    assert all(e["flags"] == [] for e in created)  # three hours apart: nothing to look at
    middle = created[1]
    assert nurse.delete(f"/entries/{middle['id']}?version={middle['version']}").status_code == 200
    view = parent.get(f"/engagements/{family.engagement_id}/days/{day}").get_json()
    assert [f["rule"] for f in view["flags"]] == ["feed_gap"]  # 8:00 to 14:00 is now six hours
    assert view["flags"][0]["entry_id"] == created[2]["id"]


def test_a_second_parent_keeps_the_first_ones_comment(parent: MpUser, login, family: Family,
                                                      session) -> None:
    """Each member's stars and comment are kept; ``rating`` is the caller's own, ``ratings`` everyone's (issue 11.5)."""
    dad = login("o-mp-dad")
    assert dad.post("/bind", {"code": family.family_code}).status_code == 201
    path = f"/engagements/{family.engagement_id}/days/{today()}/rating"
    assert parent.put(path, {"stars": 5, "comment": "很细心"}).status_code == 201
    assert dad.put(path, {"stars": 3}).get_json()["replaced"] is False
    day_path = f"/engagements/{family.engagement_id}/days/{today()}"
    mom_view, dad_view = parent.get(day_path).get_json(), dad.get(day_path).get_json()
    assert (mom_view["rating"]["stars"], mom_view["rating"]["comment"]) == (5, "很细心")
    assert (dad_view["rating"]["stars"], dad_view["rating"]["comment"]) == (3, None)
    assert [(r["member"], r["stars"], r["comment"], r["mine"]) for r in mom_view["ratings"]] == [
        ("家人1", 5, "很细心", True), ("家人2", 3, None, False)]
    assert [r["mine"] for r in dad_view["ratings"]] == [False, True]


def test_family_members_say_who_they_are_when_binding_and_later(parent: MpUser, nurse: MpUser, login, family: Family,
                                                                session) -> None:
    """As chat's ``绑定 CODE 奶奶`` and ``我是 外婆``: ratings name each member as they said (issue 33's raters)."""
    grandma = login("o-mp-grandma")
    bound = grandma.post("/bind", {"code": family.family_code, "relation": "奶奶"})
    assert bound.status_code == 201 and bound.get_json()["relation"] == "奶奶"
    path = f"/engagements/{family.engagement_id}"
    assert parent.put(f"{path}/relation", {"relation": "妈妈"}).get_json()["relation"] == "妈妈"
    rate = f"{path}/days/{today()}/rating"
    assert parent.put(rate, {"stars": 5}).status_code == 201 and grandma.put(rate, {"stars": 4}).status_code == 201
    view = parent.get(f"{path}/days/{today()}").get_json()
    assert sorted((r["member"], r["stars"]) for r in view["ratings"]) == [("奶奶", 4), ("妈妈", 5)]
    [listed] = grandma.get("/engagements").get_json()["engagements"]
    assert listed["relation"] == "奶奶"
    # Nonsense is refused with the chat's words, and nothing is written: not the binding, not the name.
    stranger = login("o-mp-aunt")
    refused = stranger.post("/bind", {"code": family.family_code, "relation": "<b>aunt</b>"})
    assert refused.status_code == 400 and "几个汉字" in refused.get_json()["error"]["message"]
    assert stranger.get("/engagements").get_json() == {"engagements": []}
    assert parent.put(f"{path}/relation", {"relation": "x" * 40}).status_code == 400
    assert parent.get("/engagements").get_json()["engagements"][0]["relation"] == "妈妈"
    # A nurse has no family relation to set.
    assert nurse.put(f"{path}/relation", {"relation": "妈妈"}).status_code == 403
