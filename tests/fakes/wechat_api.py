"""The loopback WeChat API for tests: the product's stand-in (``bot.wechat.standin``) served over real HTTP.

It answers exactly as the stand-in ``make run`` serves on a laptop (tokens that a
refresh invalidates, 40001, 40029, 45015, 43004, 45047, field limits), and adds what
only tests need: scripted failures (errcodes, HTTP errors, slow answers) to test
retries. Codes for ``jscode2session`` are scripted with ``add_session``.

Run it by hand: ``flask --app bot fake-wechat`` (the same stand-in, on its own port).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request, Response

from bot.wechat.standin import PNG_1X1, Call, StandInState, WeChatStandIn, _error
from tests.fakes.loopback import Loopback

__all__ = ["PNG_1X1", "Call", "Failure", "StandInState", "WeChatApiFake"]


@dataclass
class Failure:
    path: str
    errcode: int | None = None
    status: int | None = None
    delay: float = 0.0


class WeChatApiFake(Loopback, WeChatStandIn):
    """The stand-in on a loopback port; ``url`` is its origin, for ``ANXIN_WECHAT_API_BASE``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(any_code=False)
        self.failures: deque[Failure] = deque()
        self.serve_on(self, host, port)

    def reset(self) -> None:
        super().reset()
        self.failures.clear()

    # -- scripting --------------------------------------------------------------
    def fail_next(self, path: str, *, errcode: int | None = None, status: int | None = None,
                  delay: float = 0.0, times: int = 1) -> None:
        """Make the next ``times`` calls to ``path`` fail with an errcode, an HTTP status or a delay."""
        for _ in range(times):
            self.failures.append(Failure(path, errcode, status, delay))

    def answer(self, request: Request, body: Any) -> Response:
        with self._lock:
            failure = next((f for f in self.failures if f.path == request.path), None)
            if failure is not None:
                self.failures.remove(failure)
        if failure:
            if failure.delay:
                time.sleep(failure.delay)
            if failure.status:
                return Response("upstream error", status=failure.status)
            if failure.errcode is not None:
                return _error(failure.errcode, f"fake error {failure.errcode}")
        return super().answer(request, body)
