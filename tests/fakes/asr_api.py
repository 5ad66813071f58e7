"""The loopback speech-recognition API for tests: the product's stand-in (``bot.cloud.asr_standin``) over real HTTP.

It checks the SDK's TC3-HMAC-SHA256 signatures and the API's limits exactly as the development stand-in
does, and hears in a voice the text the WeChat fake's upload attached to it (``WeChatApiFake.add_voice``).
Tests script what only they need: an error code or a slow answer for the next calls.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from werkzeug.wrappers import Request, Response

from bot.cloud.asr_standin import AsrStandIn, error_response
from tests.fakes.loopback import Loopback

SECRET_ID = "AKIDanxintest0000000000000000000000"
SECRET_KEY = "anxin-test-tencentcloud-secret-key"


@dataclass
class AsrFailure:
    code: str | None = None
    delay: float = 0.0


class AsrApiFake(Loopback, AsrStandIn):
    """The stand-in on a loopback port; ``url`` is its origin, for ``ANXIN_ASR_API_BASE``."""

    def __init__(self, transcripts: Callable[[bytes], str | None] | None = None) -> None:
        super().__init__(transcripts)
        self.register_key(SECRET_ID, SECRET_KEY)
        self.failures: deque[AsrFailure] = deque()
        self.serve_on(self)

    def reset(self) -> None:
        super().reset()
        self.failures.clear()

    def fail_next(self, *, code: str | None = None, delay: float = 0.0, times: int = 1) -> None:
        """The next ``times`` calls answer ``code`` (after ``delay`` seconds), or only wait ``delay`` first."""
        for _ in range(times):
            self.failures.append(AsrFailure(code, delay))

    def answer(self, request: Request, body: bytes) -> Response:
        with self._lock:
            failure = self.failures.popleft() if self.failures else None
        if failure is not None:
            if failure.delay:
                time.sleep(failure.delay)
            if failure.code:
                return error_response(failure.code, f"scripted {failure.code}")
        return super().answer(request, body)
