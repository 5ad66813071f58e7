"""What every Tencent Cloud service shares: the API key and the client profile, read once from the settings.

Requests are API 3.0, signed TC3-HMAC-SHA256 by the official SDK (``tencentcloud-sdk-python-common``:
``Credential``, ``ClientProfile``, ``HttpProfile``); https://cloud.tencent.com/document/api/1093/35640.
The endpoint comes from the service's API base setting: the real host (``asr.tencentcloudapi.com``) in
production, a loopback stand-in over plain http in development and tests (production refuses those,
``config.is_cloud_standin``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tencentcloud.common.credential import Credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile


@dataclass(frozen=True)
class CloudAccess:
    """How to reach one Tencent Cloud service: its key pair, scheme and host (``host[:port]``)."""

    secret_id: str
    secret_key: str
    scheme: str
    endpoint: str

    def credential(self) -> Credential:
        return Credential(self.secret_id, self.secret_key)

    def profile(self, timeout: float) -> ClientProfile:
        """The SDK's profile: our endpoint and scheme, ``timeout`` seconds per connect and per read, no retries."""
        http = HttpProfile(protocol=self.scheme, endpoint=self.endpoint, reqMethod="POST", reqTimeout=timeout)
        return ClientProfile(signMethod="TC3-HMAC-SHA256", httpProfile=http)


def cloud_access(settings: Mapping[str, Any], base_key: str) -> CloudAccess:
    """The service behind the API base setting ``base_key`` (e.g. ``ANXIN_ASR_API_BASE``), with the account's key."""
    parts = urlsplit(str(settings[base_key]))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{base_key} is not an http(s) URL: {settings[base_key]!r}")
    return CloudAccess(secret_id=str(settings["ANXIN_TENCENTCLOUD_SECRET_ID"]),
                       secret_key=str(settings["ANXIN_TENCENTCLOUD_SECRET_KEY"]),
                       scheme=parts.scheme, endpoint=parts.netloc)
