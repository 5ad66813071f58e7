"""The diary in the mini-program: bind, engagements, days, entries (offline-safe), ratings, summaries.

Thin adapters over ``bot.diary``: the same functions the chat uses. Times go out as
ISO 8601 with the offset of ANXIN_TIMEZONE; times that come in without an offset
are read in that zone.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, current_app, jsonify, request

from bot.clock import utcnow
from bot.db import get_session
from bot.diary import days, engagements, entries, family
from bot.diary.days import DaySummary, EntryView
from bot.diary.engagements import NURSE
from bot.diary.flags import flags_of_entries
from bot.diary.keepsake import nurse_display_name
from bot.diary.kinds import KIND_FIELDS, NOT_POSTABLE, read_fields
from bot.diary.parse import ParsedEntry
from bot.errors import BadRequest, NotFound
from bot.models import Binding, DiaryEntry, Engagement
from bot.validation import integer, json_object
from bot.validation import text as text_field
from miniprogram_api import bp
from miniprogram_api.auth import current_openid, login_required

MAX_BATCH = 200
MAX_SUMMARY_DAYS = 120
ENTRY_KEYS = {"client_id", "occurred_at", "kind", "text"}


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["ANXIN_TIMEZONE"])


def iso(moment: dt.datetime | None, tz: ZoneInfo) -> str | None:
    return moment.astimezone(tz).isoformat(timespec="seconds") if moment else None


def read_time(value: Any, name: str, tz: ZoneInfo) -> dt.datetime:
    """An ISO 8601 time; without an offset it is read in ANXIN_TIMEZONE."""
    if not isinstance(value, str) or len(value) > 40:
        raise BadRequest(f"字段 {name} 应为 ISO 8601 时间 (invalid {name})", code="invalid_field")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"字段 {name} 应为 ISO 8601 时间，如 2026-11-20T07:30:00+08:00 (invalid {name})",
                         code="invalid_field") from None
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def read_date(value: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise BadRequest("日期应为 YYYY-MM-DD (invalid date)", code="invalid_date") from None
    return day  # the range a diary can hold is checked where days are turned into times (days.day_bounds)


def _engagement(engagement_id: int) -> tuple[Engagement, str]:
    """The engagement and the caller's role in it; 404 when the caller is not bound to it."""
    session = get_session()
    role = engagements.role_in(session, engagement_id, current_openid())
    engagement = session.get(Engagement, engagement_id) if role else None
    if engagement is None or role is None:
        raise NotFound("没有这户的日记，或您未绑定 (no such engagement)", code="engagement_not_found")
    return engagement, role


# -- rendering ---------------------------------------------------------------------------------

def entry_json(view: EntryView, tz: ZoneInfo, flags: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "id": view.id,
        "client_id": view.client_id,
        "kind": view.kind,
        **view.fields,
        "text": view.text,
        "occurred_at": iso(view.occurred_at, tz),
        "recorded_at": iso(view.recorded_at, tz),
        "author": "me" if view.author == current_openid() else NURSE,
        "revised": view.revised,
        "backdated": view.backdated,
        "version": view.version,
        "flags": flags or [],
    }


def flag_json(flag: Any, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": flag.id, "entry_id": flag.entry_id, "rule": flag.rule, "severity": flag.severity,
        "reason": flag.reason, "raised_at": iso(flag.raised_at, tz),
    }


def summary_json(summary: DaySummary) -> dict[str, Any]:
    data = summary.to_dict()
    data["sleep_hours"] = round(summary.sleep_min / 60, 1)
    return data


def _entries_json(rows: list[DiaryEntry], tz: ZoneInfo) -> list[dict[str, Any]]:
    session = get_session()
    by_entry: dict[int, list[dict[str, Any]]] = {}
    for flag in flags_of_entries(session, [r.id for r in rows]):
        by_entry.setdefault(flag.entry_id, []).append(flag_json(flag, tz))
    return [entry_json(days.entry_view(r), tz, by_entry.get(r.id)) for r in rows]


def engagement_json(binding: Binding, current_id: int | None, tz: ZoneInfo) -> dict[str, Any]:
    engagement = binding.engagement
    return {
        "id": engagement.id,
        "role": binding.role,
        "family_name": engagement.family_name,
        "baby_nickname": engagement.baby_nickname,
        "starts_on": engagement.starts_on.isoformat(),
        "ends_on": engagement.ends_on.isoformat(),
        "nurse": nurse_display_name(get_session(), engagement) or None,
        "agency": engagement.agency.name,
        "current": engagement.id == current_id,
        "bound_at": iso(binding.bound_at, tz),
    }


# -- routes ------------------------------------------------------------------------------------

@bp.post("/bind")
@login_required
def bind():  # type: ignore[no-untyped-def]
    """POST {"code"}: bind this user with a nurse code or a family code."""
    data = json_object(request.get_data())
    code = text_field(data, "code", max_len=32) or ""
    session = get_session()
    binding = engagements.bind(session, current_openid(), code, utcnow(), _tz())
    session.commit()
    return jsonify(engagement_json(binding, binding.engagement_id, _tz())), 201


