"""Schemathesis over a generated OpenAPI description: no server error, no response outside the
description, no valid request refused (positive data), no invalid request accepted (negative data).

Rules that depend on the server's state (which engagement the user is bound to, what "today" is, a
batch's client ids being distinct, a blood pressure's diastolic below its systolic) cannot be written
in JSON Schema; ``pin`` puts a positive case into such a state before it is sent. Negative cases are
sent as generated.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection

from bot.lookup.codes import ALPHABET, check_symbol
from tests.support.fuzz import budget

Pin = Callable[[Any], None]


def operations(schema: schemathesis.BaseSchema) -> list[schemathesis.APIOperation[Any, Any, Any, Any]]:
    """Every operation of ``schema``; one schemathesis cannot read fails the test here, with its reason."""
    found = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()
        found.append(result.ok())
    return found


def _badge_code(body: str) -> str:
    full = body + check_symbol(body)
    return f"{full[:5]}-{full[5:10]}-{full[10]}"


# A badge code as the description defines it: ten symbols and their Luhn mod 32 check symbol.
schemathesis.openapi.format(
    "badge-code", st.text(alphabet=ALPHABET, min_size=10, max_size=10).map(_badge_code)
)


def unique_client_ids(body: Any) -> None:
    """A batch's client ids are distinct (a resent batch is a separate request)."""
    for item in body if isinstance(body, list) else [body]:
        if isinstance(item, dict) and "client_id" in item:
            item["client_id"] = uuid.uuid4().hex
        if isinstance(item, dict) and item.get("kind") == "blood_pressure":
            systolic, diastolic = item.get("systolic_mmhg"), item.get("diastolic_mmhg")
            if isinstance(systolic, int | float) and isinstance(diastolic, int | float) and diastolic >= systolic:
                item["systolic_mmhg"] = int(diastolic) + 1  # the diastolic is the lower reading


def _run(operation: Any, mode: GenerationMode, headers: dict[str, str], pin: Pin, max_examples: int) -> int:
    sent = 0

    @budget(max_examples, suppress_health_check=list(HealthCheck))  # ANXIN_FUZZ_EXAMPLES / _SEED apply here too
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: Any) -> None:
        nonlocal sent
        if mode is GenerationMode.POSITIVE:
            pin(case)
            case.call_and_validate(headers=headers, excluded_checks=[negative_data_rejection])
        else:
            broken = {str(getattr(location, "value", location)) for location, info in
                      (case.meta.components.items() if case.meta is not None else ())
                      if info.mode is GenerationMode.NEGATIVE}
            if "header" in broken:
                # The invalid part is a header (the token, left out): adding ours would make the case valid.
                case.call_and_validate(checks=[not_a_server_error, negative_data_rejection])
            else:
                case.call_and_validate(headers=headers, checks=[not_a_server_error, negative_data_rejection])
        sent += 1

    check()
    return sent


def explore(app: Flask, path: str, headers: dict[str, str], pin: Pin, max_examples: int = 20) -> int:
    """Run every operation of the description at ``path``, valid and invalid; return how many cases were sent."""
    schema = schemathesis.openapi.from_wsgi(path, app)
    sent = 0
    for operation in operations(schema):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            sent += _run(operation, mode, headers, pin, max_examples)
    return sent
