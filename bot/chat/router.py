"""The chat handler registry: decorators fill the tables, ``route`` and ``run`` read them.

A command module registers itself with ``@command``; ``bot.chat.handlers`` imports every
module in the package, so adding a command is adding one file.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError

from bot.chat.context import NURSE, PARENT, VISITOR, ChatContext, Reply, Text
from bot.core.errors import AnxinError
from bot.store.retry import conflict_code

log = logging.getLogger("anxin.chat")

# What a user reads when a handler failed for a reason that is ours, not theirs.
BUSY = "系统繁忙，请稍后再试。"

Handler = Callable[[ChatContext], Reply | None]
# Runs before a command's handler, outside its savepoint (what it writes stands even if the handler fails):
# a reply stops the command there (a throttle that counts attempts, e.g.).
Guard = Callable[[ChatContext], Reply | None]

ANYONE = frozenset({VISITOR, NURSE, PARENT})


@dataclass(frozen=True)
class Command:
    name: str
    pattern: re.Pattern[str]
    handler: Handler
    roles: frozenset[str]
    help: str | None
    priority: int
    guard: Guard | None = None
    readonly: bool = False
    # Matched against the normalised text as this folds it (traditional script to simplified, e.g.); None: as is.
    fold: Callable[[str], str] | None = None


@dataclass(frozen=True)
class Route:
    """What a message is for: the handler's name, the handler, its guard, and whether it only reads."""

    name: str
    handler: Handler | None
    guard: Guard | None = None
    readonly: bool = False


COMMANDS: list[Command] = []
EVENT_HANDLERS: dict[str, Handler] = {}
# Parametric QR scenes by prefix (``badge_``, ``bind_``): the handler gets what follows the prefix.
SceneHandler = Callable[[ChatContext, str], Reply | None]
SCENES: dict[str, tuple[SceneHandler, Callable[[ChatContext, str], Reply | None] | None]] = {}
# The events that carry a scene: SCAN (EventKey = scene) and subscribe (EventKey = qrscene_ + scene).
SCENE_EVENTS = ("scan", "subscribe")
MESSAGE_HANDLERS: dict[str, Handler] = {}
FALLBACK: list[Handler] = []


def command(
    pattern: str,
    *,
    name: str | None = None,
    roles: frozenset[str] = ANYONE,
    help: str | None = None,
    priority: int = 100,
    guard: Guard | None = None,
    readonly: bool = False,
    fold: Callable[[str], str] | None = None,
) -> Callable[[Handler], Handler]:
    """Register a text command; ``pattern`` is matched against the normalised text.

    Lower ``priority`` is tried first; ``help`` is the line ``帮助`` shows to ``roles``; ``guard`` runs
    first, outside the handler's savepoint, and may answer instead of it. A ``readonly`` handler writes
    nothing: it runs without a savepoint and its reply is not stored (a repeat of the message runs it again).
    ``fold`` turns the normalised text into what ``pattern`` is matched against (``bot.diary.reading.fold_writing``:
    one pattern for simplified and traditional script).
    """

    def register(handler: Handler) -> Handler:
        COMMANDS.append(
            Command(
                name=name or handler.__name__,
                pattern=re.compile(pattern, re.IGNORECASE | re.DOTALL),
                handler=handler,
                roles=frozenset(roles),
                help=help,
                priority=priority,
                guard=guard,
                readonly=readonly,
                fold=fold,
            )
        )
        COMMANDS.sort(key=lambda c: c.priority)
        return handler

    return register


def event(name: str) -> Callable[[Handler], Handler]:
    """Register the handler of a WeChat event (``subscribe``, ``scan``, ...)."""

    def register(handler: Handler) -> Handler:
        EVENT_HANDLERS[name.lower()] = handler
        return handler

    return register


def scene(prefix: str, *, guard: Callable[[ChatContext, str], Reply | None] | None = None
          ) -> Callable[[SceneHandler], SceneHandler]:
    """Register what a scan of a parametric QR code with scene ``PREFIX…`` does (when following, too)."""

    def register(handler: SceneHandler) -> SceneHandler:
        SCENES[prefix] = (handler, guard)
        return handler

    return register


def scene_of(event_key: str) -> tuple[str, str] | None:
    """(prefix, value) of a scene key (``badge_ABC`` or ``qrscene_badge_ABC``) a handler is registered for."""
    key = event_key.removeprefix("qrscene_")
    for prefix in SCENES:
        if key.startswith(prefix) and len(key) > len(prefix):
            return prefix, key[len(prefix):]
    return None


def message(msg_type: str) -> Callable[[Handler], Handler]:
    """Register the handler of a non-text message type (``image``, ``voice``, ...)."""

    def register(handler: Handler) -> Handler:
        MESSAGE_HANDLERS[msg_type] = handler
        return handler

    return register


def fallback(handler: Handler) -> Handler:
    """Register the answer to anything nothing else recognised."""
    FALLBACK[:] = [handler]
    return handler


def normalise_text(text: str) -> str:
    """Fold full-width characters to ASCII (NFKC) and trim, as phones type both."""
    return unicodedata.normalize("NFKC", text).strip()


def commands_for(roles: frozenset[str]) -> list[Command]:
    return [c for c in COMMANDS if c.roles & roles]