@bp.get("/engagements")
@login_required
def list_engagements():  # type: ignore[no-untyped-def]
    session = get_session()
    current = engagements.current_binding(session, current_openid())
    current_id = current.engagement_id if current else None
    rows = engagements.bindings_of(session, current_openid())
    return jsonify({"engagements": [engagement_json(b, current_id, _tz()) for b in rows]})


@bp.get("/engagements/<id:engagement_id>/days/<day>")
@login_required
def day_view(engagement_id: int, day: str):  # type: ignore[no-untyped-def]
    """The day: {"date", "entries", "summary", "rating", "flags"}."""
    engagement, _ = _engagement(engagement_id)
    tz = _tz()
    view = days.day_view(get_session(), engagement, read_date(day), tz)
    flags = [flag_json(f, tz) for f in view.flags]
    by_entry: dict[int, list[dict[str, Any]]] = {}
    for flag in flags:
        if flag["entry_id"] is not None:
            by_entry.setdefault(flag["entry_id"], []).append(flag)
    return jsonify({
        "date": view.date.isoformat(),
        "entries": [entry_json(e, tz, by_entry.get(e.id)) for e in view.entries],
        "summary": summary_json(view.summary),
        "rating": None if view.rating is None else {
            "stars": view.rating.stars, "comment": view.rating.comment, "updated_at": iso(view.rating.updated_at, tz),
        },
        "flags": flags,
    })


def read_entry(data: Any, index: int, tz: ZoneInfo) -> ParsedEntry:
    """One entry of a POST: client_id, occurred_at, kind, the kind's fields, optional text."""
    where = f"entries[{index}]"
    if not isinstance(data, dict):
        raise BadRequest(f"{where} 应为对象 (each entry must be an object)", code="bad_json")
    kind = data.get("kind")
    if not isinstance(kind, str) or kind in NOT_POSTABLE or kind not in KIND_FIELDS:
        raise BadRequest(f"{where}.kind 无效：应为 " + " / ".join(KIND_FIELDS) + " (invalid kind)", code="invalid_kind")
    unknown = sorted(set(data) - ENTRY_KEYS - {f.name for f in KIND_FIELDS[kind]})
    if unknown:
        raise BadRequest(f"{where}：{kind} 没有字段 {', '.join(unknown)} (unknown fields)", code="unknown_field")
    client_id = text_field(data, "client_id", max_len=64)
    if "occurred_at" not in data:
        raise BadRequest(f"{where}：缺少字段 occurred_at (missing field occurred_at)", code="missing_field")
    occurred_at = read_time(data["occurred_at"], "occurred_at", tz)
    text = text_field(data, "text", required=False, max_len=entries.MAX_TEXT) or ""
    fields = read_fields(kind, {k: v for k, v in data.items() if k not in ENTRY_KEYS})
    if kind == "note" and not text:
        raise BadRequest(f"{where}：备注需要 text (a note needs text)", code="missing_field")
    return ParsedEntry(kind=kind, fields=fields, text=text, occurred_at=occurred_at, client_id=client_id)


@bp.post("/engagements/<id:engagement_id>/entries")
@login_required
def post_entries(engagement_id: int):  # type: ignore[no-untyped-def]
    """One entry or a list; a resent entry (same client_id) is answered, not added again."""
    engagement, _ = _engagement(engagement_id)
    tz = _tz()
    payload = json_object(request.get_data(), allow_list=True)
    items = payload if isinstance(payload, list) else [payload]
    if not items or len(items) > MAX_BATCH:
        raise BadRequest(f"一次提交1到{MAX_BATCH}条记录 (1-{MAX_BATCH} entries per request)", code="batch_size")
    parsed = [read_entry(item, i, tz) for i, item in enumerate(items)]
    if len({p.client_id for p in parsed}) != len(parsed):
        raise BadRequest("同一批记录的 client_id 不能重复 (duplicate client_id in the batch)", code="duplicate_client_id")
    session = get_session()
    rows = entries.record_entries(session, engagement, current_openid(), parsed, utcnow(), tz)
    body = _entries_json(rows, tz)
    session.commit()
    return jsonify(body if isinstance(payload, list) else body[0]), (201 if rows.created else 200)


def _own_entry_id(entry_id: int) -> DiaryEntry:
    entry = get_session().get(DiaryEntry, entry_id)
    if entry is None or entry.author_openid != current_openid() or entry.withdrawn_at is not None:
        raise NotFound("记录不存在 (no such entry)", code="entry_not_found")
    return entry


