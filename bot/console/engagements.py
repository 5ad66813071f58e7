"""Engagements: the list, opening one with its babies, and its page with the binding codes as QR codes."""

from __future__ import annotations

import base64
import datetime as dt
import re
import threading
import time
from typing import Any

import requests
from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from wechatpy.exceptions import WeChatClientException

from bot.admin.models import EngagementIn
from bot.agency.listing import MAX_PER_PAGE, Page
from bot.console import bp, current_agency, current_staff, needs, today, tz
from bot.console.export import wants_xlsx, xlsx_response
from bot.console.forms import check, date_filters, values
from bot.core.clock import utcnow
from bot.core.errors import AnxinError, NotFound
from bot.core.validation import Problem
from bot.delivery.wechat_api import get_api
from bot.diary.engagements import NURSE, BabyFields, open_engagement
from bot.diary.flags import flags_of_day
from bot.diary.phones import masked_phones, set_family_phones
from bot.diary.refs import babies_of
from bot.diary.roster import STATES, EngagementRow, find_engagements, state_of
from bot.lookup.codes import CodeCheck, check_code, format_code
from bot.lookup.images import qr_png
from bot.models import Badge, Binding, DiaryFlag, Engagement, Worker
from bot.store.db import get_session

ENGAGEMENT_FORM = ("worker_id", "starts_on", "ends_on", "family_name")
BABY_FORM = ("nickname", "sex", "born_at", "gestation_weeks", "birth_weight_g")
MAX_BABY_ROWS = 4
STATE_TEXT = {"active": "服务中", "upcoming": "未开始", "ended": "已结束"}
SEX_TEXT = {"female": "女", "male": "男"}
BIND_SCENE = "bind_"
# A temporary scene QR lives at most 30 days at WeChat; ask again a day before it runs out.
QR_SECONDS = 30 * 24 * 3600
_qr_cache: dict[str, tuple[str, float]] = {}
_qr_lock = threading.Lock()


def _page_arg() -> int:
    text = request.args.get("page", "1")
    return int(text) if text.isdigit() and 0 < int(text) < 100000 else 1


ENGAGEMENT_HEADERS = ("家庭", "月嫂", "宝宝", "上户日期", "下户日期", "状态", "月嫂已绑定", "家人人数", "待处理提醒")


@bp.get("/engagements")
@needs("engagements")
def engagements() -> ResponseReturnValue:
    """By state, family name and the days the service overlaps; ``format=xlsx`` downloads every match."""
    state = request.args.get("state", "")
    state = state if state in STATES else ""
    q = request.args.get("q", "").strip()[:50]
    since, until = date_filters(request.args)

    def find(page: int, per_page: int) -> Page[EngagementRow]:
        return find_engagements(get_session(), current_agency().id, today(), state=state or None, q=q or None,
                                page=page, per_page=per_page, since=since, until=until)

    if wants_xlsx():
        first = find(1, MAX_PER_PAGE)
        rows = first.items + [r for n in range(2, first.pages + 1) for r in find(n, MAX_PER_PAGE).items]
        return xlsx_response("上户", ENGAGEMENT_HEADERS, [(
            r.engagement.family_name, r.worker_name, "、".join(b.nickname or "宝宝" for b in r.babies),
            r.engagement.starts_on, r.engagement.ends_on, STATE_TEXT[r.state], "是" if r.nurse_bound else "否",
            r.parents, r.open_flags) for r in rows])
    return render_template("console/engagements.html", found=find(_page_arg(), 20), state=state, q=q, states=STATES,
                           state_text=STATE_TEXT, since=since, until=until)


# The AAP 2022 neurotoxicity risk factor the agency knows of: "" not known (the lower bilirubin lines are used),
# "none" known to have none, or one factor (several: the agency API's babies[].risk_factors).
RISK_FIELD = "risk_factor"


def _babies_form() -> list[dict[str, str]]:
    return [{name: request.form.get(f"babies-{i}-{name}", "") for name in (*BABY_FORM, RISK_FIELD)}
            for i in range(MAX_BABY_ROWS)]


def _baby_values(baby: dict[str, str]) -> dict[str, Any]:
    given = values(baby, BABY_FORM, ints=("gestation_weeks", "birth_weight_g"))
    risk = baby.get(RISK_FIELD, "").strip()
    if given and risk:
        given["risk_factors"] = [] if risk == "none" else [risk]
    return given


