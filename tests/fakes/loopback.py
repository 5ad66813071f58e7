"""A fake outside API served on a loopback port in a thread: what the WeChat, SMS and speech fakes share."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Self

from werkzeug.serving import make_server

from tests.support.serving import POLL_INTERVAL

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


class Loopback:
    """Mixed into a stand-in (a WSGI app): ``serve_on`` in its ``__init__``, then ``start`` / ``stop``; ``url`` is
    its origin, for the app's API base setting."""

    url: str

    def serve_on(self, app: WSGIApplication, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = make_server(host, port, app, threaded=True)
        self.url = f"http://{host}:{self._server.server_port}"

    def start(self) -> Self:
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": POLL_INTERVAL},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
