"""Form input checked with the API's own pydantic models: a form's text becomes the values JSON would carry."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.core.errors import BadRequest
from bot.core.validation import Problem, problems

M = TypeVar("M", bound=BaseModel)
_INTEGER = re.compile(r"[+-]?\d{1,9}")
MIN_DAY, MAX_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


def values(form: Mapping[str, str], names: Iterable[str], *, ints: Iterable[str] = ()) -> dict[str, Any]:
    """The named fields of a form: blank ones left out, integers as integers (anything else as typed)."""
    integer_fields = set(ints)
    found: dict[str, Any] = {}
    for name in names:
        text = (form.get(name) or "").strip()
        if not text:
            continue
        found[name] = int(text) if name in integer_fields and _INTEGER.fullmatch(text) else text
    return found


def check(model: type[M], data: Mapping[str, Any], context: Mapping[str, Any] | None = None) -> tuple[M | None, list[Problem]]:
    """``data`` as ``model``, or every problem with it (in Chinese, as the API would say it)."""
    try:
        return model.model_validate(dict(data), context=context), []
    except ValidationError as exc:
        return None, problems(exc)


def date_filters(args: Mapping[str, str]) -> tuple[dt.date | None, dt.date | None]:
    """The ``from`` and ``to`` days of a list's filter (YYYY-MM-DD, both included); BadRequest in Chinese for a day
    that is not one, or a ``to`` before ``from``."""
    found: list[dt.date | None] = []
    for name, label in (("from", "开始日期"), ("to", "结束日期")):
        text = (args.get(name) or "").strip()
        try:
            day = dt.date.fromisoformat(text) if text else None
        except ValueError:
            raise BadRequest(f"{label}应为 年-月-日（如 2026-12-01），收到“{text[:20]}”", code="invalid_date") from None
        if day is not None and not MIN_DAY <= day <= MAX_DAY:
            raise BadRequest(f"{label}超出范围（2000 至 2100 年）", code="invalid_date")
        found.append(day)
    since, until = found
    if since and until and until < since:
        raise BadRequest("结束日期不能早于开始日期", code="invalid_date")
    return since, until

