"""Chat handlers: one module per command family, each registering itself on import into ``bot.chat.router``."""

from __future__ import annotations

import importlib
import pkgutil

_LOADED = False


def load_handlers() -> None:
    """Import every module of this package so their decorators fill the router's table."""
    global _LOADED
    if _LOADED:
        return
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    _LOADED = True
