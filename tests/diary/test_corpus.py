"""The nurse-diary parser scored against real writing (issues 10 and 34): a ratchet, and the bar.

Every line of ``tests/diary/corpus/*.yaml`` is parsed by the real parser and recorded through
the real domain path in a test engagement (day 9 of life), on each database backend. A third of
the lines is sealed by hash (``corpus_score.is_sealed``) and only ever seen as numbers. The
ratchet holds the development part to ``corpus/baseline.json``; ``DEV_BAR`` and ``SEALED_BAR``
are what each part must reach (``None``: print the figures and skip, the bar not set).
"""

from __future__ import annotations

import datetime as dt
import hashlib
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
    Bar,
    ExpectedEntry,
    Figures,
    Item,
    Outcome,
    Report,
    domain_probe,
    fallen_below,
    is_sealed,
    load_corpus,
    new_lines,
    read_baseline,
    score,
    update_baseline,
)
from tests.support.chat import TZ, open_family, today

NURSE = "o-corpus-nurse"
# The corpus's size today (tests/diary/corpus/README.md; the team's goal is 600): raise it when lines are added.
MIN_LINES = 1258
# What each part must not fall below. The bar (``BAR``: 95 % fully right, no danger sign missed, no false
# flag) is not reached yet — least of all on the sealed third, which measures unseen writing — so these are floors on
# the corpus as it is, to be raised toward ``BAR``; what was right before cannot fall silently, as the development
# part's every line is held by the ratchet (``baseline.json``) and the sealed part's counts by these floors. Round four
# added 162 lines from 95 new pages, mostly look-alikes that must stay notes, which lowered the shares without anything
# that was right falling: on the 774 lines of before, development 499 of 527 (498 before), 1 missed, 3 false flags (2
# before: a second feed now read on one line raises the feed-gap watch), sealed 183 of 247 (182), 15 missed (16), 16
# false flags (16); on the grown corpus of 936, development 586 of 634, 1 missed, 9 false flags, sealed 223 of 302,
# 15 missed, 22 false flags. Prose that stays a note (explanations, statistics, the reader addressed, habits, quoted
# words, written advice by its register: bot/diary/reading.py) raised them to development 606 of 634,
# 1 missed, 4 false flags; sealed 229 of 302, 15 missed, 18 false flags. Times read in context and clauses kept
# (a later clock read on from the times before it, ranges after a verb, corrections, events in sequence) then raised
# development to 618 of 634, 1 missed, 3 false flags, the sealed third unchanged. Danger signs described in more
# ways (chest drawing in, dark lips, lighter stool, feeds refused, pads soaked, a wound that opens and festers) and
# whose sign it is raised them to development 624 of 634, none missed, 2 false flags; sealed 234 of 302, 11 missed,
# 18 false flags. Round five then added a probe of 161 lines from 91 new sources (round5_probe.yaml), scored once on
# the code before this round's changes and never tuned on until it was merged (59.0 % fully right, 13 of 38 danger lines
# missed; 63.4 % after this round's reading, before it was merged): with it, the floors below.
DEV_BAR: Bar | None = Bar(fully_right=0.971, missed=1, false_flags=6)
SEALED_BAR: Bar | None = Bar(fully_right=0.774, missed=15, false_flags=29)
_REPORTS: dict[str, Report] = {}
# One worker runs this file (pytest-xdist, --dist loadgroup): the corpus is scored once per backend in the run, not
# once per backend in each worker that gets a test reading the report. The fast loop scores it on SQLite only: the
# parser reads alike on both, and make check scores it on MariaDB too (mariadb_in_check, tests/conftest.py).
pytestmark = [pytest.mark.xdist_group("corpus"), pytest.mark.mariadb_in_check]


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


def test_a_third_is_sealed_by_the_text_alone() -> None:
    items = load_corpus()
    sealed = [item for item in items if item.sealed]
    assert 0.25 < len(sealed) / len(items) < 0.42, len(sealed)
    assert all(item.sealed == is_sealed(item.line) for item in items)
    assert is_sealed("16点20吃了40奶粉") is (int(hashlib.sha256("16点20吃了40奶粉".encode()).hexdigest(), 16) % 3 == 0)
    baseline = read_baseline()
    listed = [*baseline["fully_correct_lines"], *baseline["not_yet_correct_lines"], *baseline["missed_danger_lines"]]
    assert not [line for line in listed if is_sealed(line)], "the baseline lists a sealed line"


def _outcome(line: str, *, right: bool, missed: bool = False, false_flag: bool = False) -> Outcome:
    item = Item(line, "test", "danger", corpus_score.DEFAULT_SENT_AT, (ExpectedEntry("note", {}),),
                frozenset({("convulsions", "urgent")}), "test")
    return Outcome(item, [] if right else ["wrong"], ["convulsions"] if missed else [],
                   ["fever"] if false_flag else [], raised_any=false_flag)


def _lines(count: int, *, sealed: bool) -> list[str]:
    found = (f"测试行{n}" for n in range(1000))
    return [line for line in found if is_sealed(line) is sealed][:count]


