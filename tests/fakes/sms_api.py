"""The loopback Tencent Cloud SMS API for tests: the product's stand-in (``bot.cloud.sms_standin``) over real HTTP.

The official SDK signs its requests and posts them here exactly as to ``sms.tencentcloudapi.com``.
"""

from __future__ import annotations

from bot.cloud.sms_standin import SmsStandIn
from tests.fakes.loopback import Loopback

__all__ = ["SmsApiFake"]


class SmsApiFake(Loopback, SmsStandIn):
    """The stand-in on a loopback port; ``url`` is its origin, for ``ANXIN_SMS_API_BASE``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__()
        self.serve_on(self, host, port)


# The tests' Tencent Cloud account: what the fake knows and the app is configured with.
SMS_SETTINGS = {
    "ANXIN_SMS_PROVIDER": "tencent",
    "ANXIN_TENCENTCLOUD_SECRET_ID": "AKIDtestsecretid0000000000000000",
    "ANXIN_TENCENTCLOUD_SECRET_KEY": "testsecretkey000000000000000000",
    "ANXIN_SMS_SDK_APPID": "1400006666",
    "ANXIN_SMS_SIGN": "安心月子",
    "ANXIN_SMS_TEMPLATE_FLAG": "2026001",
}


def registered(fake: SmsApiFake, public_url: str) -> SmsApiFake:
    """The fake knows the tests' key, application and the flag template as approved."""
    from bot.diary.texts import SMS_FLAG_TEMPLATE as FLAG_TEMPLATE

    fake.register(SMS_SETTINGS["ANXIN_TENCENTCLOUD_SECRET_ID"], SMS_SETTINGS["ANXIN_TENCENTCLOUD_SECRET_KEY"],
                  SMS_SETTINGS["ANXIN_SMS_SDK_APPID"],
                  {SMS_SETTINGS["ANXIN_SMS_TEMPLATE_FLAG"]: FLAG_TEMPLATE.replace("{site}", public_url.rstrip("/"))})
    return fake
