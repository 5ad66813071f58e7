"""The nurse-diary parser scored against real writing (issue 10): a ratchet, and the issue's bar.

Every line of ``tests/diary/corpus/*.yaml`` is parsed by the real parser and recorded through
the real domain path in a test engagement (day 9 of life), on each database backend. The
ratchet holds each category at or above ``corpus/baseline.json``; the bar (95 % of lines fully
correct and no danger sign missed) is met and must stay met.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.diary.engagements import bind
from bot.diary.parse import parse_lines
from bot.models import Engagement
from bot.store import background
from tests.diary import corpus_score
from tests.diary.corpus_score import (
    BABY_DAY_OF_LIFE,
    BAR,
    BIRTH_WEIGHT_G,
    CATEGORIES,
    UPDATE_BASELINE,
    Item,
    Report,
    domain_probe,
    fallen_below,
    load_corpus,
    read_baseline,
    score,
    update_baseline,
)
from tests.support.chat import TZ, open_family, today

NURSE = "o-corpus-nurse"
MIN_LINES = 250
_REPORTS: dict[str, Report] = {}


@pytest.fixture
def report(app: Flask, client: FlaskClient, database_url: str, capsys: pytest.CaptureFixture[str]) -> Iterator[Report]:
    """The corpus scored on this backend (once per backend; the table is shown in the test output)."""
    if database_url not in _REPORTS:
        family = open_family(app, client, birth_days_ago=BABY_DAY_OF_LIFE - 1, birth_weight_g=BIRTH_WEIGHT_G)
        with app.extensions["anxin_db"].new_session() as session:
            engagement = session.get(Engagement, family.engagement_id)
            assert engagement is not None
            bind(session, NURSE, family.nurse_code, dt.datetime.now(dt.UTC) - dt.timedelta(days=2), TZ)
            session.commit()
            _REPORTS[database_url] = score(load_corpus(), domain_probe(session, engagement, NURSE, TZ), today(), TZ)
        background.join_all()
        with capsys.disabled():
            print(_REPORTS[database_url].table())
    yield _REPORTS[database_url]


def test_the_corpus_is_real_sized_and_every_category_is_present() -> None:
    items = load_corpus()
    assert len(items) >= MIN_LINES
    present = {item.category for item in items}
    assert present == set(CATEGORIES), set(CATEGORIES) - present
    assert len({item.line for item in items}) == len(items), "a line appears twice"
    assert sum(1 for item in items if item.expected_flags) >= 30, "too few danger signs to judge the flags"
    assert sum(1 for item in items if item.category != "danger" and not item.expected_flags) >= 100


def test_the_scorer_tells_right_from_wrong() -> None:
    """The comparison itself: a right reading scores, a wrong field, a lost entry or a false alarm does not."""
    [item] = [i for i in load_corpus() if i.line == "16点20吃了40奶粉"]
    sent_at = item.moment(today(), TZ)
    parsed = parse_lines(item.line, sent_at, TZ)
    assert corpus_score.compare_entries(item, parsed, TZ) == []
    wrong = Item(item.line, item.source, item.category, item.sent_at,
                 (corpus_score.ExpectedEntry("feeding", {"amount_ml": 41}, "16:20"),), frozenset(), item.where)
    assert corpus_score.compare_entries(wrong, parsed, TZ) == ["feeding.amount_ml = 40, expected 41"]
    late = Item(item.line, item.source, item.category, item.sent_at,
                (corpus_score.ExpectedEntry("feeding", {}, "16:30"),), frozenset(), item.where)
    assert corpus_score.compare_entries(late, parsed, TZ) == ["feeding at 16:20, expected 16:30"]
    assert corpus_score.compare_entries(item, parsed + parsed, TZ)[0].startswith("2 entries, expected 1")
    danger = Item("大便 陶土色", "test", "danger", item.sent_at, (corpus_score.ExpectedEntry("diaper", {}),),
                  frozenset({("pale_stool", "urgent")}), "test")
    assert corpus_score.compare_flags(danger, {("pale_stool", "urgent")}) == ([], [])
    assert corpus_score.compare_flags(danger, set()) == (["flag pale_stool (urgent) not raised"], ["pale_stool"])
    assert corpus_score.compare_flags(danger, {("pale_stool", "watch")})[1] == []  # raised, at the wrong level
    calm = Item("无红肿", "test", "note", item.sent_at, (corpus_score.ExpectedEntry("note", {}),), frozenset(), "test")
    assert corpus_score.compare_flags(calm, {("cord", "watch")}) == (["unexpected flag cord (watch)"], [])


def test_nothing_falls_below_the_committed_baseline(report: Report) -> None:
    baseline = read_baseline()
    assert baseline["lines"] == len(report.outcomes), f"the corpus changed size: record it with `{UPDATE_BASELINE}`"
    fallen = fallen_below(report, baseline)
    assert not fallen, "\n".join(fallen)


def test_the_baseline_is_written_only_upwards(report: Report, tmp_path: Path) -> None:
    """The update command's guard: a baseline better than today is kept, and today's figures replace a worse one."""
    path = tmp_path / "baseline.json"
    better = read_baseline()
    better["categories"] = {c: 1.0 for c in CATEGORIES}
    better["fully_correct_lines"] = sorted(o.item.line for o in report.outcomes)
    path.write_text(json.dumps(better), encoding="utf-8")
    refused = update_baseline(report, path)
    wrong = [o.item.line for o in report.outcomes if not o.correct]
    assert bool(refused) == bool(wrong)
    assert all(any(line in problem for problem in refused) for line in wrong)
    assert json.loads(path.read_text(encoding="utf-8")) == better  # untouched
    worse = {**better, "overall": 0.0, "missed_danger": 99, "categories": {c: 0.0 for c in CATEGORIES},
             "fully_correct_lines": []}
    path.write_text(json.dumps(worse), encoding="utf-8")
    assert update_baseline(report, path) == []
    assert read_baseline(path) == corpus_score.baseline_of(report)


def test_the_parser_reaches_the_issue_bar(report: Report) -> None:
    missed = [f"{o.item.line} → {', '.join(o.missed_flags)}" for o in report.missed_danger]
    assert report.overall >= BAR and not missed, (
        f"{report.overall:.1%} fully correct (bar {BAR:.0%}); missed danger signs: {missed}"
    )
