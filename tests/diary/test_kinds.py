"""The registry of entry kinds: what every kind declares, and that a kind in one place reaches every surface."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from bot.core.errors import BadRequest
from bot.diary.days import day_view
from bot.diary.engagements import bind
from bot.diary.entries import record_entries
from bot.diary.kinds import (
    KIND_FIELDS,
    KINDS,
    NOT_POSTABLE,
    REQUIRED,
    WATCH,
    Alert,
    EntryKind,
    Field,
    FlagContext,
    Said,
    SummaryKey,
    alert,
    by_priority,
    register,
    unregister,
)
from bot.diary.parse import parse_line
from bot.diary.render import day_text
from bot.diary.schemas import read_fields
from bot.diary.summary import DaySummary
from bot.models import Engagement
from bot.store import background
from tests.support.chat import TZ, open_family

if TYPE_CHECKING:
    from bot.models import DiaryEntry

SENT = dt.datetime(2026, 11, 20, 10, 0, tzinfo=TZ)


def test_every_kind_declares_a_label_and_sound_fields() -> None:
    assert set(KIND_FIELDS) | set(NOT_POSTABLE) == set(KINDS)
    assert NOT_POSTABLE == ("photo",)
    for kind in KINDS.values():
        assert kind.label and not kind.label.isascii(), kind.name  # users read Chinese
        names = [f.name for f in kind.fields]
        assert len(names) == len(set(names)), kind.name
        assert set(kind.required) <= set(names), kind.name
    assert REQUIRED["blood_pressure"] == ("systolic_mmhg", "diastolic_mmhg")
    assert KINDS["cord_care"].label == "脐带护理" and KINDS["medication"].label == "用药"


def test_parsers_are_asked_in_priority_order_with_the_mother_before_the_baby() -> None:
    order = [k.name for k in by_priority()]
    assert order.index("blood_pressure") < order.index("mother_temperature") < order.index("temperature")
    assert order.index("diaper") < order.index("feeding") < order.index("sleep")
    assert order[-1] == "medication"  # the new kind only takes lines that were notes


def test_cross_field_rules_live_in_the_kinds_check() -> None:
    with pytest.raises(BadRequest) as refused:
        read_fields("blood_pressure", {"systolic_mmhg": 90, "diastolic_mmhg": 120})
    assert "舒张压应低于收缩压" in refused.value.message
    with pytest.raises(BadRequest) as missing:
        read_fields("blood_pressure", {"systolic_mmhg": 120})
    assert missing.value.code == "missing_field"


def test_a_kind_cannot_be_registered_twice_or_require_a_field_it_lacks() -> None:
    with pytest.raises(ValueError, match="twice"):
        register(EntryKind(name="feeding", label="喂奶", order=1))
    with pytest.raises(ValueError, match="requires"):
        register(EntryKind(name="hiccups", label="打嗝", order=1, required=("count",)))
    assert "hiccups" not in KINDS


# -- a kind declared in one place reaches chat, the summary and the flags ----------------------------

def _parse_hiccups(said: Said) -> dict[str, Any]:
    minutes = [int(n) for n in said.text.split() if n.isdigit()]
    return {"minutes": minutes[0]} if minutes else {}


def _summarise(summary: DaySummary, entries: Sequence[DiaryEntry]) -> None:
    summary.more["hiccup_min"] += sum(e.fields.get("minutes", 0) for e in entries)


def _long_hiccups(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    if entry.fields.get("minutes", 0) > 30:
        return [alert(entry, "long_hiccups", WATCH, "打嗝超过30分钟，建议留意。")]
    return []


@pytest.fixture
def hiccups() -> Iterator[EntryKind]:
    kind = register(EntryKind(
        name="hiccups", label="打嗝不止", order=300, fields=(Field("minutes", "integer", 0, 600),),
        keywords=("打嗝不止",), parse=_parse_hiccups, priority=5,
        summary_keys=(SummaryKey("hiccup_min", int, {"type": "integer"}),), summarise=_summarise,
        summary_lines=lambda s: [f"打嗝共 {s.more['hiccup_min']} 分钟"] if s.more["hiccup_min"] else [],
        flag_rules=(_long_hiccups,),
    ))
    yield kind
    unregister("hiccups")
    assert "hiccups" not in KIND_FIELDS


def test_a_kind_registered_in_one_place_is_parsed_stored_summed_and_flagged(app: Flask, client: FlaskClient,
                                                                              hiccups: EntryKind) -> None:
    entry = parse_line("打嗝不止 45 分钟", SENT, TZ)
    assert (entry.kind, entry.fields) == ("hiccups", {"minutes": 45})
    assert "hiccups" in KIND_FIELDS
    family = open_family(app, client)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30)
    with app.extensions["anxin_db"].new_session() as session:
        engagement = session.get(Engagement, family.engagement_id)
        assert engagement is not None
        bind(session, "o-kind-nurse", family.nurse_code, start, TZ)
        _record(session, engagement, start)
        view = day_view(session, engagement, start.astimezone(TZ).date(), TZ)
        assert [f.rule for f in view.flags] == ["long_hiccups"]
        assert view.summary.to_dict()["hiccup_min"] == 45
        text = day_text(view, engagement, TZ, start.astimezone(TZ).date())
        assert "打嗝共 45 分钟" in text and "🟡 打嗝超过30分钟，建议留意。" in text
        session.rollback()
    background.join_all()


def _record(session: Session, engagement: Engagement, at: dt.datetime) -> None:
    entry = parse_line("打嗝不止 45 分钟", at, TZ)
    record_entries(session, engagement, "o-kind-nurse", [entry], at, TZ)