# The worker picker lists this many of the agency's workers (newest first); a name typed in full finds any of them.
PICKER_LIMIT = 2000
_PICKED = re.compile(r"编号\s*([0-9]{1,9})\s*$")
_NUMBER = re.compile(r"([0-9]{1,9})")


def _picker_label(worker_id: int, name: str, code: str | None) -> str:
    return f"{name} · " + (f"工牌 {format_code(code)} · " if code else "") + f"编号 {worker_id}"


def _picker_options() -> list[str]:
    """The choices of the worker picker: 伍秀芳 · 工牌 ANX-2345-6789 · 编号 12 (a datalist: type to narrow)."""
    db = get_session()
    rows = db.execute(select(Worker.id, Worker.name).where(Worker.agency_id == current_agency().id)
                      .order_by(Worker.id.desc()).limit(PICKER_LIMIT)).all()
    codes = dict(db.execute(select(Badge.worker_id, Badge.code).where(
        Badge.worker_id.in_([r.id for r in rows] or [0]), Badge.revoked_at.is_(None)).order_by(Badge.id)).all())
    return [_picker_label(r.id, r.name, codes.get(r.id)) for r in rows]


def _picked_worker(text: str) -> tuple[int | None, Problem | None]:
    """The worker the picker names: an option (its 编号), a bare number, or a name or badge code that is one
    worker's of the agency; else what to fix, in Chinese."""
    text = text.strip()
    if not text:
        return None, Problem("worker", "请选择服务员（输入姓名或工牌号查找）", "missing_field")
    found = _PICKED.search(text) or _NUMBER.fullmatch(text)
    if found:
        return int(found.group(1)), None
    db = get_session()
    agency_id = current_agency().id
    code_check, code = check_code(text)
    query = select(Worker.id).where(Worker.agency_id == agency_id)
    if code_check is CodeCheck.VALID:
        query = query.where(Worker.id.in_(select(Badge.worker_id).where(Badge.code == code)))
    else:
        query = query.where(Worker.name == text)
    ids = list(db.scalars(query.limit(2)))
    if not ids:
        return None, Problem("worker", f"本机构没有名为“{text[:20]}”的服务员，请从列表中选择", "worker_not_found")
    if len(ids) > 1:
        return None, Problem("worker", f"有多位服务员名为“{text[:20]}”，请从列表中选择带编号的一项", "ambiguous")
    return ids[0], None


@bp.route("/engagements/new", methods=["GET", "POST"])
@needs("engagements")
def new_engagement() -> ResponseReturnValue:
    """上户: a worker picked by name or badge code, the service's days, one to four babies (twins are two rows)."""
    options = _picker_options()
    if request.method == "GET":
        form = {"worker": "", "starts_on": today().isoformat()}
        asked = request.args.get("worker_id", "")
        if _NUMBER.fullmatch(asked):
            worker = get_session().get(Worker, int(asked))
            if worker is not None and worker.agency_id == current_agency().id:
                form["worker"] = _picker_label(worker.id, worker.name, None)
        return render_template("console/engagement_new.html", form=form, babies=[{}] * MAX_BABY_ROWS, problems=[],
                               options=options)
    form = {name: request.form.get(name, "") for name in (*ENGAGEMENT_FORM, "worker")}
    babies = _babies_form()
    data: dict[str, Any] = values(form, ENGAGEMENT_FORM, ints=("worker_id",))
    worker_id, picked = _picked_worker(form["worker"] or form["worker_id"])
    if worker_id is not None:
        data["worker_id"] = worker_id
    given = [_baby_values(b) for b in babies]
    if any(given):
        data["babies"] = [b for b in given if b]
    form["family_phones"] = request.form.get("family_phones", "")
    form["family_phones_consent"] = request.form.get("family_phones_consent", "")
    data["family_phones"] = [p for p in form["family_phones"].replace("，", ",").replace("\n", ",").split(",") if p.strip()]
    if form["family_phones_consent"] == "yes":
        data["family_phones_consent"] = True
    body, found = check(EngagementIn, data)

    def refuse(problems: list[Problem], status: int = 400) -> ResponseReturnValue:
        get_session().rollback()
        return render_template("console/engagement_new.html", form=form, babies=babies, problems=problems,
                               options=options), status

    if picked is not None:
        return refuse([picked, *(p for p in found if p.field != "worker_id")])
    if body is None:
        return refuse(found)
    zone = tz()
    fields = None
    if body.babies is not None:
        fields = [BabyFields(nickname=b.nickname, sex=b.sex, gestation_weeks=b.gestation_weeks, birth_weight_g=b.birth_weight_g,
                             risk_factors=None if b.risk_factors is None else tuple(dict.fromkeys(b.risk_factors)),
                             born_at=b.born_at.replace(tzinfo=zone) if isinstance(b.born_at, dt.datetime)
                             and b.born_at.tzinfo is None else b.born_at) for b in body.babies]
    db = get_session()
    try:
        engagement = open_engagement(db, current_agency(), body.worker_id, body.starts_on, body.ends_on, body.family_name,
                                     babies=fields, tz=zone)
        set_family_phones(engagement, body.family_phones, bool(body.family_phones_consent), f"staff:{current_staff().id}",
                          current_app.extensions["anxin_cipher"], utcnow())
    except AnxinError as exc:
        field = {"worker_not_found": "worker", "consent_required": "family_phones_consent"}.get(exc.code or "", "")
        if exc.code == "invalid_field" and "family_phones" in exc.message:
            field = "family_phones"
        return refuse([Problem(field, exc.message, exc.code)], exc.status)
    db.commit()
    flash(f"已上户：{engagement.family_name}。请让月嫂和家人扫描下方二维码绑定。")
    return redirect(url_for("console.engagement", engagement_id=engagement.id))


