"""What Tencent Cloud's loopback stand-ins share: checking an API 3.0 request's TC3-HMAC-SHA256 signature as Tencent
does, and the development route that hands ``POST /`` with ``X-TC-Action`` to the stand-in of the service its
signature names (the SDK posts to its endpoint's root, so development serves the stand-ins at the app's origin).

The signature: https://cloud.tencent.com/document/api/1093/35641 (签名方法 v3).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from werkzeug.wrappers import Request

# How far a request's X-TC-Timestamp may be from the stand-in's clock (Tencent: 5 minutes).
MAX_SKEW_SECONDS = 300
AUTHORIZATION = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<id>[^/\s]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[a-z]+)/tc3_request, "
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})$")


def tc3_signature(secret_key: str, date: str, service: str, string_to_sign: str) -> str:
    """The TC3-HMAC-SHA256 signature of ``string_to_sign`` (Tencent Cloud API 3.0, signature v3)."""
    def mac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()

    signing = mac(mac(mac(("TC3" + secret_key).encode("utf-8"), date), service), "tc3_request")
    return hmac.new(signing, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def signature_refusal(request: Request, body: bytes, keys: Mapping[str, str], service: str,
                      now: float) -> tuple[str, str] | None:
    """Sign ``request`` again with the secret its SecretId names: None when the signatures agree, else Tencent's
    (code, message) of the refusal."""
    match = AUTHORIZATION.match(request.headers.get("Authorization", ""))
    if match is None or "host" not in match["signed"].split(";"):
        return "AuthFailure.InvalidAuthorization", "the Authorization header is not TC3-HMAC-SHA256"
    secret = keys.get(match["id"])
    if secret is None:
        return "AuthFailure.SecretIdNotFound", "the SecretId is not found"
    stamp = request.headers.get("X-TC-Timestamp", "")
    if not stamp.isdigit() or abs(now - int(stamp)) > MAX_SKEW_SECONDS:
        return "AuthFailure.SignatureExpire", "the signature expired: the timestamp is off by over 5 minutes"
    if match["service"] != service or dt.datetime.fromtimestamp(int(stamp), dt.UTC).strftime("%Y-%m-%d") != match["date"]:
        return "AuthFailure.SignatureFailure", "the credential scope does not match the request"
    signed = match["signed"]
    # Header names and values lower-case and trimmed, as the signature's spec says.
    headers = "".join(f"{name}:{request.headers.get(name, '').strip().lower()}\n" for name in signed.split(";"))
    canonical = "\n".join([request.method, "/", request.query_string.decode("ascii"), headers, signed,
                           hashlib.sha256(body).hexdigest()])
    to_sign = "\n".join(["TC3-HMAC-SHA256", stamp, f"{match['date']}/{service}/tc3_request",
                         hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    if not hmac.compare_digest(tc3_signature(secret, match["date"], service, to_sign), match["signature"]):
        return "AuthFailure.SignatureFailure", "the request signature we calculated does not match the signature you provided"
    return None


class TencentCloudRoute:
    """WSGI wrapper: a Tencent Cloud API 3.0 call (``POST /`` with ``X-TC-Action``) goes to the stand-in of its
    service (named in the Authorization header's credential scope); everything else to the app."""

    def __init__(self, app: Callable[..., Iterable[bytes]], standins: dict[str, Callable[..., Iterable[bytes]]]) -> None:
        self.app = app
        self.standins = standins

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") in ("", "/") and environ.get("HTTP_X_TC_ACTION"):
            match = AUTHORIZATION.match(environ.get("HTTP_AUTHORIZATION", ""))
            standin = self.standins.get(match["service"]) if match else None
            if standin is not None:
                return standin(environ, start_response)
        return self.app(environ, start_response)

    @classmethod
    def serve(cls, wsgi_app: Callable[..., Iterable[bytes]], service: str,
              standin: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
        """``wsgi_app`` with ``standin`` serving ``service``: one route for every stand-in the app serves."""
        if isinstance(wsgi_app, cls):
            wsgi_app.standins[service] = standin
            return wsgi_app
        return cls(wsgi_app, {service: standin})
