"""Pre-signed WeChat pushes, one per request: each with its own nonce, MsgId and a fresh timestamp.

Signed in plain mode with the Official Account token, exactly as WeChat signs them
(``bot.wechat.simulator``), so a replay cache and a ±300 s timestamp window accept every one once.
Generate them right before the run that sends them.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Iterator, Sequence
from urllib.parse import urlencode

from bench.harness import HttpRequest
from bot.wechat.protocol import signature
from bot.wechat.simulator import WeChatSender

_nonces = itertools.count(secrets.randbelow(10**6) * 10**9)


def signed_push(sender: WeChatSender, body: str, path: str = "/wechat") -> HttpRequest:
    """A POST of ``body`` to ``path`` signed now with a nonce no other push of this process uses."""
    timestamp = str(int(time.time()))
    nonce = str(next(_nonces))
    query = urlencode({"signature": signature(sender.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce})
    return HttpRequest("POST", f"{path}?{query}", {"Content-Type": "text/xml"}, body)


def text_pushes(sender: WeChatSender, senders: Sequence[str], texts: Sequence[str], count: int) -> Iterator[HttpRequest]:
    """``count`` text pushes, round-robin over ``senders`` and ``texts``, each with a new MsgId."""
    for i in range(count):
        yield signed_push(sender, sender.text(senders[i % len(senders)], texts[i % len(texts)]))
