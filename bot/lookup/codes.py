"""Badge codes: 10 random Crockford base32 symbols and a Luhn mod 32 check symbol.

Shown as ``XXXXX-XXXXX-C``; stored as the 11 symbols without dashes. Input is
normalised (case, spaces, dashes, ``O``→``0``, ``I``/``L``→``1``) and a code whose
check symbol fails is "mistyped" without asking the database anything.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from enum import Enum

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {symbol: i for i, symbol in enumerate(ALPHABET)}
_N = len(ALPHABET)
PAYLOAD_LENGTH = 10
CODE_LENGTH = PAYLOAD_LENGTH + 1
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―_]+")
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


class CodeCheck(Enum):
    VALID = "valid"
    MISTYPED = "mistyped"  # 11 symbols of the alphabet, but the check symbol fails
    MALFORMED = "malformed"  # not 11 symbols of the alphabet at all


def check_symbol(payload: str) -> str:
    """The Luhn mod 32 check symbol of ``payload`` (symbols of ALPHABET)."""
    factor, total = 2, 0
    for symbol in reversed(payload):
        addend = factor * _VALUE[symbol]
        factor = 1 if factor == 2 else 2
        total += addend // _N + addend % _N
    return ALPHABET[(_N - total % _N) % _N]


def luhn_valid(code: str) -> bool:
    """Whether the last symbol of ``code`` is the Luhn mod 32 check of the rest."""
    factor, total = 1, 0
    for symbol in reversed(code):
        addend = factor * _VALUE[symbol]
        factor = 1 if factor == 2 else 2
        total += addend // _N + addend % _N
    return total % _N == 0


def generate_code() -> str:
    """A fresh random badge code (11 symbols, no dashes)."""
    payload = "".join(secrets.choice(ALPHABET) for _ in range(PAYLOAD_LENGTH))
    return payload + check_symbol(payload)


def normalise(text: str) -> str:
    """Fold what people type (full-width, case, spaces, dashes, O/I/L) to the symbols of a code."""
    folded = unicodedata.normalize("NFKC", text).upper()
    return _SEPARATORS.sub("", folded).translate(_CONFUSABLE)


def check_code(text: str) -> tuple[CodeCheck, str]:
    """Normalise ``text`` and say whether it is a valid, mistyped or malformed code."""
    code = normalise(text)
    if len(code) != CODE_LENGTH or any(s not in _VALUE for s in code):
        return CodeCheck.MALFORMED, code
    if not luhn_valid(code):
        return CodeCheck.MISTYPED, code
    return CodeCheck.VALID, code


def format_code(code: str) -> str:
    """``XXXXX-XXXXX-C``, as printed on the badge."""
    return f"{code[:5]}-{code[5:10]}-{code[10:]}"


# What a badge code typed into chat looks like: 11 letters or digits, spaces or dashes between.
CHAT_PATTERN = r"(?:[0-9A-Za-z][\s\-]*){10}[0-9A-Za-z]"
