"""find_profile: status light, 安心服务证, masking, refusals, logging, rate limits, the credit grade."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select

from bot.lookup.credit import CheckState, ComplaintSummary, RatingSummary, compute_credit, grade_for
from bot.lookup.profile import Limits, Profile, Refusal, age_on, find_profile, mask_name
from bot.models import VERIFICATION_KINDS, Complaint, Engagement, LookupLog, Rating, Worker
from tests.support.agency import TODAY, add_worker, auth, publish, verify
from tests.support.factories import make_agency

LIMITS = Limits(per_user=1000, per_address=1000, window=3600)


def lookup(session, code: str, who: str = "o-employer", address: str | None = None,
           limits: Limits = LIMITS, today: dt.date = TODAY) -> Profile | Refusal:
    result = find_profile(session, code, "chat", who=who, address=address, today=today, limits=limits)
    session.commit()
    return result


@pytest.fixture
def key(session) -> str:
    return make_agency(session, "宁波甬城家政")[1]


def test_masking_and_age() -> None:
    assert mask_name("伍秀芳") == "伍*芳"
    assert mask_name("伍芳") == "伍*"
    assert mask_name("欧阳秀芳") == "欧**芳"
    assert age_on(dt.date(1985, 6, 12), dt.date(2026, 6, 11)) == 40
    assert age_on(dt.date(1985, 6, 12), dt.date(2026, 6, 12)) == 41


def test_green_certified_profile(app, client, key: str) -> None:
    worker_id = add_worker(client, key, name="伍秀芳", birth=dt.date(1985, 6, 12))
    code = publish(client, key, worker_id)
    with app.extensions["anxin_db"].new_session() as session:
        result = lookup(session, code.lower())
    assert isinstance(result, Profile)
    assert result.light == "green" and result.certified
    assert result.masked_name == "伍*芳" and result.agency_name == "宁波甬城家政" and result.has_photo
    assert result.age == age_on(dt.date(1985, 6, 12), TODAY)
    assert [c.state for c in result.checks] == ["verified"] * 6
    data = result.to_dict()
    assert data["status_light"] == "green" and data["anxin_certified"] is True
    assert "birth_date" not in data and "hometown" not in str(data) and "浙江宁波" not in str(data)


@pytest.mark.parametrize(
    ("kinds", "light", "certified"),
    [
        (("identity", "health", "insurance"), "green", False),
        (("identity", "health", "no_criminal_record", "training_exam", "vocational_cert"), "yellow", True),
        (("identity", "insurance"), "yellow", False),
        (("health", "insurance", "no_criminal_record"), "red", False),
    ],
)
def test_status_light(app, client, key: str, kinds: tuple[str, ...], light: str, certified: bool) -> None:
    code = publish(client, key, add_worker(client, key), kinds=kinds)
    with app.extensions["anxin_db"].new_session() as session:
        result = lookup(session, code)
    assert isinstance(result, Profile)
    assert (result.light, result.certified) == (light, certified)


def test_an_expired_health_certificate_turns_the_light_yellow(app, client, key: str) -> None:
    worker_id = add_worker(client, key)
    code = publish(client, key, worker_id)
    verify(client, key, worker_id, "health", expires_on=TODAY - dt.timedelta(days=1))  # the newest is in force
    with app.extensions["anxin_db"].new_session() as session:
        result = lookup(session, code)
    assert isinstance(result, Profile)
    states = {c.kind: c.state for c in result.checks}
    assert states["health"] == "expired" and result.light == "yellow" and not result.certified


def test_a_failed_check_shows_only_not_passed(app, client, key: str) -> None:
    worker_id = add_worker(client, key)
    code = publish(client, key, worker_id, kinds=("identity", "health", "insurance"))
    verify(client, key, worker_id, "no_criminal_record", status="failed", document_no="案号(2020)浙0203刑初1号")
    with app.extensions["anxin_db"].new_session() as session:
        result = lookup(session, code)
    assert isinstance(result, Profile)
    assert {c.kind: c.state for c in result.checks}["no_criminal_record"] == "failed"
    assert "刑初" not in str(result.to_dict())


def test_each_refusal_is_distinct_and_logged(app, client, session, key: str) -> None:
    unconsented = publish(client, key, add_worker(client, key), consent=False)
    revoked = publish(client, key, add_worker(client, key))
    assert client.delete(f"/admin/v1/badges/{revoked}", headers=auth(key)).status_code == 200
    expired_worker = add_worker(client, key)
    expired = publish(client, key, expired_worker)
    db = app.extensions["anxin_db"]
    answers = {}
    with db.new_session() as s:
        answers["mistyped"] = lookup(s, unconsented[:10] + ("0" if unconsented[10] != "0" else "1"))
        answers["unknown"] = lookup(s, "00000-00001-Y")
        answers["malformed"] = lookup(s, "hello")
        answers["not_consented"] = lookup(s, unconsented)
        answers["revoked"] = lookup(s, revoked)
        answers["expired"] = lookup(s, expired, today=TODAY + dt.timedelta(days=800))
    refusals = {reason: answer for reason, answer in answers.items() if isinstance(answer, Refusal)}
    assert {reason: refusal.reason for reason, refusal in refusals.items()} == {reason: reason for reason in answers}
    assert "输错" in refusals["mistyped"].message and "不存在" in refusals["unknown"].message
    assert "不存在" not in refusals["mistyped"].message
    assert "注销" in refusals["revoked"].message and refusals["revoked"].light == "red"
    assert "过期" in refusals["expired"].message and refusals["expired"].light == "red"
    assert "授权" in refusals["not_consented"].message
    logged = [(r.outcome, r.openid, r.surface) for r in session.scalars(select(LookupLog).order_by(LookupLog.id))]
    assert logged == [(reason, "o-employer", "chat") for reason in answers]


def test_a_mistyped_code_is_refused_before_the_badge_table_is_read(app, client, key: str) -> None:
    code = publish(client, key, add_worker(client, key))
    typo = code[:3] + ("Z" if code[3] != "Z" else "Y") + code[4:]
    statements: list[str] = []
    engine = app.extensions["anxin_db"].engine

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement.lower())

    event.listen(engine, "before_cursor_execute", record)
    try:
        with app.extensions["anxin_db"].new_session() as session:
            result = lookup(session, typo)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert isinstance(result, Refusal) and result.reason == "mistyped"
    assert statements and not any("from badge" in s for s in statements), statements


def test_rate_limit_per_user_counts_mistyped_codes_too(app, client, key: str) -> None:
    code = publish(client, key, add_worker(client, key))
    limits = Limits(per_user=3, per_address=100, window=3600)
    with app.extensions["anxin_db"].new_session() as session:
        results = [lookup(session, "00000-00001-0", limits=limits) for _ in range(3)]  # mistyped
        blocked = lookup(session, code, limits=limits)
        other_user = lookup(session, code, who="o-someone-else", limits=limits)
    assert all(isinstance(r, Refusal) and r.reason == "mistyped" for r in results)
    assert isinstance(blocked, Refusal) and blocked.reason == "rate_limited" and "频繁" in blocked.message
    assert isinstance(other_user, Profile)


def test_rate_limit_per_address_across_users(app, client, key: str) -> None:
    code = publish(client, key, add_worker(client, key))
    limits = Limits(per_user=100, per_address=2, window=3600)
    with app.extensions["anxin_db"].new_session() as session:
        answers = [lookup(session, code, who=f"o-{i}", address="203.0.113.9", limits=limits) for i in range(3)]
        elsewhere = lookup(session, code, who="o-9", address="198.51.100.1", limits=limits)
    assert [isinstance(a, Profile) for a in answers] == [True, True, False]
    assert isinstance(elsewhere, Profile)


# -- the credit grade --------------------------------------------------------------------

def _checks(states: dict[str, str]) -> dict[str, CheckState]:
    return {k: CheckState(k, states.get(k, "missing"), None, None) for k in VERIFICATION_KINDS}


def test_credit_formula_examples() -> None:
    all_valid = _checks(dict.fromkeys(VERIFICATION_KINDS, "verified"))
    best = grade_for(all_valid, RatingSummary(4.8, 20), 6, ComplaintSummary(0, 0))
    assert (best.score, best.grade) == (40 + 36 + 18 + 10, 5)
    new = grade_for(_checks({"identity": "verified"}), RatingSummary(None, 0), 0, ComplaintSummary(0, 0))
    assert (new.score, new.grade) == (46, 2)
    assert any("评分不足" in r for r in new.reasons)
    complained = grade_for(all_valid, RatingSummary(3.0, 5), 1, ComplaintSummary(2, 1))
    assert (complained.score, complained.grade) == (40 + 36 + 0 + 2 - 8 - 3, 3)
    assert any("尚未处理" in r and "-8" in r for r in complained.reasons)
    no_identity = grade_for(_checks({k: "verified" for k in VERIFICATION_KINDS if k != "identity"}),
                            RatingSummary(5.0, 10), 5, ComplaintSummary(0, 0))
    assert no_identity.grade == 2 and any("实名认证" in r for r in no_identity.reasons)
    failed = grade_for(_checks({"identity": "verified", "no_criminal_record": "failed"}), RatingSummary(None, 0), 0,
                       ComplaintSummary(0, 0))
    assert (failed.score, failed.grade) == (36, 1)


def test_compute_credit_reads_ratings_and_complaints_and_stores(app, client, session, key: str) -> None:
    worker_id = add_worker(client, key)
    publish(client, key, worker_id)
    db = app.extensions["anxin_db"]
    with db.new_session() as s:
        worker = s.get(Worker, worker_id)
        engagement = Engagement(agency_id=worker.agency_id, worker_id=worker_id, family_name="张", starts_on=TODAY,
                                ends_on=TODAY + dt.timedelta(days=26), nurse_code="N1", family_code="F1")
        s.add(engagement)
        s.flush()
        for day, stars in enumerate((5, 4, 5)):
            s.add(Rating(engagement_id=engagement.id, day=TODAY - dt.timedelta(days=day), stars=stars, rated_by="o-p"))
        s.add(Complaint(agency_id=worker.agency_id, worker_id=worker_id, engagement_id=engagement.id, openid="o-p",
                        text="迟到"))
        s.flush()
        credit = compute_credit(s, worker, TODAY, store=True)
        s.commit()
    assert credit.score == 40 + 36 + 17 + 2 - 8  # average 4.7 → +17
    assert credit.grade == 5
    session.rollback()
    stored = session.get(Worker, worker_id)
    assert stored.credit_grade == 5 and stored.credit_reasons == credit.reasons
    assert stored.credit_computed_at is not None


def test_a_shown_profile_reads_the_record_with_the_badge_in_four_statements(app, client, key: str) -> None:
    """The counter, the badge with its holder and her record, the checks, the log row: nothing more, and the
    record read with the badge (ratings, families served, complaints) is the one the credit formula reads."""
    worker_id = add_worker(client, key)
    code = publish(client, key, worker_id)
    for kind in VERIFICATION_KINDS:
        verify(client, key, worker_id, kind)
    db = app.extensions["anxin_db"]
    with db.new_session() as s:
        worker = s.get(Worker, worker_id)
        for n, begun in enumerate((TODAY - dt.timedelta(days=60), TODAY + dt.timedelta(days=30))):  # one yet to start
            engagement = Engagement(agency_id=worker.agency_id, worker_id=worker_id, family_name="张", starts_on=begun,
                                    ends_on=begun + dt.timedelta(days=26), nurse_code=f"N{n}", family_code=f"F{n}")
            s.add(engagement)
            s.flush()
        for day, stars in enumerate((5, 4, 4)):
            s.add(Rating(engagement_id=engagement.id, day=TODAY - dt.timedelta(days=day), stars=stars, rated_by="o-p"))
        s.add(Complaint(agency_id=worker.agency_id, worker_id=worker_id, engagement_id=engagement.id, openid="o-p",
                        text="迟到", responded_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC), response_text="已道歉"))
        s.commit()
        expected = compute_credit(s, s.get(Worker, worker_id), TODAY)
    statements: list[str] = []
    engine = db.engine

    def record(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split())[:120])

    event.listen(engine, "before_cursor_execute", record)
    try:
        with db.new_session() as session:
            profile = lookup(session, code)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert isinstance(profile, Profile), profile
    assert profile.ratings == RatingSummary(4.3, 3) and profile.engagements_served == 1
    assert profile.complaints == ComplaintSummary(1, 1) and profile.light == "green"
    assert profile.credit == expected
    work = [s for s in statements if not s.lower().startswith(("begin", "commit", "rollback"))]
    assert len(work) <= 4, "\n".join(work)
