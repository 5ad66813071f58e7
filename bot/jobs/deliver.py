"""``deliver``: send what the outbox holds, retrying refused sends with back-off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from bot.delivery.notify import SEND_WORKERS, send_pending
from bot.jobs import JobContext, job


@job("deliver", every_minutes=1, lease=dt.timedelta(minutes=3))
def deliver(ctx: JobContext) -> Mapping[str, Any]:
    """Send pending notifications that are due."""
    return send_pending(ctx.session_factory, ctx.api, ctx.settings, now=ctx.now, workers=SEND_WORKERS, drain=True)
