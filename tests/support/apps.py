"""One app per worker and settings, handed to test after test as if it were new (the ``app`` fixture).

Building an app costs about 50 ms, most of it werkzeug compiling the URL map's ninety-odd routes; a fresh one
would also compile again every template a test renders and every SQL statement it runs (each engine has its
own statement cache). The fast loop makes some two thousand apps of a few settings, so a worker keeps one app
per settings and, before each test, puts back what a test may change: the settings (``app.config``), the
objects in ``app.extensions`` (a test may swap the chat clock or the recogniser), a new WeChat API client (its
access token lives in memory) and the stand-ins' state. The database is cleared as before.

What cannot be put back is checked instead: a test that leaves the app wired differently (a route, a request
hook, an error handler, a wrapped ``wsgi_app``, a Jinja global) makes the next test get a new app.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from bot import create_app
from bot.delivery import wechat_api
from bot.edge import logs

# The stand-ins a development app mounts (bot.wechat.standin, bot.cloud.*_standin): their public reset().
_STANDINS = ("anxin_standin", "anxin_sms_standin", "anxin_asr_standin")


def _wiring(app: Flask) -> tuple[object, ...]:
    """What a test could change about the app that putting back settings and extensions does not undo."""
    return (
        tuple(sorted(app.view_functions)),
        tuple(rule.rule for rule in app.url_map.iter_rules()),
        _hooks(app.before_request_funcs), _hooks(app.after_request_funcs), _hooks(app.teardown_request_funcs),
        tuple(app.teardown_appcontext_funcs), _hooks(app.url_value_preprocessors), _hooks(app.url_default_functions),
        _hooks(app.template_context_processors),
        _handlers(app.error_handler_spec),
        app.wsgi_app, tuple(app.jinja_env.globals.items()), tuple(app.jinja_env.filters.items()),
        tuple(app.blueprints), app.testing, app.debug, app.session_interface, app.json,
    )


def _handlers(spec: Mapping[Any, Mapping[Any, Mapping[Any, Any]]]) -> frozenset[object]:
    """The error handlers; Flask's lookups leave empty entries behind in this nest of defaultdicts."""
    return frozenset((scope, code, exc, handler) for scope, by_code in spec.items()
                     for code, handlers in by_code.items() for exc, handler in handlers.items())


def _hooks(registry: Mapping[Any, list[Any]]) -> tuple[object, ...]:
    return tuple((scope, tuple(funcs)) for scope, funcs in registry.items())


@dataclass
class _Kept:
    app: Flask
    config: dict[str, Any]
    extensions: dict[str, Any]
    wiring: tuple[object, ...] = field(default=())


class Apps:
    """A worker's apps, one per settings; ``take`` gives one as new, ``give_back`` keeps it if it is intact."""

    def __init__(self) -> None:
        self._kept: dict[str, _Kept] = {}

    @staticmethod
    def _key(settings: Mapping[str, object]) -> str:
        return repr(sorted(settings.items(), key=lambda item: item[0]))

    def take(self, settings: Mapping[str, object]) -> Flask:
        kept = self._kept.get(self._key(settings))
        if kept is None:
            app = create_app(settings)
            kept = _Kept(app, dict(app.config), dict(app.extensions))
            kept.wiring = _wiring(app)
            self._kept[self._key(settings)] = kept
            return app
        app = kept.app
        app.config.clear()
        app.config.update(kept.config)
        app.extensions.clear()
        app.extensions.update(kept.extensions)
        # What init_app builds from the settings and then keeps state in, built again (cheap: no routes).
        logs.configure_logging(app.config["ANXIN_LOG_FORMAT"], app.config["ANXIN_LOG_LEVEL"])
        wechat_api.init_app(app)
        kept.extensions["anxin_wechat"] = app.extensions["anxin_wechat"]
        for name in _STANDINS:
            standin = app.extensions.get(name)
            if standin is not None:
                standin.reset()
        return app

    def give_back(self, app: Flask) -> bool:
        """Keep ``app`` for the next test if the test left its wiring as it found it; False: it was dropped."""
        for key, kept in list(self._kept.items()):
            if kept.app is app:
                if _wiring(app) == kept.wiring:
                    return True
                del self._kept[key]
                return False
        return False

    def close(self) -> None:
        for kept in self._kept.values():
            engine = kept.app.extensions["anxin_db"].engine
            engine.dispose()
        self._kept.clear()
