"""What the mini-program sends and gets back, as pydantic models (the OpenAPI description is generated from them)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Strict,
    StringConstraints,
    Tag,
    TypeAdapter,
    WithJsonSchema,
    create_model,
)
from pydantic_core import PydanticCustomError

from bot.api.schema import In, Out
from bot.core.validation import PRINTABLE, integral
from bot.diary import kinds, texts
from bot.diary.engagements import RELATION
from bot.diary.family import MAX_COMMENT
from bot.diary.schemas import MAX_TEXT as MAX_ENTRY_TEXT
from bot.diary.schemas import POSTABLE, EntryIn

MAX_BATCH = 200
Version = Annotated[int, Strict(), Field(ge=1, le=2**31 - 1), BeforeValidator(integral)]
Stars = Annotated[int, Strict(), Field(ge=1, le=5), BeforeValidator(integral)]


def _postable(kind: str) -> str:
    if kind not in POSTABLE:
        raise PydanticCustomError("literal_error", "Input should be {expected}", {"expected": " / ".join(POSTABLE)})
    return kind


# A kind the phone may post (the list comes from the kinds table, so it is checked, and described, at run time).
PostableKind = Annotated[str, AfterValidator(_postable), WithJsonSchema({"type": "string", "enum": list(POSTABLE)})]
# A binding code: letters and digits (spaces, dashes and other punctuation are ignored).
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32, pattern=r"[0-9A-Za-z]")]


class LoginIn(In):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128, pattern=PRINTABLE)] = Field(
        description="wx.login 得到的 code")


class LoginOut(Out):
    token: str
    openid: str
    expires_in: int


def _relation(said: str) -> str:
    said = said.strip()
    if not RELATION.fullmatch(said):
        raise PydanticCustomError("relation", texts.RELATION_BAD)
    return said


# Who a family member is to the baby, as chat's ``我是 奶奶`` takes it: a few Chinese characters.
Relation = Annotated[str, AfterValidator(_relation), WithJsonSchema({"type": "string", "pattern": f"^{RELATION.pattern}$"})]


class BindIn(In):
    code: Code = Field(description="月嫂码或家属码（家政公司提供）")
    relation: Relation | None = Field(
        None, description="家属码绑定时可说明自己是谁（妈妈、爸爸、奶奶……，1–8 个汉字），评分以此称呼；月嫂码不用")


class RelationIn(In):
    relation: Relation = Field(description="自己是宝宝的谁（妈妈、爸爸、奶奶……，1–8 个汉字）")


# Any kind an entry may have (photos included), described as the registry's list.
AnyKind = Annotated[str, WithJsonSchema({"type": "string", "enum": [k.name for k in kinds.in_order()]})]
Role = Literal["nurse", "parent"]
Severity = Literal["urgent", "watch"]


class EngagementOut(Out):
    id: int
    role: Role
    family_name: str
    baby_nickname: str | None
    starts_on: dt.date
    ends_on: dt.date
    nurse: str | None
    agency: str
    current: bool
    bound_at: dt.datetime
    relation: str | None = Field(None, description="家属说明的自己是谁（妈妈、奶奶……）；未说明或月嫂为空")


class EngagementList(Out):
    engagements: list[EngagementOut]


class FlagOut(Out):
    id: int
    entry_id: int | None
    rule: str
    severity: Literal["urgent", "watch"]
    reason: str
    raised_at: dt.datetime


def _is_none(value: Any) -> bool:
    return value is None


# Twin-only fields (``exclude_if=_is_none``) are left out when None: one baby reads exactly as before twins.


class BabyOut(Out):
    """One of an engagement's babies (twins)."""

    id: int
    position: int = Field(ge=1, description="出生顺序，1 为老大")
    label: str = Field(description="显示名：小名，或 大宝/小宝")
    nickname: str | None
    sex: Literal["female", "male"] | None


class EntryOut(Out):
    """An entry as stored: its kind's fields (``amount_ml``, ``celsius`` …) sit beside these."""

    model_config = ConfigDict(extra="allow")

    id: int
    client_id: str | None
    kind: AnyKind
    text: str = Field(description="月嫂的原文（一行记了几条时，每条都是同一行）；默认不显示，供“原文”查看")
    body: str = Field(description="显示用的一行，由类型和字段生成，例如“配方奶 90ml”“体温 36.8℃”；笔记为月嫂原话")
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    author: Literal["me", "nurse"]
    revised: bool
    backdated: bool = Field(description="补记：发生两小时以后才记录")
    version: int = Field(ge=1)
    flags: list[FlagOut]
    baby_id: int | None = Field(default=None, exclude_if=_is_none, description="哪个宝宝（仅多胞胎）")


