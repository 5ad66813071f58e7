"""Sweeps: photo downloads and voice transcriptions a dead process left (every 5 minutes, every minute) and old
rate-limit counters (daily)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from bot.jobs import JobContext, job
from bot.store.ratelimit import purge_counters
from bot.wechat.media import fetch_photos
from bot.wechat.replay import forget_push_keys
from bot.wechat.voice import resume_pending

# Keep counters at least a day, and at least two lookup windows.
MIN_COUNTER_AGE_S = 86_400


@job("photos", every_minutes=5, lease=dt.timedelta(minutes=10))
def photos(ctx: JobContext) -> Mapping[str, Any]:
    """Fetch photo messages still pending (a process died before fetching them, or WeChat refused)."""
    if ctx.app is None:
        raise RuntimeError("the photos sweep needs the app (run it through run_job)")
    return fetch_photos(ctx.app, now=ctx.now)


@job("voices", every_minutes=1, lease=dt.timedelta(minutes=5))
def voices(ctx: JobContext) -> Mapping[str, Any]:
    """Finish voice messages answered "transcribing" whose thread died with its process (or the network failed)."""
    if ctx.app is None:
        raise RuntimeError("the voices sweep needs the app (run it through run_job)")
    return resume_pending(ctx.app, ctx.now)


@job("purge", cron="10 4 * * *")
def purge(ctx: JobContext) -> Mapping[str, Any]:
    """Delete rate-limit counters whose window ended long ago; forget signed pushes too old to be replayed."""
    keep = max(MIN_COUNTER_AGE_S, 2 * int(ctx.settings.get("ANXIN_LOOKUP_WINDOW", 3600)))
    replay_window = dt.timedelta(seconds=2 * int(ctx.settings.get("ANXIN_WECHAT_REPLAY_WINDOW", 300)))
    with ctx.session_factory() as session, session.begin():
        deleted = purge_counters(session, ctx.now.timestamp() - keep)
        pushes = forget_push_keys(session, ctx.now - replay_window)
    return {"deleted": deleted, "push_keys": pushes}
