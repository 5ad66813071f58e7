"""Fuzzing the console's forms as a signed-in agency admin would fill them (CSRF token from the form page).

Whatever is typed: never a 500; a form that is accepted redirects (or, for staff, shows the new password);
a refused form is a 4xx page whose error box is in Chinese, and no row was written.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import event, example, given
from hypothesis import strategies as st

from bot.models import STAFF_ROLES
from tests.support.agency import add_worker, id_number
from tests.support.console import Console, signed_in_admin, text
from tests.support.factories import make_agency
from tests.support.fuzz import budget, chinese_error, row_counts
from tests.support.strategies import any_text, hostile

TODAY = dt.date.today()


@dataclass
class Desk:
    """An agency admin at the console, with one registered worker to open engagements for."""

    app: Flask
    console: Console
    worker_id: int


@pytest.fixture
def desk(app: Flask, client: FlaskClient, session) -> Desk:
    agency, key = make_agency(session, "宁波甬城家政")
    return Desk(app, signed_in_admin(app, client, agency.id), add_worker(client, key))


def _submit(desk: Desk, page: str, form: dict[str, str]) -> tuple[int, str, bool]:
    """Fill ``page``'s form as a browser does; return the status, the page, and whether any row changed."""
    engine = desk.app.extensions["anxin_db"].engine
    assert desk.console.get(page).status_code == 200  # the form, and its CSRF token
    before = row_counts(engine)
    res = desk.console.post(page, form)
    changed = row_counts(engine) != before
    assert res.status_code < 500, (res.status_code, text(res)[:500])
    event(f"{page}: {res.status_code}")  # how many were accepted, refused (--hypothesis-show-statistics)
    return res.status_code, text(res), changed


def _accepted_or_refused_cleanly(status: int, page: str, changed: bool, valid: bool) -> None:
    """A valid form is accepted (302, rows written); any other answer is a clean refusal."""
    if valid:
        assert status == 302, chinese_error(page) or page[:2000]
    if status == 302:
        assert changed
    else:
        _refused_cleanly(status, page, changed)


def _refused_cleanly(status: int, page: str, changed: bool) -> None:
    assert 400 <= status < 500, status
    assert chinese_error(page), page[:2000]
    assert not changed, "a refused form wrote rows"


# -- forms: a valid one (which must be accepted), then some of its fields spoiled ----------------------

junk = st.one_of(any_text, hostile, st.just(""), st.just(" "), st.text(max_size=5), st.just("x" * 20_000),
                 st.sampled_from(["０", "１３９０５７４１２３４", "٣", "1e9", "-1", "NaN", "None", "null", "[]", "{}",
                                  "2026-02-30", "0000-00-00", "9999-12-31", "99999999999999999999"]))
_serial = itertools.count(1)
# Drawn per example but made unique outside the draw: an accepted form never collides with an earlier one.
unique = st.just(None).map(lambda _: next(_serial))
valid_names = st.sampled_from(["伍秀芳", "陈美玲", "李春梅", "阿依古丽·买买提", "Anna Li", "欧阳娜娜"])
# Workers are 16 to 80 years old.
births = st.integers(16 * 366, 79 * 365).map(lambda d: TODAY - dt.timedelta(days=d))
phones = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


@st.composite
def spoiled(draw: st.DrawFn, valid: st.SearchStrategy[dict[str, str]]) -> tuple[dict[str, str], bool]:
    """A valid form as drawn (True), or with some fields replaced by junk or left out (False)."""
    form = draw(valid)
    some = st.sets(st.sampled_from(sorted(form)), min_size=1)
    names = draw(st.one_of(st.just(set[str]()), some, some))
    for name in sorted(names):
        if draw(st.integers(0, 4)) == 0:
            del form[name]
        else:
            form[name] = draw(junk)
    return form, not names