class DayFigures(Out):
    """The figures of a day (the family's, or one baby's)."""

    date: dt.date
    entries: int = Field(ge=0)
    feeds: int = Field(ge=0)
    feed_ml: int = Field(ge=0)
    breast_min: int = Field(ge=0)
    nappies: int = Field(ge=0)
    wet: int = Field(ge=0)
    dirty: int = Field(ge=0)
    sleep_min: int = Field(ge=0)
    flags: int = Field(ge=0)
    temperatures_celsius: list[float]
    mother_temperatures_celsius: list[float]


class BabyTotalsOut(DayFigures):
    """One baby's figures of the day (twins)."""

    model_config = ConfigDict(extra="allow")  # each kind's own totals, as in the day's summary

    baby_id: int
    label: str


class SummaryBase(DayFigures):
    sleep_hours: float = Field(ge=0)
    by_baby: list[BabyTotalsOut] | None = Field(default=None, exclude_if=_is_none, description="每个宝宝的小结（仅多胞胎）")


def _summary_model() -> type[SummaryBase]:
    """The day's figures: the fixed ones above and each kind's own totals, described as the kind declares them."""
    more: dict[str, Any] = {
        key.name: (Annotated[Any, WithJsonSchema(key.schema)], ...)
        for kind in kinds.in_order() for key in kind.summary_keys
    }
    return create_model("SummaryOut", __base__=SummaryBase, **more)


if TYPE_CHECKING:
    SummaryOut = SummaryBase
else:
    SummaryOut = _summary_model()


class DayRating(Out):
    stars: int = Field(ge=1, le=5)
    comment: str | None
    updated_at: dt.datetime


class MemberRating(DayRating):
    member: str = Field(description="家人1、家人2 …（按绑定先后）")
    mine: bool = Field(description="是否为当前用户自己的评分")


class DayOut(Out):
    date: dt.date
    entries: list[EntryOut]
    summary: SummaryOut
    rating: DayRating | None = Field(description="当前用户自己的评分")
    ratings: list[MemberRating] = Field(description="每位家人各自的评分")
    flags: list[FlagOut]
    babies: list[BabyOut] | None = Field(default=None, exclude_if=_is_none, description="本户的宝宝（仅多胞胎）")


TemplateId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class SubscriptionsIn(In):
    accepted: list[TemplateId] = Field(min_length=1, max_length=10,
                                       description="wx.requestSubscribeMessage 中用户选择“允许”的模板 id")


class SubscriptionsOut(Out):
    remaining: dict[str, int] = Field(description="每个模板还可发送的次数（一次性订阅，每次允许计一次）")
    ignored: list[str] = Field(description="本服务不使用的模板 id（未计入）")


class FlagAckOut(Out):
    id: int
    acknowledged_at: dt.datetime


def _one_or_batch(value: Any) -> str:
    return "batch" if isinstance(value, list) else "one"


# One entry, or a batch of 1 to 200 (a phone back online sends what it kept).
ENTRIES_IN: TypeAdapter[Any] = TypeAdapter(Annotated[
    Annotated[EntryIn, Tag("one")] | Annotated[list[EntryIn], Field(min_length=1, max_length=MAX_BATCH), Tag("batch")],
    Discriminator(_one_or_batch),
])
ENTRIES_OUT: TypeAdapter[Any] = TypeAdapter(EntryOut | list[EntryOut])


class EntryPatch(In):
    """Change your own entry: send the ``version`` you read; fields not sent keep their values."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    version: Version = Field(description="读取时的版本；已被更新则 409")
    kind: PostableKind | None = Field(default=None, description="改成另一种记录；不填则不变")
    occurred_at: dt.datetime | None = None
    text: Annotated[str, StringConstraints(max_length=MAX_ENTRY_TEXT)] | None = None

    def field_data(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class WithdrawQuery(In):
    version: int | None = Field(default=None, ge=1, le=999_999_999)


class WithdrawnOut(Out):
    id: int
    withdrawn_at: dt.datetime
    version: int


class RatingIn(In):
    stars: Stars = Field(description="1 到 5 星")
    comment: Annotated[str, StringConstraints(max_length=MAX_COMMENT)] | None = None


class RatingOut(Out):
    date: dt.date
    stars: int = Field(ge=1, le=5)
    comment: str | None
    replaced: bool
    updated_at: dt.datetime


class SummaryQuery(In):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: dt.date | None = Field(default=None, alias="from")
    to: dt.date | None = None


class SummaryRange(Out):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: dt.date = Field(alias="from")
    to: dt.date
    days: list[SummaryOut]


class ProfileOut(Out):
    """The verified profile (the same one the badge page shows)."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(pattern=r"^[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]$")
    status_light: Literal["green", "yellow", "red"]
    name: str
    verifications: list[dict[str, Any]]
    anxin_certified: bool
    credit: dict[str, Any]
