"""Text that is safe to store and to put in XML, whatever a user typed.

Everything people type reaches us through an edge (a WeChat push, a JSON body of
the mini-program or agency API, an import file). ``clean_text`` is applied there,
so nothing stored contains characters XML 1.0 cannot carry (NUL, BEL, VT, lone
surrogates, U+FFFE/U+FFFF); ``cdata`` and ``fit_utf8`` keep what goes out well
formed and within WeChat's limits. Domain-free: no Flask, no WeChat.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# WeChat drops a passive text reply over 2,048 bytes ("该公众号暂时无法提供服务"): cut it ourselves.
MAX_REPLY_BYTES = 2048
REPLY_CUT_MARKER = "…\n（内容较长，已截断，完整内容请在小程序中查看）"
# C1 controls and DEL are legal XML but invisible and useless in a diary; drop them too.
_INVISIBLE = re.compile("[\x7f-\x9f]")


def clean_text(value: str) -> str:
    """``value`` without characters XML cannot carry (and without C1 controls)."""
    return _INVISIBLE.sub("", _XML_ILLEGAL.sub("", value))


def is_clean(value: str) -> bool:
    return clean_text(value) == value


def clean_json(value: Any) -> Any:
    """A JSON document with every string (keys included) cleaned; other values unchanged."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_json(v) for v in value]
    if isinstance(value, Mapping):
        return {clean_text(k) if isinstance(k, str) else k: clean_json(v) for k, v in value.items()}
    return value


def cdata(value: str) -> str:
    """``value`` as CDATA: cleaned, and a ``]]>`` inside split over two sections so it cannot end it."""
    return "<![CDATA[" + clean_text(value).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def fit_utf8(value: str, limit: int, marker: str = "…") -> str:
    """``value`` cut at a character boundary so that its UTF-8 (``marker`` included) fits ``limit`` bytes."""
    if len(value.encode("utf-8")) <= limit:
        return value
    budget = limit - len(marker.encode("utf-8"))
    cut = value.encode("utf-8")[: max(budget, 0)].decode("utf-8", errors="ignore")
    # Never leave half a surrogate-free grapheme such as a lone variation selector dangling visibly.
    return cut.rstrip("\ufe0f\u200d") + marker


def bound(value: str, max_chars: int) -> str:
    """``value`` cleaned and cut to at most ``max_chars`` characters."""
    return clean_text(value)[:max_chars]