@bp.patch("/entries/<id:entry_id>")
@login_required
def patch_entry(entry_id: int):  # type: ignore[no-untyped-def]
    """Change the caller's own entry; send the ``version`` you read, a newer one is a 409."""
    tz = _tz()
    data = json_object(request.get_data())
    entry = _own_entry_id(entry_id)
    version = integer(data, "version", minimum=1)
    kind = data.get("kind", entry.kind)
    if not isinstance(kind, str) or kind in NOT_POSTABLE or kind not in KIND_FIELDS:
        raise BadRequest("kind 无效 (invalid kind)", code="invalid_kind")
    unknown = sorted(set(data) - ENTRY_KEYS - {"version"} - {f.name for f in KIND_FIELDS[kind]} - {"client_id"})
    if unknown or "client_id" in data:
        raise BadRequest(f"不能修改的字段 {', '.join(unknown or ['client_id'])} (unknown or fixed fields)",
                         code="unknown_field")
    field_data = {k: v for k, v in data.items() if k not in ENTRY_KEYS | {"version"}}
    # Fields not sent keep their values, unless the kind changes (then only what is sent).
    merged = field_data if kind != entry.kind else {**entry.fields, **field_data}
    fields = read_fields(kind, merged)
    occurred_at = read_time(data["occurred_at"], "occurred_at", tz) if "occurred_at" in data else None
    text = text_field(data, "text", required=False, max_len=entries.MAX_TEXT, min_len=0)
    if kind == "note" and not (text if text is not None else entry.text).strip():
        raise BadRequest("备注需要 text (a note needs text)", code="missing_field")
    session = get_session()
    row = entries.revise_entry(session, entry.id, current_openid(), utcnow(), kind=kind, fields=fields, text=text,
                               occurred_at=occurred_at, tz=tz, expected_version=version)
    body = _entries_json([row], tz)[0]
    session.commit()
    return jsonify(body)


@bp.delete("/entries/<id:entry_id>")
@login_required
def delete_entry(entry_id: int):  # type: ignore[no-untyped-def]
    """Withdraw the caller's own entry (kept in history). ``?version=`` guards against a newer edit."""
    entry = _own_entry_id(entry_id)
    version = request.args.get("version")
    if version is not None and not re.fullmatch(r"[0-9]{1,9}", version):
        raise BadRequest("version 应为整数 (invalid version)", code="invalid_field")
    session = get_session()
    row = entries.withdraw_entry(session, entry.id, current_openid(), utcnow(),
                                 expected_version=int(version) if version else None, tz=_tz())
    session.commit()
    return jsonify({"id": row.id, "withdrawn_at": iso(row.withdrawn_at, _tz()), "version": row.version})


@bp.put("/engagements/<id:engagement_id>/days/<day>/rating")
@login_required
def put_rating(engagement_id: int, day: str):  # type: ignore[no-untyped-def]
    """A parent rates a day 1–5; rating again replaces it."""
    engagement, _ = _engagement(engagement_id)
    data = json_object(request.get_data())
    date = read_date(day)
    today = utcnow().astimezone(_tz()).date()
    if not engagement.starts_on <= date <= min(engagement.ends_on, today):
        raise BadRequest("只能为服务期内、今天及以前的日子评分 (the day is outside the engagement)", code="invalid_date")
    stars = data.get("stars")
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        raise BadRequest("评分应为 1 到 5 的整数 (stars must be an integer from 1 to 5)", code="stars_out_of_range")
    comment = text_field(data, "comment", required=False, max_len=family.MAX_COMMENT, min_len=0)
    session = get_session()
    rating, replaced = family.rate_day(session, engagement, current_openid(), date, stars, comment, utcnow())
    body = {"date": date.isoformat(), "stars": rating.stars, "comment": rating.comment, "replaced": replaced,
            "updated_at": iso(rating.updated_at, _tz())}
    session.commit()
    return jsonify(body), (200 if replaced else 201)


@bp.get("/engagements/<id:engagement_id>/summary")
@login_required
def summary(engagement_id: int):  # type: ignore[no-untyped-def]
    """Per-day figures for charts: ?from=YYYY-MM-DD&to=YYYY-MM-DD (default: the whole engagement so far)."""
    engagement, _ = _engagement(engagement_id)
    tz = _tz()
    today = utcnow().astimezone(tz).date()
    first = read_date(request.args["from"]) if "from" in request.args else engagement.starts_on
    last = read_date(request.args["to"]) if "to" in request.args else min(engagement.ends_on, today)
    if last < first:
        raise BadRequest("to 不能早于 from (to before from)", code="invalid_date")
    if (last - first).days >= MAX_SUMMARY_DAYS:
        raise BadRequest(f"一次最多{MAX_SUMMARY_DAYS}天 (at most {MAX_SUMMARY_DAYS} days)", code="range_too_long")
    rows = days.summaries(get_session(), engagement, first, last, tz)
    return jsonify({"from": first.isoformat(), "to": last.isoformat(), "days": [summary_json(s) for s in rows]})


@bp.get("/engagements/<id:engagement_id>/export.pdf")
@login_required
def export_pdf(engagement_id: int):  # type: ignore[no-untyped-def]
    """The whole confinement diary as a keepsake PDF the family can save."""
    from bot.diary.keepsake import keepsake_pdf

    engagement, _ = _engagement(engagement_id)
    tz = _tz()
    session = get_session()
    pdf = keepsake_pdf(session, engagement, tz, utcnow().astimezone(tz).date(), nurse_display_name(session, engagement))
    filename = f"yuezi-diary-{engagement.id}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
