"""What the agency API reads and answers, as pydantic models (``/admin/v1/openapi.json`` is generated from them).

Shapes and limits are checked here; the registry's own rules (an ID number's check digit, a birth date
that matches it, an expiry after the issue date) are checked by the domain functions, whoever calls them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, get_args

from pydantic import BeforeValidator, ConfigDict, Field, Strict, StringConstraints, model_validator

from bot.api.schema import In, Out
from bot.core.validation import PRINTABLE, integral
from bot.edge.routing import MAX_ID
from bot.models import VERIFICATION_KINDS, VERIFICATION_STATUSES

# Texts are trimmed; a required one may not be blank.
Text50 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50, pattern=PRINTABLE)]
Text64 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=PRINTABLE)]
Text1000 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000, pattern=PRINTABLE)]
Note500 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
# A mainland mobile number: 11 digits (bot.diary.phones checks it again, whoever calls).
MobilePhone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^1[3-9][0-9]{9}$")]
# Integers as JSON means them: 3 or 3.0, never "3" or true.
Id = Annotated[int, Strict(), Field(ge=1, le=MAX_ID), BeforeValidator(integral)]
BirthWeight = Annotated[int, Strict(), Field(ge=500, le=7000), BeforeValidator(integral)]
VerificationKind = Literal["identity", "health", "no_criminal_record", "training_exam", "vocational_cert", "insurance"]
VerificationStatus = Literal["verified", "pending", "failed"]
assert set(get_args(VerificationKind)) == set(VERIFICATION_KINDS), "keep VerificationKind in step with the model"
assert set(get_args(VerificationStatus)) == set(VERIFICATION_STATUSES), "keep VerificationStatus in step"


class AgencyOut(Out):
    id: int
    name: str


class CreatedOut(Out):
    id: int


class VerificationState(Out):
    kind: str
    state: str
    checked_on: dt.date | None
    expires_on: dt.date | None


class CreditOut(Out):
    grade: int | None
    reasons: list[str] | None


class WorkerBadge(Out):
    code: str
    issued_at: dt.datetime
    expires_on: dt.date | None
    revoked: bool
    lookups: int


class WorkerOut(Out):
    id: int
    name: str
    gender: str
    service_types: list[str]
    experience_years: int
    consent_signed_on: dt.date | None
    has_photo: bool
    verifications: list[VerificationState]
    credit: CreditOut
    badges: list[WorkerBadge]


class PhotoOut(Out):
    id: int
    content_type: str
    bytes: int


class ConsentIn(In):
    signed_on: dt.date = Field(description="签署授权书的日期，不能晚于今天")


class ConsentOut(Out):
    id: int
    consent_signed_on: dt.date | None


class VerificationIn(In):
    kind: VerificationKind
    status: VerificationStatus
    document_no: Text64 | None = None
    issued_on: dt.date | None = None
    expires_on: dt.date | None = None


class VerificationOut(Out):
    id: int
    kind: str
    status: str
    checked_on: dt.date


class BadgeIn(In):
    expires_on: dt.date | None = Field(default=None, description="有效期至（晚于今天）；不填则长期有效")


class BadgeOut(Out):
    code: str
    url: str
    qr_url: str
    expires_on: dt.date | None


class RevokedOut(Out):
    code: str
    revoked: bool


class BadgeStats(Out):
    code: str
    lookups: int
    by_surface: dict[str, int]
    by_outcome: dict[str, int]
    last_lookup_at: dt.datetime | None
    revoked: bool


RiskFactor = Literal["isoimmune_haemolysis", "g6pd_deficiency", "low_albumin", "sepsis", "instability"]
GestationWeeks = Annotated[int, Strict(), Field(ge=22, le=44), BeforeValidator(integral)]


class BabyIn(In):
    nickname: Text50 | None = None
    sex: Literal["female", "male"] | None = None
    born_at: dt.date | dt.datetime | None = Field(
        default=None, description="出生日期，或出生时刻（如 2026-11-20T07:30:00+08:00；不带时区按本地时间）")
    gestation_weeks: GestationWeeks | None = Field(default=None, description="出生时孕周（22 到 44）")
    birth_weight_g: BirthWeight | None = None
    risk_factors: Annotated[list[RiskFactor], Field(max_length=5)] | None = Field(
        default=None, description="AAP 2022 胆红素神经毒性高危因素：同族免疫性溶血、G6PD缺乏、白蛋白<3.0g/dL、败血症、"
        "临床不稳定；已确认没有时填 []，不知道时不填（按有高危因素的较低参考线判断）")


class EngagementIn(In):
    worker_id: Id
    starts_on: dt.date
    ends_on: dt.date
    family_name: Text50
    baby_nickname: Text50 | None = None
    baby_birth_date: dt.date | None = None
    birth_weight_g: BirthWeight | None = None
    babies: Annotated[list[BabyIn], Field(min_length=1, max_length=4)] | None = Field(
        default=None, description="每个宝宝一项（双胞胎两项）；填写时不要再填 baby_nickname、baby_birth_date、birth_weight_g")
    family_phones: Annotated[list[MobilePhone], Field(max_length=4)] = Field(
        default_factory=list, description="家人手机号（11位大陆手机号，最多4个）：紧急提醒无人确认时以短信通知；须征得家人同意")
    family_phones_consent: Literal[True] | None = Field(
        default=None, description="已征得家人同意以短信接收紧急提醒：填写 family_phones 时须为 true")

    # Phones without the family's consent are refused (bot.diary.phones); the schema says so too.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={
        "dependentRequired": {"family_phones": ["family_phones_consent"]}})


class EngagementCreated(Out):
    id: int
    nurse_code: str
    family_code: str
    family_phones: list[str] = Field(description="家人手机号，仅显示遮盖后的号码（138****8000）")


class DayRange(In):
    """``from`` and ``to`` days of a list (YYYY-MM-DD, both included), as the console filters it. A day before
    2000 or after 2100 is read as that bound (nothing is recorded outside them); ``to`` before ``from`` finds
    nothing."""

    since: dt.date | None = Field(default=None, alias="from", description="从这一天起（含）")
    until: dt.date | None = Field(default=None, alias="to", description="到这一天止（含）")

    @model_validator(mode="after")
    def _within_bounds(self) -> DayRange:
        low, high = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
        if self.since is not None:
            self.since = min(max(self.since, low), high)
        if self.until is not None:
            self.until = min(max(self.until, low), high)
        return self


class ComplaintQuery(DayRange):
    status: Literal["all", "open", "answered"] = "all"


class ComplaintOut(Out):
    id: int
    engagement_id: int | None
    worker_id: int
    text: str
    created_at: dt.datetime
    response: str | None
    responded_at: dt.datetime | None


class ComplaintList(Out):
    complaints: list[ComplaintOut]


class ResponseIn(In):
    text: Text1000


class FlagQuery(DayRange):
    status: Literal["open", "all"] = "open"


Severity = Literal["urgent", "watch"]


class FlagOut(Out):
    id: int
    engagement_id: int
    family_name: str
    worker_id: int
    entry_id: int | None
    day: dt.date
    rule: str
    severity: Literal["urgent", "watch"]
    reason: str
    raised_at: dt.datetime
    cleared_at: dt.datetime | None
    withdrawn_at: dt.datetime | None = Field(
        description="月嫂撤销了这条记录的时间：紧急提醒仍待机构确认（status=open），其余撤销即清除（cleared_at）")
    acknowledged_at: dt.datetime | None
    acknowledged_note: str | None
    family_acknowledged_at: dt.datetime | None = Field(description="家属确认（回复收到、打开链接或在小程序查看）的时间")
    escalations: int = Field(description="无人确认而再次发送并升级给督导的次数")


class FlagEventOut(Out):
    action: Literal["sent", "opened", "acknowledged", "escalated", "refused", "retracted"] = Field(
        description="sent 已发送，opened 已打开，acknowledged 已确认，escalated 已升级，refused 渠道拒收（如短信被拒），"
                    "retracted 已撤回（月嫂撤销或修改了记录）")
    at: dt.datetime
    actor: str | None = Field(description="openid、staff:ID 或 agency；系统动作为空")
    role: str | None
    channel: str | None
    note: str | None


class FlagEvents(Out):
    flag: FlagOut
    events: list[FlagEventOut]


class FlagList(Out):
    flags: list[FlagOut]


class AckIn(In):
    note: Note500 | None = Field(default=None, description="做了什么（电话、上门……）")


class Empty(In):
    """No fields (an empty body is the same)."""


class SupervisorCode(Out):
    code: str


class SupervisorOut(Out):
    id: int
    openid: str
    bound_at: dt.datetime


class SupervisorList(Out):
    supervisors: list[SupervisorOut]


class RemovedOut(Out):
    id: int
    removed: bool


class ExpiringQuery(In):
    days: int = Field(default=30, ge=0, le=365, description="多少天内到期（默认 30）")


class ExpiringItem(Out):
    verification_id: int
    worker_id: int
    worker_name: str
    kind: str
    label: str
    expires_on: dt.date | None
    days_left: int
    state: Literal["expired", "expiring"]
    warnings_queued: list[int | str]


class ExpiringList(Out):
    today: dt.date
    days: int
    verifications: list[ExpiringItem]


PerPage = Annotated[int, Field(ge=1, le=100)]
PageNo = Annotated[int, Field(ge=1, le=100000)]
Light = Literal["green", "yellow", "red"]


class WorkerListQuery(DayRange):
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = Field(
        default=None, description="姓名的一部分，或工牌编号")
    light: Light | None = Field(default=None, description="按状态码筛选：green / yellow / red")
    page: PageNo = 1
    per_page: PerPage = 20


class WorkerListItem(Out):
    id: int
    name: str
    gender: str
    service_types: list[str]
    experience_years: int
    light: Light
    consented: bool
    badge_code: str | None
    credit_grade: int | None


class WorkerList(Out):
    workers: list[WorkerListItem]
    total: int
    page: int
    per_page: int
    pages: int


class EngagementListQuery(DayRange):
    state: Literal["active", "upcoming", "ended"] | None = Field(default=None, description="服务中 / 未开始 / 已结束")
    worker_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = Field(
        default=None, description="家庭名称的一部分")
    page: PageNo = 1
    per_page: PerPage = 20


class BabyOut(Out):
    position: int
    nickname: str | None
    sex: str | None
    born_at: dt.datetime | None
    born_on: dt.date | None
    gestation_weeks: int | None
    birth_weight_g: int | None
    risk_factors: list[str] | None = None


class EngagementItem(Out):
    id: int
    worker_id: int
    worker_name: str
    family_name: str
    starts_on: dt.date
    ends_on: dt.date
    state: Literal["active", "upcoming", "ended"]
    babies: list[BabyOut]
    nurse_bound: bool
    parents_bound: int
    open_flags: int
    family_phones: list[str] = Field(description="家人手机号，遮盖后（138****8000）")


class EngagementList(Out):
    engagements: list[EngagementItem]
    total: int
    page: int
    per_page: int
    pages: int


class DeliveryQuery(In):
    since: dt.datetime | None = Field(
        default=None, description="起（含），如 2026-12-07T00:00:00+08:00；不带时区按本地时间；默认 until 前24小时")
    until: dt.datetime | None = Field(default=None, description="止（不含）；默认现在")


class ChannelOut(Out):
    channel: Literal["custom", "template", "subscribe", "sms"] = Field(
        description="custom 客服消息 / template 模板消息 / subscribe 订阅消息 / sms 短信")
    sent: int = Field(description="已送达（对方平台已接受）")
    refused: int = Field(description="被拒（45047 额度用完、45015 窗口关闭、43004 未关注、无订阅、短信被拒）")
    failed: int = Field(description="发送失败将重试（超时、系统繁忙、每号码频率限制）")
    pending: int = Field(description="本时段排队尚未发出")


class DeliveryReport(Out):
    since: dt.datetime
    until: dt.datetime
    channels: list[ChannelOut]