def scene_qr(code: str) -> tuple[str, bool]:
    """A PNG (as a data: URL) of the Official Account's scene QR ``bind_CODE``, and whether WeChat made it.

    When WeChat cannot be reached the QR holds only the words ``绑定 CODE`` (to type in the chat), and
    the page says so.
    """
    now = time.time()
    with _qr_lock:
        cached = _qr_cache.get(code)
    url = cached[0] if cached and cached[1] > now else None
    if url is None:
        # https://developers.weixin.qq.com/doc/offiaccount/Account_Management/Generating_a_Parametric_QR_Code.html
        try:
            result = get_api().qrcode.create({
                "expire_seconds": QR_SECONDS, "action_name": "QR_STR_SCENE",
                "action_info": {"scene": {"scene_str": f"{BIND_SCENE}{code}"}},
            })
            url = str(result["url"])
            with _qr_lock:
                _qr_cache[code] = (url, now + QR_SECONDS - 24 * 3600)
        except (WeChatClientException, requests.RequestException, KeyError, TypeError, ValueError):
            url = None
    content, via_wechat = (url, True) if url else (f"绑定 {code}", False)
    return "data:image/png;base64," + base64.b64encode(qr_png(content, box_size=6)).decode(), via_wechat


@bp.get("/engagements/<id:engagement_id>")
@needs("engagements")
def engagement(engagement_id: int) -> ResponseReturnValue:
    db = get_session()
    found = db.get(Engagement, engagement_id)
    if found is None or found.agency_id != current_agency().id:
        raise NotFound("未找到该上户记录", code="engagement_not_found")
    worker = db.get(Worker, found.worker_id)
    bindings = db.scalars(select(Binding).where(Binding.engagement_id == found.id).order_by(Binding.id)).all()
    day = today()
    state = state_of(found, day)
    flags = db.scalars(select(DiaryFlag).where(DiaryFlag.engagement_id == found.id)
                       .order_by(DiaryFlag.raised_at.desc()).limit(50)).all()
    babies = babies_of(db, found)
    today_flags = len(flags_of_day(db, found.id, day))
    # Asking WeChat for a QR may refresh the access token in a transaction of its own: hold no lock meanwhile.
    db.commit()
    codes = []
    if state != "ended":
        if found.nurse_code_used_at is None:
            codes.append(("nurse", "月嫂绑定码（只能使用一次）", found.nurse_code, *scene_qr(found.nurse_code)))
        codes.append(("parent", "家人绑定码（家人都可使用，服务结束前有效）", found.family_code, *scene_qr(found.family_code)))
    return render_template(
        "console/engagement.html", e=found, worker=worker, babies=babies, bindings=bindings,
        codes=codes, state=state, state_text=STATE_TEXT, sex_text=SEX_TEXT, flags=flags, nurse=NURSE,
        today_flags=today_flags, phones=masked_phones(found, current_app.extensions["anxin_cipher"]),
    )
