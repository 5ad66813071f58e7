"""A worker's registration as a pydantic model: every rule in one place, for the API and for spreadsheets.

``WorkerIn`` is what ``POST /admin/v1/workers`` reads (its JSON Schema is in the OpenAPI description);
``WorkerRow`` is a spreadsheet row, which may carry numbers as text (``6``, ``月嫂、育婴师``, ``1985/6/12``)
and the consent date. The rules no JSON Schema can state — an ID number's check character (GB 11643),
a birth date that matches it, an age of 16 to 80 on ``today`` (given in the validation context) — are
validators here, so the API, the import and the demo cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import WithJsonSchema
from pydantic_core import PydanticCustomError

from bot.core.validation import PRINTABLE, integral

GENDERS = {"female": "female", "male": "male", "女": "female", "男": "male", "f": "female", "m": "male"}
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_NAME = re.compile(r"[\u3400-\u9fff\u00b7·A-Za-z ]{2,20}")
_PHONE = re.compile(r"1[3-9]\d{9}")
_SERVICE_SPLIT = re.compile(r"[、,，;；|/]")
_NUMBER_ID = object()  # a spreadsheet cell that held the ID number as a number
_SPREADSHEET_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")


def _bad(why: str) -> PydanticCustomError:
    return PydanticCustomError("worker_field", why)


def id_check_symbol(first17: str) -> str:
    """The check symbol (0-9 or X, GB 11643) that completes 17 digits of an ID number."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_number_valid(value: str) -> bool:
    """A mainland resident ID number: 17 digits and the ISO 7064 MOD 11-2 check character."""
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return False
    return id_check_symbol(value[:17]) == value[17]


def birth_date_in_id(value: str) -> dt.date | None:
    try:
        return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def _gender(value: Any) -> Any:
    return GENDERS.get(value.strip().lower(), value) if isinstance(value, str) else value


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20, pattern=PRINTABLE)]


def _phone(value: str) -> str:
    if not _PHONE.fullmatch(value):
        raise _bad("应为11位手机号码")
    return value


# Described with their patterns; checked with a message a clerk understands.
IdNumber = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True),
                     WithJsonSchema({"type": "string", "pattern": r"^[0-9]{17}[0-9X]$"})]
Phone = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_phone),
                  WithJsonSchema({"type": "string", "pattern": r"^1[3-9][0-9]{9}$"})]
Gender = Annotated[Literal["female", "male"], BeforeValidator(_gender)]
ServiceType = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20, pattern=PRINTABLE)]
Years = Annotated[int, Strict(), Field(ge=0, le=60), BeforeValidator(integral)]
Hometown = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50, pattern=PRINTABLE)]


class WorkerIn(BaseModel):
    """A worker to register (``POST /admin/v1/workers``). Her consent is recorded on its own (``PUT …/consent``)."""

    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="姓名，2 到 20 个汉字或字母")
    id_number: IdNumber = Field(description="18 位居民身份证号码（校验位须正确）；加密保存，从不显示")
    phone: Phone = Field(description="11 位手机号码；加密保存，从不显示")
    gender: Gender = Field(description="female / male（也接受 女 / 男）")
    birth_date: dt.date = Field(description="出生日期，与身份证号一致；年龄 16 到 80 岁")
    service_types: Annotated[list[ServiceType], Field(min_length=1, max_length=10)] = Field(
        description="服务类型，如 [\"月嫂\", \"育婴师\"]")
    experience_years: Years = Field(description="从业年限")
    hometown: Hometown | None = Field(default=None, description="籍贯")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.fullmatch(value):
            raise _bad("应为2到20个汉字或字母")
        return value

    @field_validator("id_number")
    @classmethod
    def _id_number(cls, value: str) -> str:
        if not id_number_valid(value):
            raise _bad("应为18位居民身份证号码，且校验位正确")
        return value

    @field_validator("birth_date")
    @classmethod
    def _birth_date(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        id_number = info.data.get("id_number")  # checked before it, when it was valid
        if id_number is not None and value != birth_date_in_id(id_number):
            raise _bad("与身份证号中的出生日期不一致")
        today = _today(info)
        if not dt.date(today.year - 80, 1, 1) <= value <= dt.date(today.year - 16, 12, 31):
            raise _bad("年龄应在16到80岁之间")
        return value

    def fields(self) -> dict[str, Any]:
        """The checked values, ready to register."""
        return self.model_dump()


class WorkerRow(WorkerIn):
    """A spreadsheet row: numbers may be text, dates may be ``1985/6/12``, and the consent date may be given."""

    consent_signed_on: dt.date | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_cells(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        cells = {k: v for k, v in data.items() if not (v is None or (isinstance(v, str) and not v.strip()))}
        raw_id = cells.get("id_number")
        if isinstance(raw_id, int | float) and not isinstance(raw_id, bool):
            # A spreadsheet that stored the ID as a number has already lost its last digits.
            cells["id_number"] = _NUMBER_ID
        for name in ("name", "phone", "gender", "hometown"):
            if isinstance(cells.get(name), int | float) and not isinstance(cells.get(name), bool):
                cells[name] = str(cells[name])
        types = cells.get("service_types")
        if isinstance(types, str):
            cells["service_types"] = [t for t in _SERVICE_SPLIT.split(types) if t.strip()]
        years = cells.get("experience_years")
        if isinstance(years, str) and years.strip().isdigit():
            cells["experience_years"] = int(years.strip())
        for name in ("birth_date", "consent_signed_on"):
            cells[name] = cell_date(cells.get(name))
        return {k: v for k, v in cells.items() if v is not None}

    @field_validator("id_number", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        if value is _NUMBER_ID:
            raise _bad("身份证号须为文本格式，不能是数字")
        return value

    @field_validator("consent_signed_on")
    @classmethod
    def _consent(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        if value is not None and value > _today(info):
            raise _bad("不能晚于今天")
        return value


def cell_date(value: Any) -> Any:
    """Excel's dates, and the 1985/6/12 that Excel in China writes into a CSV."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        match = _SPREADSHEET_DATE.fullmatch(value.strip())
        if match:
            try:
                return dt.date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                return value
        return value.strip()
    return value


def _today(info: ValidationInfo) -> dt.date:
    context = info.context or {}
    today = context.get("today")
    if not isinstance(today, dt.date):
        raise RuntimeError("a worker is checked against a day: pass context={'today': date}")
    return today
