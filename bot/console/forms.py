"""Form input checked with the API's own pydantic models: a form's text becomes the values JSON would carry."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.core.validation import Problem, problems

M = TypeVar("M", bound=BaseModel)
_INTEGER = re.compile(r"[+-]?\d{1,9}")


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
