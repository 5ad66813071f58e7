"""Chat handlers: one module per command family, each registering itself on import."""

from __future__ import annotations

import importlib
import pkgutil

from bot.handlers.registry import HandlerFailed, Route, roles_of, route, run

_LOADED = False


def load_handlers() -> None:
    """Import every module of this package so their decorators fill the registry."""
    global _LOADED
    if _LOADED:
        return
    for info in pkgutil.iter_modules(__path__):
        if info.name != "registry":
            importlib.import_module(f"{__name__}.{info.name}")
    _LOADED = True


__all__ = ["HandlerFailed", "Route", "load_handlers", "roles_of", "route", "run"]