def test_a_sealed_line_is_never_shown() -> None:
    """Only numbers of the sealed part: no table, failure list or ratchet message names a sealed line."""
    hidden, shown = _lines(3, sealed=True), _lines(3, sealed=False)
    report = Report([_outcome(line, right=False, missed=True, false_flag=True) for line in hidden + shown])
    text = report.table() + report.failures() + "".join(fallen_below(report, {
        "fully_correct_lines": hidden + shown, "not_yet_correct_lines": [], "missed_danger_lines": [],
        "overall": 1.0, "categories": {}}))
    assert not [line for line in hidden if line in text]
    assert all(line in report.failures() for line in shown)
    assert report.figures(sealed=True) == Figures(lines=3, fully_right=0, danger_lines=3, missed=3, false_flags=3)
    assert ("sealed (held out, numbers only): 3 lines, 0.0% fully right (0), 3 danger lines, 3 missed (0 told to "
            "nobody), 3 false") in text
    assert [o.item.line for o in report.missed_danger] == shown
    quiet = Report([_outcome(line, right=False, missed=True) for line in hidden])  # missed, and no flag at all
    assert quiet.figures(sealed=True).missed_unseen == 3
    assert report.figures(sealed=True).short_of(Bar(0.0, missed=0, false_flags=3)) == [
        "3 lines missing a danger sign, bar 0"]


def test_adding_lines_keeps_the_ratchet_and_lowers_nothing_that_was_right() -> None:
    """The baseline grows with the corpus, but a listed line may not fall, start missing a sign, or leave."""
    old, added = _lines(4, sealed=False)[:2], _lines(4, sealed=False)[2:]
    before = Report([_outcome(old[0], right=True), _outcome(old[1], right=False, missed=True)])
    baseline = corpus_score.baseline_of(before)
    grown = Report(before.outcomes + [_outcome(line, right=False, missed=True) for line in added])
    assert new_lines(grown, baseline) == sorted(added)
    assert fallen_below(grown, baseline) == []  # the share falls from 50 % to 25 %: only new lines are wrong
    assert corpus_score.baseline_of(grown)["overall"] == 0.25
    fell = Report([_outcome(old[0], right=False, missed=True), *grown.outcomes[1:]])
    assert fallen_below(fell, baseline) == [f"no longer fully correct: {old[0]} (wrong)",
                                            f"now misses a danger sign: {old[0]} (convulsions)"]
    assert fallen_below(Report(grown.outcomes[1:]), baseline) == [f"gone from the corpus: {old[0]}"]


def test_the_scorer_tells_right_from_wrong() -> None:
    """The comparison itself: a right reading scores, a wrong field, a lost entry or a false alarm does not."""
    item = Item("16点20吃了40奶粉", "test", "feeding", dt.time(16, 30),
                (ExpectedEntry("feeding", {"type": "formula", "amount_ml": 40}, "16:20"),), frozenset(), "test")
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
    added = new_lines(report, baseline)
    assert not added, f"{len(added)} development lines the baseline does not know: record them with `{UPDATE_BASELINE}`"
    fallen = fallen_below(report, baseline)
    assert not fallen, "\n".join(fallen)


def test_the_baseline_is_written_only_upwards(report: Report, tmp_path: Path) -> None:
    """The update command's guard: a baseline better than today is kept, and today's figures replace a worse one."""
    path = tmp_path / "baseline.json"
    better = read_baseline()
    better["categories"] = {c: 1.0 for c in CATEGORIES}
    better["fully_correct_lines"] = sorted(o.item.line for o in report.development)
    better["not_yet_correct_lines"] = []
    better["missed_danger_lines"] = []
    path.write_text(json.dumps(better), encoding="utf-8")
    refused = update_baseline(report, path)
    wrong = [o.item.line for o in report.development if not o.correct]
    assert bool(refused) == bool(wrong)
    assert all(any(line in problem for problem in refused) for line in wrong)
    assert json.loads(path.read_text(encoding="utf-8")) == better  # untouched
    worse = {**better, "overall": 0.0, "missed_danger": 99, "categories": {c: 0.0 for c in CATEGORIES},
             "fully_correct_lines": [], "not_yet_correct_lines": better["fully_correct_lines"],
             "missed_danger_lines": better["fully_correct_lines"]}
    path.write_text(json.dumps(worse), encoding="utf-8")
    assert update_baseline(report, path) == []
    assert read_baseline(path) == corpus_score.baseline_of(report)


def _reaches(part: str, figures: Figures, bar: Bar | None, capsys: pytest.CaptureFixture[str]) -> None:
    if bar is None:
        with capsys.disabled():
            print(f"\n{part}: {figures} (no bar set)")
        pytest.skip(f"no bar set for the {part} part: {figures}")
    short = figures.short_of(bar)
    assert not short, f"{part}: {figures}; short of the bar: {'; '.join(short)}"


def test_the_development_part_reaches_the_bar(report: Report, capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print(f"\nthe issue's bar: {BAR.fully_right:.0%} fully right, {BAR.missed} missed, {BAR.false_flags} false flags; "
              f"short of it: {'; '.join(report.figures(sealed=False).short_of(BAR)) or 'nothing'}")
    missed = [f"{o.item.line} → {', '.join(o.missed_flags)}" for o in report.missed_danger]
    if DEV_BAR is not None and missed:
        print("missed danger signs (development part):\n" + "\n".join(missed))
    _reaches("development", report.figures(sealed=False), DEV_BAR, capsys)


def test_the_sealed_part_is_safe(report: Report, capsys: pytest.CaptureFixture[str]) -> None:
    """Numbers only: the sealed third's danger signs missed and false flags against ``SEALED_BAR``."""
    with capsys.disabled():
        print(f"\nsealed, short of the issue's bar: {'; '.join(report.figures(sealed=True).short_of(BAR)) or 'nothing'}")
    _reaches("sealed", report.figures(sealed=True), SEALED_BAR, capsys)
