"""Scene QR ``bind_CODE``: scanning a binding code's Official Account QR binds like ``绑定 CODE``.

WeChat sends ``SCAN`` with EventKey ``bind_CODE`` to a follower, and ``subscribe`` with
``qrscene_bind_CODE`` to someone who follows by scanning it. One handler serves each event, so this
module wraps the ones already registered (badge scenes, the welcome) and passes on anything that is
not a binding scene; it imports them first, whatever order the package is loaded in.
"""

from __future__ import annotations

import re

from bot.chat import ChatContext, Reply
from bot.handlers import general, lookup
from bot.handlers.diary_binding import bind_
from bot.handlers.registry import EVENT_HANDLERS, Handler, event

BIND_SCENE = "bind_"
_badge_scan: Handler = EVENT_HANDLERS["scan"]
_welcome: Handler = EVENT_HANDLERS["subscribe"]
assert _badge_scan is lookup.scan and _welcome is general.welcome, "scene_bind wraps the lookup and welcome handlers"


def bind_scene_code(event_key: str) -> str | None:
    """The binding code of ``bind_CODE`` or ``qrscene_bind_CODE``, if the key is one."""
    scene = event_key.removeprefix("qrscene_")
    return scene[len(BIND_SCENE):] if scene.startswith(BIND_SCENE) else None


def _bind(ctx: ChatContext, code: str) -> Reply | None:
    # The same handler as the text "绑定 CODE", so a scan and a typed code get the same answers.
    ctx.match = re.fullmatch(r"(.*)", code, re.DOTALL)
    return bind_(ctx)


@event("scan")
def scan(ctx: ChatContext) -> Reply | None:
    code = bind_scene_code(ctx.message.event_key)
    return _bind(ctx, code) if code is not None else _badge_scan(ctx)


@event("subscribe")
def subscribe(ctx: ChatContext) -> Reply | None:
    code = bind_scene_code(ctx.message.event_key)
    welcome = _welcome(ctx)  # records the subscription either way
    return _bind(ctx, code) if code is not None else welcome
