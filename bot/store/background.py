"""Work that must not hold up WeChat's 5-second answer: run in a thread once the transaction is committed.

What the thread does is always also written down first (a pending photo, a queued
notification), so a process that dies before the thread finishes loses nothing:
the scheduled sweeps (``bot.wechat.media.fetch_photos``, ``bot.delivery.notify.send_pending``)
pick it up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger("anxin.diary.background")

_THREADS: list[threading.Thread] = []
_LOCK = threading.Lock()


def start(name: str, work: Callable[[], object]) -> threading.Thread:
    """Run ``work`` in a daemon thread; a failure is logged, and the sweep retries what it left."""

    def run() -> None:
        try:
            work()
        except Exception:
            log.exception("background.failed", extra={"fields": {"task": name}})

    thread = threading.Thread(target=run, name=f"anxin-{name}", daemon=True)
    with _LOCK:
        _THREADS[:] = [t for t in _THREADS if t.is_alive()]
        _THREADS.append(thread)
    thread.start()
    return thread


def after_commit(session: Session, name: str, work: Callable[[], object]) -> None:
    """Start ``work`` in the background once ``session`` commits (never if it rolls back)."""

    def fire(_session: Session) -> None:
        start(name, work)

    event.listen(session, "after_commit", fire, once=True)


def join_all(timeout: float = 15.0) -> None:
    """Wait for the background work started so far (tests, and a clean shutdown)."""
    with _LOCK:
        threads = list(_THREADS)
    for thread in threads:
        thread.join(timeout)
