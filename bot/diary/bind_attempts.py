"""One budget of binding attempts for every way a code is tried: chat ``绑定 CODE``, the ``bind_CODE`` QR scene
and the mini-program's ``POST /mp/v1/bind``. Domain code: no Flask.

Binding codes are short enough to type, so guessing them is held back by counting every attempt, refused or
not, per user (``bind:user:OPENID``, ``ANXIN_BIND_LIMIT_USER``) and for everyone together (``bind:total``,
``ANXIN_BIND_LIMIT_TOTAL``) per ``ANXIN_BIND_WINDOW`` seconds. The counters are the same whichever surface
the attempt came through, so a guesser cannot spend the chat's budget and then the mini-program's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bot.store.ratelimit import Counter, hit_all


@dataclass(frozen=True)
class BindLimits:
    """How many binding attempts one user and everyone together may make per window (seconds)."""

    per_user: int = 10
    total: int = 1000
    window: int = 3600

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> BindLimits:
        return cls(
            per_user=int(settings.get("ANXIN_BIND_LIMIT_USER", cls.per_user)),
            total=int(settings.get("ANXIN_BIND_LIMIT_TOTAL", cls.total)),
            window=int(settings.get("ANXIN_BIND_WINDOW", cls.window)),
        )


def count_bind_attempt(store: Counter | Session, openid: str, limits: BindLimits) -> bool:
    """Count one attempt to bind a code for ``openid`` and for everyone; False once either is over its limit.

    Call it before trying the code, and make sure the count outlives a refusal (the database counter counts in
    the caller's transaction on SQLite: commit, or count outside the savepoint the attempt runs in).
    """
    return hit_all(store, {f"bind:user:{openid}": limits.per_user, "bind:total": limits.total}, limits.window)
