"""WeRoBot as its README sets it up: the default session store (SQLite file in the working directory), an echo.

    BENCH_WECHAT_TOKEN=... gunicorn -w 4 bench.servers.werobot_echo:app   # run from a scratch directory

Every text push reads and writes the sender's session row, as WeRoBot does by default.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

# WeRoBot ships no type information; imported as a module object so its API is Any to the checker.
werobot = importlib.import_module("werobot")

robot = werobot.WeRoBot(token=os.environ.get("BENCH_WECHAT_TOKEN", "anxin-dev-token"))


def echo(message: Any, session: dict[str, Any]) -> str:
    """Echo the text; count the sender's messages in the session, as a stateful bot would."""
    session["count"] = session.get("count", 0) + 1
    return str(message.content)


robot.add_handler(echo, type="text")
app = robot.wsgi