class HandlerFailed(Exception):
    """A handler run without a savepoint failed; ``reply`` is what the user is told. The caller rolls the whole
    transaction back and records the message with that reply."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply)
        self.reply = reply


def run(found: Route, ctx: ChatContext, *, savepoint: bool = True) -> Reply | None:
    """Run a routed message: its guard, then its handler.

    Read-only handlers run as they are. Others run in a savepoint (``run_handler``), or, with
    ``savepoint=False`` and no guard, straight in the message's transaction, raising ``HandlerFailed``
    for the caller to roll everything back (``run_whole``): two statements fewer on every message.
    """
    if found.handler is None:
        return None
    if found.guard is not None:
        stopped = run_guard(found.name, found.guard, ctx)
        if stopped is not None:
            return stopped
    if found.readonly:
        return run_reader(found.name, found.handler, ctx)
    if savepoint or found.guard is not None:
        return run_handler(found.name, found.handler, ctx)
    return run_whole(found.name, found.handler, ctx)


def run_whole(name: str, handler: Handler, ctx: ChatContext) -> Reply | None:
    """Run ``handler`` in the message's own transaction, its writes flushed; a failure raises ``HandlerFailed``
    with the same answers ``run_handler`` gives (the error's message, or BUSY logged with the request id)."""
    try:
        reply = handler(ctx)
        ctx.session.flush()  # its constraint errors are its own, raised here
        return reply
    except Exception as exc:
        if database_refused(exc):
            raise
        raise HandlerFailed(failure_reply(name, exc, ctx)) from exc


def route(ctx: ChatContext) -> Route:
    """The handler a message goes to (a text command's match is left in ``ctx.match``)."""
    msg = ctx.message
    if msg.msg_type == "event" and msg.event in SCENE_EVENTS and (found := scene_of(msg.event_key)) is not None:
        prefix, value = found
        on_scene, scene_guard = SCENES[prefix]
        guard = (lambda c: scene_guard(c, value)) if scene_guard is not None else None
        return Route(f"scene:{prefix}", lambda c: on_scene(c, value), guard)
    if msg.msg_type == "event":
        handler = EVENT_HANDLERS.get(msg.event)
        return Route(f"event:{msg.event}", handler) if handler is not None else Route("event:ignored", None)
    if msg.msg_type != "text":
        handler = MESSAGE_HANDLERS.get(msg.msg_type)
        return Route(f"message:{msg.msg_type}", handler) if handler is not None else Route("fallback", FALLBACK[0])
    text = normalise_text(msg.text)
    folded: dict[Callable[[str], str], str] = {}  # each way of folding, done once a message
    for cmd in COMMANDS:
        if not (cmd.roles & ctx.roles):
            continue
        if cmd.fold is not None and cmd.fold not in folded:
            folded[cmd.fold] = cmd.fold(text)
        match = cmd.pattern.fullmatch(folded[cmd.fold] if cmd.fold is not None else text)
        if match:
            ctx.match = match
            return Route(cmd.name, cmd.handler, cmd.guard, cmd.readonly)
    return Route("fallback", FALLBACK[0])


def run_guard(name: str, guard: Guard, ctx: ChatContext) -> Reply | None:
    """A command's guard, in the message's own transaction: what it counts stands whatever the handler does."""
    try:
        return guard(ctx)
    except AnxinError as exc:
        return Text(exc.message)


def run_handler(name: str, handler: Handler, ctx: ChatContext) -> Reply | None:
    """Run ``handler`` in a savepoint: the one place a chat error becomes a reply.

    A domain error (``AnxinError``) is answered with its message; anything else is a bug or
    an outage, logged with the request id and answered politely. Either way what the handler
    half-wrote is rolled back and the message itself (its de-duplication row) still commits,
    so WeChat gets a 200 with a text and a retry gets the same answer. Work the handler
    scheduled for after the commit is dropped with it.
    """
    pending = len(ctx.post_commit)
    savepoint = ctx.session.begin_nested()
    try:
        reply = handler(ctx)
        savepoint.commit()
        return reply
    except Exception as exc:
        if database_refused(exc):
            raise
        # If the savepoint cannot even be rolled back the connection is gone: let the request fail so WeChat retries.
        savepoint.rollback()
        del ctx.post_commit[pending:]
        return failure_reply(name, exc, ctx)


def run_reader(name: str, handler: Handler, ctx: ChatContext) -> Reply | None:
    """Run a handler that only reads: no savepoint to open or release, the same answers as ``run_handler``.

    A database error is not answered: nothing was written, the request fails and WeChat retries.
    """
    try:
        return handler(ctx)
    except DBAPIError:
        raise
    except Exception as exc:
        return failure_reply(name, exc, ctx)


def database_refused(exc: Exception) -> bool:
    """The database lost the message's whole transaction, savepoint and all: a conflict with another transaction
    (the message is run again: ``bot.store.retry``), or the connection (the request fails and WeChat resends).
    Answered as a handler's failure, the message would be recorded with BUSY on another connection, without
    what it said, and every resend would get BUSY too."""
    return conflict_code(exc) is not None or (isinstance(exc, DBAPIError) and exc.connection_invalidated)


def failure_reply(name: str, exc: Exception, ctx: ChatContext) -> Text:
    """What the user is told when a handler raised: a domain error's own message, or, for anything else (a bug),
    BUSY, logged with the request id. The one translation every way of running a handler uses."""
    if isinstance(exc, AnxinError):
        return Text(exc.message)
    log.exception("chat.handler_failed", extra={"fields": {"handler": name, "openid": ctx.message.openid}},
                  exc_info=exc)
    return Text(BUSY)
