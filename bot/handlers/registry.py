"""The chat handler registry: decorators fill the tables, ``dispatch`` reads them.

A command module registers itself with ``@command``; ``bot.handlers`` imports every
module in the package, so adding a command is adding one file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.chat import NURSE, PARENT, VISITOR, ChatContext, Reply

Handler = Callable[[ChatContext], Reply | None]
RoleResolver = Callable[[Session, str], set[str]]

ANYONE = frozenset({VISITOR, NURSE, PARENT})


@dataclass(frozen=True)
class Command:
    name: str
    pattern: re.Pattern[str]
    handler: Handler
    roles: frozenset[str]
    help: str | None
    priority: int


COMMANDS: list[Command] = []
EVENT_HANDLERS: dict[str, Handler] = {}
MESSAGE_HANDLERS: dict[str, Handler] = {}
ROLE_RESOLVERS: list[RoleResolver] = []
FALLBACK: list[Handler] = []


def command(
    pattern: str,
    *,
    name: str | None = None,
    roles: frozenset[str] = ANYONE,
    help: str | None = None,
    priority: int = 100,
) -> Callable[[Handler], Handler]:
    """Register a text command; ``pattern`` is matched against the normalised text.

    Lower ``priority`` is tried first; ``help`` is the line ``帮助`` shows to ``roles``.
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


def message(msg_type: str) -> Callable[[Handler], Handler]:
    """Register the handler of a non-text message type (``image``, ``voice``, ...)."""

    def register(handler: Handler) -> Handler:
        MESSAGE_HANDLERS[msg_type] = handler
        return handler

    return register


def role_resolver(resolver: RoleResolver) -> RoleResolver:
    """Register a function that tells which roles an openid holds (e.g. from bindings)."""
    ROLE_RESOLVERS.append(resolver)
    return resolver


def fallback(handler: Handler) -> Handler:
    """Register the answer to anything nothing else recognised."""
    FALLBACK[:] = [handler]
    return handler


def roles_of(session: Session, openid: str) -> frozenset[str]:
    roles = {VISITOR}
    for resolver in ROLE_RESOLVERS:
        roles |= resolver(session, openid)
    return frozenset(roles)


def normalise_text(text: str) -> str:
    """Fold full-width characters to ASCII (NFKC) and trim, as phones type both."""
    return unicodedata.normalize("NFKC", text).strip()


def commands_for(roles: frozenset[str]) -> list[Command]:
    return [c for c in COMMANDS if c.roles & roles]


def dispatch(ctx: ChatContext) -> tuple[str, Reply | None]:
    """Pick the handler for a message and run it; return its name and its reply."""
    msg = ctx.message
    if msg.msg_type == "event":
        handler = EVENT_HANDLERS.get(msg.event)
        if handler is None:
            return "event:ignored", None
        return f"event:{msg.event}", handler(ctx)
    if msg.msg_type != "text":
        handler = MESSAGE_HANDLERS.get(msg.msg_type)
        if handler is not None:
            return f"message:{msg.msg_type}", handler(ctx)
        return "fallback", FALLBACK[0](ctx)
    text = normalise_text(msg.text)
    for cmd in COMMANDS:
        if not (cmd.roles & ctx.roles):
            continue
        match = cmd.pattern.fullmatch(text)
        if match:
            ctx.match = match
            return cmd.name, cmd.handler(ctx)
    return "fallback", FALLBACK[0](ctx)
