"""The diary in the mini-program: bind, engagements, days, entries (offline-safe), ratings, summaries.

Thin adapters over ``bot.diary``: the same functions the chat uses. Times go out as
ISO 8601 with the offset of ANXIN_TIMEZONE; times that come in without an offset
are read in that zone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast
from zoneinfo import ZoneInfo

from flask import Response, current_app
from flask.globals import app_ctx
from sqlalchemy.exc import IntegrityError

from bot.api.schema import ApiResult, operation
from bot.core.clock import utcnow
from bot.core.errors import BadRequest, NotFound, TooManyRequests
from bot.delivery.notify import deliver_soon
from bot.diary import days, engagements, entries, family, texts
from bot.diary.bind_attempts import BindLimits, count_bind_attempt
from bot.diary.days import DaySummary, EntryView
from bot.diary.flags import flags_of_entries
from bot.diary.kinds import KIND_FIELDS, NOT_POSTABLE
from bot.diary.parse import ParsedEntry
from bot.diary.refs import BindingRef, binding_in, current_binding, worker_name
from bot.diary.schemas import EntryBase, read_fields
from bot.models import Binding, DiaryEntry
from bot.store.db import get_session
from bot.store.ratelimit import counter_for, hit
from miniprogram_api import bp
from miniprogram_api.auth import current_openid, login_required
from miniprogram_api.models import (
    ENTRIES_IN,
    ENTRIES_OUT,
    BabyOut,
    BindIn,
    DayOut,
    DayRating,
    EngagementList,
    EngagementOut,
    EntryOut,
    EntryPatch,
    FlagOut,
    MemberRating,
    RatingIn,
    RatingOut,
    RelationIn,
    Role,
    Severity,
    SummaryOut,
    SummaryQuery,
    SummaryRange,
    WithdrawnOut,
    WithdrawQuery,
)

MAX_SUMMARY_DAYS = 120
AUTHED = (401, 429)


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["ANXIN_TIMEZONE"])


def local(moment: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """A time as it goes out: ISO 8601 with the offset of ANXIN_TIMEZONE, to the second."""
    return moment.astimezone(tz).replace(microsecond=0)


def aware(moment: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """A time that came in: without an offset it is read in ANXIN_TIMEZONE."""
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def _deliver_flags() -> None:
    """Flags reach the family the moment they are committed, from this surface as from chat."""
    deliver_soon(app_ctx.app)


# Days a path may name by a word, as offsets from today in the service's time zone.
DAY_WORDS = {"today": 0, "yesterday": -1}


def read_date(value: str) -> dt.date:
    """``YYYY-MM-DD``, or ``today`` / ``yesterday`` (local, the service's time zone)."""
    if value in DAY_WORDS:
        return utcnow().astimezone(_tz()).date() + dt.timedelta(days=DAY_WORDS[value])
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise BadRequest("日期应为 YYYY-MM-DD、today 或 yesterday (invalid date)", code="invalid_date") from None
    return day  # the range a diary can hold is checked where days are turned into times (days.day_bounds)


def _binding(engagement_id: int) -> BindingRef:
    """The caller's binding to the engagement the path names, read once for the request (its engagement, babies
    and the caller's role in it); 404 when the caller is not bound to it."""
    binding = binding_in(get_session(), engagement_id, current_openid())
    if binding is None:
        raise NotFound("没有这户的日记，或您未绑定 (no such engagement)", code="engagement_not_found")
    return binding


# -- rendering ---------------------------------------------------------------------------------

def entry_out(view: EntryView, tz: ZoneInfo, flags: list[FlagOut] | None = None) -> EntryOut:
    return EntryOut(
        id=view.id, client_id=view.client_id, kind=view.kind, text=view.text, body=view.body,
        occurred_at=local(view.occurred_at, tz), recorded_at=local(view.recorded_at, tz),
        author="me" if view.author == current_openid() else "nurse", revised=view.revised, backdated=view.backdated,
        version=view.version, flags=flags or [], baby_id=view.baby_id, **view.fields,
    )


def flag_out(flag: Any, tz: ZoneInfo) -> FlagOut:
    return FlagOut(id=flag.id, entry_id=flag.entry_id, rule=flag.rule, severity=cast(Severity, flag.severity),
                   reason=flag.reason,
                   raised_at=local(flag.raised_at, tz))


def summary_out(summary: DaySummary) -> SummaryOut:
    return SummaryOut(**summary.to_dict(), sleep_hours=round(summary.sleep_min / 60, 1))


def _entries_out(rows: list[DiaryEntry], tz: ZoneInfo) -> list[EntryOut]:
    session = get_session()
    by_entry: dict[int, list[FlagOut]] = {}
    for flag in flags_of_entries(session, [r.id for r in rows]):
        if flag.entry_id is not None:
            by_entry.setdefault(flag.entry_id, []).append(flag_out(flag, tz))
    return [entry_out(days.entry_view(r), tz, by_entry.get(r.id)) for r in rows]


def engagement_out(binding: Binding, current_id: int | None, tz: ZoneInfo) -> EngagementOut:
    engagement = binding.engagement
    return EngagementOut(
        id=engagement.id, role=cast(Role, binding.role), family_name=engagement.family_name,
        baby_nickname=engagement.baby_nickname, starts_on=engagement.starts_on, ends_on=engagement.ends_on,
        nurse=worker_name(get_session(), engagement) or None, agency=engagement.agency.name,
        current=engagement.id == current_id, bound_at=local(binding.bound_at, tz), relation=binding.relation,
    )


# -- routes ------------------------------------------------------------------------------------

@bp.post("/bind")
@login_required
@operation(body=BindIn, responses={201: EngagementOut}, errors=(*AUTHED, 400, 404, 409))
def bind(body: BindIn) -> ApiResult:
    """用月嫂码或家属码绑定"""
    session = get_session()
    allowed = count_bind_attempt(counter_for(current_app.config, session), current_openid(),
                                 BindLimits.from_settings(current_app.config))
    session.commit()  # the attempt counts even when the code is refused (a refusal rolls the request back)
    if not allowed:
        raise TooManyRequests(texts.BIND_TOO_MANY, code="too_many_bind_attempts")
    binding = engagements.bind(session, current_openid(), body.code, utcnow(), _tz())
    if binding.role == engagements.PARENT and body.relation is not None:
        engagements.set_relation(session, binding.id, body.relation)  # refused: nothing of the binding is written
    session.commit()
    return engagement_out(binding, binding.engagement_id, _tz()), 201


@bp.put("/engagements/<id:engagement_id>/relation")
@login_required
@operation(body=RelationIn, responses={200: EngagementOut}, errors=(*AUTHED, 400, 403, 404))
def put_relation(engagement_id: int, body: RelationIn) -> ApiResult:
    """家人说明自己是宝宝的谁（如聊天里的“我是 奶奶”），评分以此称呼"""
    session = get_session()
    binding = engagements.set_relation(session, _binding(engagement_id).id, body.relation)
    session.commit()
    current = current_binding(session, current_openid())
    return engagement_out(binding, current.engagement_id if current else None, _tz())


@bp.get("/engagements")
@login_required
@operation(responses={200: EngagementList}, errors=AUTHED)
def list_engagements() -> ApiResult:
    """我绑定的服务"""
    session = get_session()
    current = current_binding(session, current_openid())
    current_id = current.engagement_id if current else None
    rows = engagements.bindings_of(session, current_openid())
    return EngagementList(engagements=[engagement_out(b, current_id, _tz()) for b in rows])


@bp.get("/engagements/<id:engagement_id>/days/<day>")
@login_required
@operation(responses={200: DayOut}, errors=(*AUTHED, 404))
def day_view(engagement_id: int, day: str) -> ApiResult:
    """某一天的日记：{"date", "entries", "summary", "rating", "ratings", "flags"}；day 为 YYYY-MM-DD 或 today / yesterday"""
    binding = _binding(engagement_id)
    engagement = binding.engagement
    tz = _tz()
    view = days.day_view(get_session(), engagement, read_date(day), tz)
    # The family sees the flags it is told of; the nurse also the safety net's (she was told it went to a person).
    shown = view.family_flags if binding.role == engagements.PARENT else view.flags
    flags = [flag_out(f, tz) for f in shown]
    by_entry: dict[int, list[FlagOut]] = {}
    for flag in flags:
        if flag.entry_id is not None:
            by_entry.setdefault(flag.entry_id, []).append(flag)
    me = current_openid()
    own = view.rating_of(me)
    rating = None if own is None else DayRating(stars=own.stars, comment=own.comment,
                                                updated_at=local(own.updated_at, tz))
    ratings = [MemberRating(stars=r.stars, comment=r.comment, updated_at=local(r.updated_at, tz), member=r.member,
                            mine=r.rated_by == me) for r in view.ratings]
    babies = [BabyOut(id=b.id, position=b.position, label=b.label, nickname=b.nickname, sex=cast(Any, b.sex))
              for b in view.babies] or None
    return DayOut(date=view.date, entries=[entry_out(e, tz, by_entry.get(e.id)) for e in view.entries],
                  summary=summary_out(view.summary), rating=rating, ratings=ratings, flags=flags, babies=babies)


def parsed_entry(entry: EntryBase, tz: ZoneInfo) -> ParsedEntry:
    kind = str(getattr(entry, "kind"))  # noqa: B009 - the discriminator every entry model declares
    return ParsedEntry(kind=kind, fields=entry.kind_fields(), text=entry.text or "",
                       occurred_at=aware(entry.occurred_at, tz), client_id=entry.client_id, baby_id=entry.baby_id)


@bp.post("/engagements/<id:engagement_id>/entries")
@login_required
@operation(body=ENTRIES_IN, responses={201: ENTRIES_OUT, 200: ENTRIES_OUT}, errors=(*AUTHED, 403, 404, 409))
def post_entries(engagement_id: int, body: EntryBase | list[EntryBase]) -> ApiResult:
    """记录一条或一批（离线后补传；client_id 相同的不会重复记录）"""
    binding = _binding(engagement_id)
    tz = _tz()
    items = body if isinstance(body, list) else [body]
    parsed = [parsed_entry(item, tz) for item in items]
    if len({p.client_id for p in parsed}) != len(parsed):
        raise BadRequest("同一批记录的 client_id 不能重复 (duplicate client_id in the batch)", code="duplicate_client_id")
    session = get_session()
    rows = entries.record_entries(session, binding.engagement, current_openid(), parsed, utcnow(), tz, role=binding.role)
    out = _entries_out(rows, tz)
    flagged = any(e.flags for e in out)
    session.commit()
    if flagged:
        _deliver_flags()
    status = 201 if rows.created else 200
    return (out if isinstance(body, list) else out[0]), status


def _own_entry_id(entry_id: int) -> DiaryEntry:
    entry = get_session().get(DiaryEntry, entry_id)
    if entry is None or entry.author_openid != current_openid() or entry.withdrawn_at is not None:
        raise NotFound("记录不存在 (no such entry)", code="entry_not_found")
    return entry


@bp.patch("/entries/<id:entry_id>")
@login_required
@operation(body=EntryPatch, responses={200: EntryOut}, errors=(*AUTHED, 404, 409))
def patch_entry(entry_id: int, body: EntryPatch) -> ApiResult:
    """修改自己的记录（保留修改历史）；带上读取时的 version，已被更新则 409"""
    tz = _tz()
    entry = _own_entry_id(entry_id)
    kind = body.kind or entry.kind
    if kind in NOT_POSTABLE or kind not in KIND_FIELDS:
        raise BadRequest("kind 无效 (invalid kind)", code="invalid_kind")
    field_data = body.field_data()
    unknown = sorted(set(field_data) - {f.name for f in KIND_FIELDS[kind]})
    if unknown:
        raise BadRequest(f"不能修改的字段 {', '.join(unknown)} (unknown or fixed fields)", code="unknown_field")
    # Fields not sent keep their values, unless the kind changes (then only what is sent).
    merged = field_data if kind != entry.kind else {**entry.fields, **field_data}
    fields = read_fields(kind, merged)
    occurred_at = aware(body.occurred_at, tz) if body.occurred_at is not None else None
    if kind == "note" and not (body.text if body.text is not None else entry.text).strip():
        raise BadRequest("备注需要 text (a note needs text)", code="missing_field")
    session = get_session()
    row = entries.revise_entry(session, entry.id, current_openid(), utcnow(), kind=kind, fields=fields, text=body.text,
                               occurred_at=occurred_at, tz=tz, expected_version=body.version)
    out = _entries_out([row], tz)[0]
    session.commit()
    if out.flags:
        _deliver_flags()
    return out


@bp.delete("/entries/<id:entry_id>")
@login_required
@operation(query=WithdrawQuery, responses={200: WithdrawnOut}, errors=(*AUTHED, 404, 409))
def delete_entry(entry_id: int, query: WithdrawQuery) -> ApiResult:
    """撤回自己的记录（保留在历史中）；?version= 防止覆盖更新的修改"""
    entry = _own_entry_id(entry_id)
    session = get_session()
    row = entries.withdraw_entry(session, entry.id, current_openid(), utcnow(), expected_version=query.version,
                                 tz=_tz())
    session.commit()
    assert row.withdrawn_at is not None
    return WithdrawnOut(id=row.id, withdrawn_at=local(row.withdrawn_at, _tz()), version=row.version)


@bp.put("/engagements/<id:engagement_id>/days/<day>/rating")
@login_required
@operation(body=RatingIn, responses={201: RatingOut, 200: RatingOut}, errors=(*AUTHED, 403, 404))
def put_rating(engagement_id: int, day: str, body: RatingIn) -> ApiResult:
    """家人为这一天评分（1–5 星；再评一次即替换）"""
    binding = _binding(engagement_id)
    engagement = binding.engagement
    date = read_date(day)
    today = utcnow().astimezone(_tz()).date()
    if not engagement.starts_on <= date <= min(engagement.ends_on, today):
        raise BadRequest("只能为服务期内、今天及以前的日子评分 (the day is outside the engagement)", code="invalid_date")
    session = get_session()
    rating, replaced = family.rate_day(session, engagement, current_openid(), date, body.stars, body.comment, utcnow(),
                                       role=binding.role)
    out = RatingOut(date=date, stars=rating.stars, comment=rating.comment, replaced=replaced,
                    updated_at=local(rating.updated_at, _tz()))
    session.commit()
    return out, (200 if replaced else 201)


@bp.get("/engagements/<id:engagement_id>/summary")
@login_required
@operation(query=SummaryQuery, responses={200: SummaryRange}, errors=(*AUTHED, 404))
def summary(engagement_id: int, query: SummaryQuery) -> ApiResult:
    """每天的统计，用于图表：?from=YYYY-MM-DD&to=YYYY-MM-DD（默认整个服务期至今）"""
    engagement = _binding(engagement_id).engagement
    tz = _tz()
    today = utcnow().astimezone(tz).date()
    first = query.from_ or engagement.starts_on
    last = query.to or min(engagement.ends_on, today)
    if last < first:
        raise BadRequest("to 不能早于 from (to before from)", code="invalid_date")
    if (last - first).days >= MAX_SUMMARY_DAYS:
        raise BadRequest(f"一次最多{MAX_SUMMARY_DAYS}天 (at most {MAX_SUMMARY_DAYS} days)", code="range_too_long")
    rows = days.summaries(get_session(), engagement, first, last, tz)
    return SummaryRange(from_=first, to=last, days=[summary_out(s) for s in rows])


@bp.get("/engagements/<id:engagement_id>/export.pdf")
@login_required
@operation(responses={200: "application/pdf"}, errors=(*AUTHED, 404))
def export_pdf(engagement_id: int) -> ApiResult:
    """整个月子期的日记（PDF 纪念册）"""
    from bot.diary.keepsake import cached_keepsake

    engagement = _binding(engagement_id).engagement
    config = current_app.config
    session = get_session()
    # Per reader, cached copy or not: each answer is megabytes, and a build after a new entry takes seconds.
    allowed = hit(counter_for(config, session), f"keepsake:{current_openid()}", config["ANXIN_KEEPSAKE_LIMIT"],
                  config["ANXIN_KEEPSAKE_WINDOW"])
    session.commit()  # the count stands whatever the export does next
    if not allowed:
        raise TooManyRequests("导出纪念册过于频繁，请稍后再试 (too many keepsake exports)", code="too_many_requests")
    tz = _tz()
    pdf = cached_keepsake(session, engagement, tz, utcnow().astimezone(tz).date(), worker_name(session, engagement))
    try:
        session.commit()
    except IntegrityError:  # another server stored the same diary's keepsake a moment ago: either copy will do
        session.rollback()
    filename = f"yuezi-diary-{engagement.id}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
