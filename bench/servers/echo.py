"""The floor: a bare Flask + wechatpy echo of a text push (signature checked, XML parsed, TextReply).

    BENCH_WECHAT_TOKEN=... gunicorn -w 4 bench.servers.echo:app
"""

from __future__ import annotations

import os

from flask import Flask, Response, request
from flask.typing import ResponseReturnValue
from wechatpy import parse_message
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

TOKEN = os.environ.get("BENCH_WECHAT_TOKEN", "anxin-dev-token")

app = Flask(__name__)


@app.post("/wechat")
def wechat() -> ResponseReturnValue:
    """Check the signature, parse the push and echo its text."""
    args = request.args
    try:
        check_signature(TOKEN, args.get("signature", ""), args.get("timestamp", ""), args.get("nonce", ""))
    except InvalidSignatureException:
        return Response("bad signature", status=403)
    message = parse_message(request.get_data())
    content = getattr(message, "content", "") or "success"
    xml: str = TextReply(content=content, message=message).render()
    return Response(xml, mimetype="application/xml")
