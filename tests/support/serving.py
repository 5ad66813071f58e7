"""The app (or any WSGI app) served over real HTTP on loopback in a thread, for tests that need a real origin.

``free_port`` is for an app that must know its own origin before it is made (a development server whose
stand-ins are mounted at that origin); ``serving`` serves it and yields the origin, shutting it down after.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from werkzeug.serving import make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


# How often a serving thread looks whether it was told to stop: ``shutdown`` waits for that look, and
# werkzeug's default (half a second) made every test with a live server half a second longer.
POLL_INTERVAL = 0.02


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(app: WSGIApplication, port: int = 0) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1:``port`` (0: any free port) in a thread; yields ``http://127.0.0.1:PORT``."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL_INTERVAL}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
