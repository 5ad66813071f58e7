"""A unit of work retried as a whole when the database refused it for a conflict (``retrying``, ``retried``).

On one MariaDB server two transactions that want the same rows wait for each other, and only a true deadlock
(or a wait past ``innodb_lock_wait_timeout``) fails one of them. On a Galera cluster a transaction on one node
does not wait for one on another: both run, the first to commit wins, and the other fails at COMMIT (or at its
next statement) with the deadlock error. ``SELECT … FOR UPDATE`` and ``GET_LOCK`` hold on their own node only.

What every such transaction needs is the same: roll back and run the whole unit again, from its first read, a
few times, with a random pause so that the two do not meet again. The unit must be idempotent as a whole:
it opens its own session, its effects are its transaction's writes (work for after the commit is started
only after it), and a second run decides again from what it reads (a message already recorded answers with
its stored reply, a lease already taken is not taken twice, a row already claimed is skipped).
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import DBAPIError

log = logging.getLogger("anxin.db")

# MySQL/MariaDB error numbers that say "nothing of this transaction was kept: run it again".
CONFLICTS = {
    1213: "deadlock",  # InnoDB deadlock; on Galera also a certification conflict with another node's commit
    1205: "lock wait timeout",
    1047: "node not ready",  # WSREP has not yet prepared node for application use (joining, or not in quorum)
}
ATTEMPTS = 4  # the first run and three more
BASE_DELAY = 0.02  # seconds; doubled at each retry, times a random factor in [0.5, 1.5)

P = ParamSpec("P")
T = TypeVar("T")


def conflict_code(exc: BaseException) -> int | None:
    """The error number of a retryable conflict (``CONFLICTS``) behind ``exc``, or None."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, DBAPIError) and seen.orig is not None and seen.orig.args:
            code = seen.orig.args[0]
            if isinstance(code, int) and code in CONFLICTS:
                return code
        seen = seen.__cause__ or seen.__context__
    return None


def retrying(work: Callable[[], T], what: str, attempts: int = ATTEMPTS) -> T:
    """Run ``work()``; when it fails for a conflict, run it again, up to ``attempts`` runs in all, then raise."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except Exception as exc:  # a conflict may come wrapped (a handler's error raised from it): its chain says
            code = conflict_code(exc)
            if code is None or attempt == attempts:
                if code is not None:
                    log.warning("db.conflict_gave_up", extra={"fields": {"unit": what, "code": code,
                                                                         "attempts": attempt}})
                raise
            delay = BASE_DELAY * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
            log.info("db.conflict_retried", extra={"fields": {"unit": what, "code": code, "reason": CONFLICTS[code],
                                                              "attempt": attempt, "delay_ms": round(delay * 1000)}})
            time.sleep(delay)
    raise AssertionError("unreachable")


def retried(what: str, attempts: int = ATTEMPTS) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Decorate a function that is one whole unit of work (its own session and transaction): ``retrying`` it."""

    def decorate(func: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            return retrying(lambda: func(*args, **kwargs), what, attempts)

        return wrapper

    return decorate
