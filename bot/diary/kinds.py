"""What each entry kind may carry: field names with their units, types, ranges and choices.

The chat parser produces these fields; the mini-program sends them as JSON. One
table serves both the validation of what comes in and the OpenAPI description,
so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.errors import BadRequest


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # integer | number | boolean | string | choice | choices
    minimum: float | None = None
    maximum: float | None = None
    options: tuple[str, ...] = ()
    max_len: int = 200

    def schema(self) -> dict[str, Any]:
        """This field as a JSON Schema (OpenAPI 3.0) property."""
        if self.type in ("integer", "number"):
            out: dict[str, Any] = {"type": self.type}
            if self.minimum is not None:
                out["minimum"] = self.minimum
            if self.maximum is not None:
                out["maximum"] = self.maximum
            return out
        if self.type == "boolean":
            return {"type": "boolean"}
        if self.type == "choice":
            return {"type": "string", "enum": list(self.options)}
        if self.type == "choices":
            return {"type": "array", "items": {"type": "string", "enum": list(self.options)}, "maxItems": len(self.options)}
        return {"type": "string", "maxLength": self.max_len}

    def read(self, value: Any) -> Any:
        """Check one incoming value; raise a BadRequest that names the field."""
        if self.type == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                raise _invalid(self.name, "应为整数")
        elif self.type == "number":
            if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
                raise _invalid(self.name, "应为数字")
        elif self.type == "boolean":
            if not isinstance(value, bool):
                raise _invalid(self.name, "应为 true 或 false")
            return value
        elif self.type == "choice":
            if value not in self.options:
                raise _invalid(self.name, "应为 " + " / ".join(self.options))
            return value
        elif self.type == "choices":
            if not isinstance(value, list) or any(v not in self.options for v in value) or len(set(value)) != len(value):
                raise _invalid(self.name, "应为以下取值的列表：" + " / ".join(self.options))
            return value
        else:
            if not isinstance(value, str) or len(value) > self.max_len:
                raise _invalid(self.name, f"应为不超过{self.max_len}字的文字")
            return value
        if self.minimum is not None and value < self.minimum:
            raise _invalid(self.name, f"不能小于{self.minimum:g}")
        if self.maximum is not None and value > self.maximum:
            raise _invalid(self.name, f"不能大于{self.maximum:g}")
        return value


def _invalid(name: str, why: str) -> BadRequest:
    return BadRequest(f"字段 {name} 无效：{why} (invalid {name})", code="invalid_field")


DURATION = Field("duration_min", "integer", 0, 24 * 60)
CELSIUS = Field("celsius", "number", 30, 45)

KIND_FIELDS: dict[str, tuple[Field, ...]] = {
    "feeding": (
        Field("type", "choice", options=("breast", "formula", "mixed", "expressed", "water")),
        Field("side", "choice", options=("left", "right", "both")),
        Field("amount_ml", "integer", 0, 1000),
        DURATION,
    ),
    "burp": (),
    "spit_up": (Field("amount", "choice", options=("little", "much")), Field("projectile", "boolean")),
    "diaper": (
        Field("wet", "boolean"),
        Field("stool", "boolean"),
        Field("colour", "choice", options=("yellow", "green", "brown", "black", "white-grey", "red")),
        Field("texture", "choice", options=("watery", "curdy", "mucus", "hard", "soft")),
    ),
    "sleep": (DURATION, Field("state", "choice", options=("asleep", "awake"))),
    "temperature": (CELSIUS, Field("site", "choice", options=("axillary", "ear", "forehead"))),
    "weight": (Field("grams", "integer", 500, 15000),),
    "length": (Field("cm", "number", 30, 90),),
    "jaundice": (
        Field("extent", "choice", options=("face", "chest", "belly", "legs", "soles")),
        Field("bilirubin", "number", 0, 1000),
        Field("bilirubin_unit", "choice", options=("mg/dL", "umol/L")),
        Field("resolved", "boolean"),
    ),
    "cord_care": (Field("condition", "choice", options=("dry", "wet", "red", "smelly", "fallen_off")),),
    "bath": (DURATION,),
    "massage": (DURATION,),
    "exercise": (DURATION,),
    "tummy_time": (DURATION,),
    "note": (),
    "meal": (
        Field("meal", "choice", options=("breakfast", "lunch", "dinner", "night_snack", "snack")),
        Field("dishes", "string", max_len=200),
        Field("eaten", "choice", options=("all", "most", "half", "little")),
    ),
    "mother_temperature": (CELSIUS,),
    "blood_pressure": (Field("systolic_mmhg", "integer", 50, 260), Field("diastolic_mmhg", "integer", 30, 200)),
    "lochia": (
        Field("colour", "choice", options=("red", "pink", "brown", "white")),
        Field("bright", "boolean"),
        Field("amount", "choice", options=("little", "much")),
        Field("smell", "boolean"),
    ),
    "wound": (
        Field("site", "choice", options=("perineum", "caesarean")),
        Field("condition", "choice", options=("healing", "painful", "infected_signs")),
    ),
    "breast": (Field("conditions", "choices", options=("engorged", "blocked", "cracked", "mastitis_signs", "relieved")),),
    "mood": (Field("mood", "choice", options=("good", "low")), Field("epds", "integer", 0, 30)),
}
# Fields a kind cannot be recorded without.
REQUIRED: dict[str, tuple[str, ...]] = {
    "temperature": ("celsius",),
    "mother_temperature": ("celsius",),
    "weight": ("grams",),
    "length": ("cm",),
    "blood_pressure": ("systolic_mmhg", "diastolic_mmhg"),
}
# Kinds that only arrive by other routes (a photo message), never as plain JSON.
NOT_POSTABLE = ("photo",)


def read_fields(kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``kind`` found in ``data``, each checked; unknown names are refused."""
    allowed = {f.name: f for f in KIND_FIELDS[kind]}
    fields = {name: allowed[name].read(value) for name, value in data.items() if name in allowed and value is not None}
    for name in REQUIRED.get(kind, ()):
        if name not in fields:
            raise BadRequest(f"{kind} 需要字段 {name} (missing field {name})", code="missing_field")
    if kind == "blood_pressure" and fields["diastolic_mmhg"] >= fields["systolic_mmhg"]:
        raise _invalid("diastolic_mmhg", "舒张压应低于收缩压")
    return fields


def field_names(kind: str) -> set[str]:
    return {f.name for f in KIND_FIELDS[kind]}
