"""The diary entry as a pydantic model: one model per kind, generated from the entry-kinds table.

``EntryIn`` is the union of them, discriminated on ``kind``: what the mini-program posts, and what
``record_entries`` checks every entry against whoever made it (a chat line, a phone, a photo).
The units and bounds are written once, in ``bot.diary.kinds``; the OpenAPI description is
generated from these models, so what is described is what is accepted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal, Union, cast

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Strict,
    StrictBool,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    create_model,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.core.errors import BadRequest
from bot.core.validation import PRINTABLE, integral, invalid, json_int
from bot.diary import kinds

MAX_TEXT = 2000
MAX_CLIENT_ID = 64


ClientId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_CLIENT_ID,
                                                pattern=PRINTABLE)]
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT)]


def _annotation(spec: kinds.Field) -> Any:
    """The pydantic type of one field of the kinds table (strict: ``"120"`` is not 120, ``true`` is not 1)."""
    bounds: dict[str, Any] = {}
    if spec.minimum is not None:
        bounds["ge"] = spec.minimum
    if spec.maximum is not None:
        bounds["le"] = spec.maximum
    if spec.type == "integer":
        return json_int(**bounds)
    if spec.type == "number":
        return Annotated[float, Strict(), Field(allow_inf_nan=False, **bounds)]
    if spec.type == "boolean":
        return StrictBool
    if spec.type == "choice":
        return Literal.__getitem__(spec.options)
    if spec.type == "choices":
        choice = Literal.__getitem__(spec.options)  # the options come from the table at run time
        return Annotated[list[choice], Field(max_length=len(spec.options), json_schema_extra={"uniqueItems": True}),  # type: ignore[valid-type]
                         AfterValidator(_distinct)]
    return Annotated[str, StringConstraints(max_length=spec.max_len)]


def _distinct(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise PydanticCustomError("value_error", "{error}", {"error": "不能重复"})
    return values


class KindFields(BaseModel):
    """The fields of one kind (a generated subclass per kind): units and bounds from the kinds table."""

    model_config = ConfigDict(extra="forbid")
    kind_name: ClassVar[str] = ""

    @model_validator(mode="after")
    def _cross_field(self) -> KindFields:
        check = kinds.KINDS[self.kind_name].check
        if check is not None:
            try:
                check(self.model_dump(include=self.given(), exclude_none=True))
            except BadRequest as exc:  # the kind's own rule across its fields (a blood pressure's two readings)
                raise PydanticCustomError("value_error", "{error}", {"error": exc.message}) from None
        return self

    def given(self) -> set[str]:
        return {name for name in type(self).model_fields if getattr(self, name) is not None} - {"kind"}


_FIELD_MODELS: dict[str, tuple[kinds.EntryKind, type[KindFields]]] = {}


def fields_model(kind: str) -> type[KindFields]:
    """The model of ``kind``'s fields, built from the registry (again if the kind was registered anew)."""
    entry_kind = kinds.KINDS.get(kind)
    if entry_kind is None or not entry_kind.postable:
        raise BadRequest(f"未知的类型 {kind!r} (unknown kind)", code="invalid_kind")
    cached = _FIELD_MODELS.get(kind)
    if cached is not None and cached[0] is entry_kind:
        return cached[1]
    required = set(entry_kind.required)
    fields: dict[str, Any] = {}
    for spec in entry_kind.fields:
        annotation = _annotation(spec)
        fields[spec.name] = (annotation, ...) if spec.name in required else (annotation | None, None)
    name = "".join(part.capitalize() for part in kind.split("_")) + "Fields"
    model = create_model(name, __base__=KindFields, **fields)
    model.kind_name = kind
    _FIELD_MODELS[kind] = (entry_kind, model)
    return model


def read_fields(kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` checked as ``kind``'s fields (None means absent); a BadRequest names every bad one."""
    try:
        checked = fields_model(kind).model_validate({k: v for k, v in data.items() if v is not None})
    except ValidationError as exc:
        raise invalid(exc) from None
    return checked.model_dump(include=checked.given())


# One of the engagement's babies (``GET …/days/…`` lists them as ``babies`` when there are several).
BabyId = Annotated[int, Strict(), Field(ge=1, le=2**31 - 1), BeforeValidator(integral)]


class EntryBase(BaseModel):
    """What every entry the mini-program sends carries besides its kind's fields."""

    model_config = ConfigDict(extra="forbid")

    client_id: ClientId = Field(description="手机端生成的唯一编号；重发同一编号不会重复记录")
    occurred_at: dt.datetime = Field(description="发生时间，ISO 8601；不带时区时按 ANXIN_TIMEZONE 理解")
    text: Text | None = Field(default=None, description="原文或备注")
    baby_id: BabyId | None = Field(default=None, description="哪个宝宝（本户有多个宝宝时，宝宝的记录必填；产妇的记录不填）")

    def kind_fields(self) -> dict[str, Any]:
        """The kind's own fields that were given."""
        data = self.model_dump(exclude={"client_id", "occurred_at", "text", "kind", "baby_id"}, exclude_none=True)
        return data

    @model_validator(mode="after")
    def _rules(self) -> EntryBase:
        if not (self.text or "").strip() and str(getattr(self, "kind")) == "note":  # noqa: B009
            raise PydanticCustomError("missing_text", "备注需要 text (a note needs text)")
        return self


def _entry_model(kind: str) -> type[EntryBase]:
    """What the phone posts for ``kind``: the common fields and the kind's own, one flat object."""
    fields: dict[str, Any] = {"kind": (Literal[kind], Field(description=f"记录类型：{kinds.KINDS[kind].label}"))}
    if kind == "note":  # a note is its text
        # At least one character that is printable: control characters are removed where text comes in.
        fields["text"] = (Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT,
                                                           pattern=PRINTABLE)],
                          Field(description="备注内容"))
    name = "Entry" + "".join(part.capitalize() for part in kind.split("_"))
    bases: tuple[type[BaseModel], ...] = (EntryBase, fields_model(kind))
    return cast(type[EntryBase], create_model(name, __base__=bases, **fields))


POSTABLE = tuple(kind for kind in kinds.KIND_FIELDS if kind not in kinds.NOT_POSTABLE)
ENTRY_MODELS: dict[str, type[EntryBase]] = {kind: _entry_model(kind) for kind in POSTABLE}
ENTRY_TAGS = frozenset(ENTRY_MODELS)
# Built at run time from the kinds table, so typed as Any for the checker; pydantic sees the real union.
EntryIn: Any = Annotated[Union[tuple(ENTRY_MODELS.values())], Discriminator("kind")]  # noqa: UP007
ENTRY: TypeAdapter[Any] = TypeAdapter(EntryIn)


def check_fields(kind: str, fields: Mapping[str, Any], where: str = "记录") -> None:
    """Check an entry's fields against its kind's model, whoever made it; a BadRequest names every bad one."""
    if kind in kinds.KINDS and not kinds.KINDS[kind].postable:
        return  # a photo's fields are written by the server itself
    if kind not in kinds.KINDS:
        raise BadRequest(f"{where}：未知的类型 {kind!r} (unknown kind)", code="invalid_kind")
    try:
        read_fields(kind, fields)
    except BadRequest as exc:
        raise BadRequest(f"{where}：{exc.message}", code=exc.code) from None