@st.composite
def worker_forms(draw: st.DrawFn) -> dict[str, str]:
    birth = draw(births)
    return {
        "name": draw(valid_names),
        "id_number": id_number(birth, draw(unique)),
        "phone": draw(phones),
        "gender": draw(st.sampled_from(["female", "male", "女", "男"])),
        "birth_date": draw(st.sampled_from([birth.isoformat(), f"{birth.year}/{birth.month}/{birth.day}"])),
        "service_types": draw(st.sampled_from(["月嫂", "月嫂、育婴师", "保洁,保姆", "育儿嫂；催乳师"])),
        "experience_years": str(draw(st.integers(0, 60))),
        "hometown": draw(st.sampled_from(["", "浙江宁波", "湖南衡阳"])),
        "consent_signed_on": draw(st.one_of(st.just(""), st.integers(0, 300).map(
            lambda d: (TODAY - dt.timedelta(days=d)).isoformat()))),
    }


@st.composite
def engagement_forms(draw: st.DrawFn, worker_id: int) -> dict[str, str]:
    starts = TODAY + dt.timedelta(days=draw(st.integers(-30, 30)))
    form = {
        "worker_id": str(worker_id),
        "starts_on": starts.isoformat(),
        "ends_on": (starts + dt.timedelta(days=draw(st.integers(1, 120)))).isoformat(),
        "family_name": draw(st.sampled_from(["陈家", "王先生家", "Smith 家"])),
    }
    ends = dt.date.fromisoformat(form["ends_on"])
    for i in range(draw(st.integers(0, 4))):
        born = min(TODAY - dt.timedelta(days=draw(st.integers(0, 60))), ends)  # born by the end of the service
        form |= {
            f"babies-{i}-nickname": draw(st.sampled_from(["大宝", "二宝", "小米", ""])),
            f"babies-{i}-sex": draw(st.sampled_from(["female", "male", ""])),
            f"babies-{i}-born_at": draw(st.sampled_from([born.isoformat(), f"{born.isoformat()}T07:30", ""])),
            f"babies-{i}-gestation_weeks": draw(st.one_of(st.integers(22, 44).map(str), st.just(""))),
            f"babies-{i}-birth_weight_g": draw(st.one_of(st.integers(500, 6000).map(str), st.just(""))),
        }
    return form


@st.composite
def staff_forms(draw: st.DrawFn) -> dict[str, str]:
    n = draw(unique)
    return {
        "username": draw(st.from_regex(r"[a-z][a-z0-9_]{2,10}", fullmatch=True)) + f"_{n}",
        "display_name": draw(st.sampled_from(["小张", "王经理", ""])),
        "phone": draw(st.sampled_from(["", f"1380000{n:04d}"])),
        "role": draw(st.sampled_from(STAFF_ROLES)),
    }


# -- the properties -------------------------------------------------------------------------------

@budget(80)
@given(case=spoiled(worker_forms()))
@example(case=({"name": "\x00", "id_number": "\ud7ff", "phone": "x" * 20_000, "gender": "其他",
                "birth_date": "1985-02-30", "service_types": "", "experience_years": "99999999999999999999",
                "hometown": "\u202e", "consent_signed_on": "0000-00-00"}, False))
def test_the_worker_form(desk: Desk, case: tuple[dict[str, str], bool]) -> None:
    form, valid = case
    status, page, changed = _submit(desk, "/console/workers/new", form)
    _accepted_or_refused_cleanly(status, page, changed, valid)


@budget(80)
@given(data=st.data())
def test_the_engagement_form(desk: Desk, data: st.DataObject) -> None:
    form, valid = data.draw(spoiled(engagement_forms(desk.worker_id)))
    status, page, changed = _submit(desk, "/console/engagements/new", form)
    _accepted_or_refused_cleanly(status, page, changed, valid)


@budget(40)
@given(case=spoiled(staff_forms()))
@example(case=({"username": "boss", "display_name": "", "phone": "", "role": "clerk"}, False))  # taken
@example(case=({"username": "kefu1", "display_name": "小张", "phone": "13800000001", "role": "root"}, False))
def test_the_staff_form(desk: Desk, case: tuple[dict[str, str], bool]) -> None:
    form, valid = case
    status, page, changed = _submit(desk, "/console/staff", form)
    if valid:
        assert status == 200, chinese_error(page) or page[:2000]
    if status == 200:  # created: its password is shown once
        assert changed and 'class="password"' in page
    else:
        _refused_cleanly(status, page, changed)
