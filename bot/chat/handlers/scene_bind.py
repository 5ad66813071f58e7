"""Scene QR ``bind_CODE``: scanning a binding code's Official Account QR binds like ``绑定 CODE``.

WeChat sends ``SCAN`` with EventKey ``bind_CODE`` to a follower, and ``subscribe`` with
``qrscene_bind_CODE`` to someone who follows by scanning it; the registry routes both here.
The same throttle and the same answers as the typed command.
"""

from __future__ import annotations

from bot.chat.context import ChatContext, Reply, Text
from bot.chat.handlers.diary_binding import BIND_TOO_MANY, bind_allowed, bind_code
from bot.chat.router import scene

BIND_SCENE = "bind_"


def _throttle(ctx: ChatContext, code: str) -> Reply | None:
    return None if bind_allowed(ctx) else Text(BIND_TOO_MANY)


@scene(BIND_SCENE, guard=_throttle)
def bind_scene(ctx: ChatContext, code: str) -> Reply:
    return bind_code(ctx, code)
