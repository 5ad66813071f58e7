"""Issue 36: the keepsake PDF is bounded, built once per version of the diary, and rate-limited per reader."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from bot.diary.keepsake import MAX_DAY_ENTRIES
from bot.models import KeepsakeCache
from tests.support.chat import TZ, Family, today
from tests.support.miniprogram import MpUser

KEEPSAKE_LIMIT = 4


@pytest.fixture
def app_settings(app_settings: dict[str, object]) -> dict[str, object]:
    return {**app_settings, "ANXIN_KEEPSAKE_LIMIT": KEEPSAKE_LIMIT}


def _post_day(nurse: MpUser, family: Family, day: dt.date, count: int, prefix: str) -> None:
    start = dt.datetime.combine(day, dt.time(6), tzinfo=TZ)
    entries = [{"client_id": f"{prefix}{n}", "occurred_at": (start + dt.timedelta(minutes=n)).isoformat(), "kind": "note",
                "text": f"第{n}条记录"} for n in range(count)]
    res = nurse.post(f"/engagements/{family.engagement_id}/entries", entries)
    assert res.status_code in (200, 201), res.get_json()


def _export(user: MpUser, family: Family):
    return user.get(f"/engagements/{family.engagement_id}/export.pdf")


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_day_beyond_the_cap_is_summarised_not_printed(nurse: MpUser, parent: MpUser, family: Family) -> None:
    yesterday = today() - dt.timedelta(days=1)
    _post_day(nurse, family, yesterday, MAX_DAY_ENTRIES + 7, "a")
    res = _export(parent, family)
    assert res.status_code == 200
    text = _text(res.data)
    assert f"第{MAX_DAY_ENTRIES - 1}条记录" in text and f"第{MAX_DAY_ENTRIES}条记录" not in text
    assert "这一天另有 7 条记录未列入纪念册" in text
    assert f"纪念册列出了 {MAX_DAY_ENTRIES} 条记录，另有 7 条未列出" in text


def test_a_second_export_is_served_from_the_cache_until_the_diary_changes(nurse: MpUser, parent: MpUser, family: Family,
                                                                          session) -> None:
    yesterday = today() - dt.timedelta(days=1)
    _post_day(nurse, family, yesterday, 3, "b")
    first = _export(parent, family)
    cached = session.scalars(select(KeepsakeCache)).one()
    built = (cached.version, cached.built_at)
    assert cached.engagement_id == family.engagement_id and cached.pdf == first.data
    session.rollback()
    second = _export(nurse, family)  # another reader of the same diary: the same copy, not a second build
    assert second.status_code == 200 and second.data == first.data
    again = session.scalars(select(KeepsakeCache)).one()
    assert (again.version, again.built_at) == built
    session.rollback()
    _post_day(nurse, family, yesterday, 1, "c")  # a new entry: a new version, built once more
    third = _export(parent, family)
    assert third.data != first.data and "第0条记录" in _text(third.data)
    rebuilt = session.scalars(select(KeepsakeCache)).one()
    assert rebuilt.version != built[0] and rebuilt.pdf == third.data


def test_a_reader_asking_again_and_again_gets_429_in_chinese(parent: MpUser, nurse: MpUser, family: Family) -> None:
    for _ in range(KEEPSAKE_LIMIT):
        assert _export(parent, family).status_code == 200
    refused = _export(parent, family)
    assert refused.status_code == 429
    assert refused.get_json()["error"] == {"code": "too_many_requests",
                                           "message": "导出纪念册过于频繁，请稍后再试 (too many keepsake exports)"}
    assert _export(nurse, family).status_code == 200  # per reader: the nurse still may
