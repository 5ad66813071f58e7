"""Tencent Cloud SMS: ``SendSms`` (API 3.0, version 2021-01-11) through the official Python SDK.

One number a call, in E.164 (``+8613800138000``); the template and its parameters are
approved in the SMS console beforehand (``ANXIN_SMS_SDK_APPID``, ``ANXIN_SMS_SIGN``,
``ANXIN_SMS_TEMPLATE_FLAG``). The SDK signs every request (TC3-HMAC-SHA256) with
``ANXIN_TENCENTCLOUD_SECRET_ID`` / ``_KEY`` and posts it to ``ANXIN_SMS_API_BASE``.
Tencent answers a call as a whole (``Response.Error``: a bad signature, a missing
parameter) or per number (``SendStatusSet[].Code``: ``Ok``, or why that number was
refused, e.g. ``LimitExceeded.PhoneNumberThirtySecondLimit``); both become ``SmsRefused``.

API: https://cloud.tencent.com/document/product/382/55981
Errors: https://cloud.tencent.com/document/product/382/55981#6.-.E9.94.99.E8.AF.AF.E7.A0.81
No Flask here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.sms.v20210111 import models, sms_client

from bot.cloud.tencent import cloud_access

# SMS is not regional for mainland numbers; the API asks for a region all the same (the SDK's examples use this).
REGION = "ap-guangzhou"
TIMEOUT_SECONDS = 10
_MAINLAND = re.compile(r"^1[3-9]\d{9}$")
# Refusals that sending again later may overcome (a frequency limit, Tencent's own trouble); the rest are final.
RETRYABLE_PREFIXES = ("LimitExceeded.PhoneNumber", "InternalError", "RequestLimitExceeded", "FailedOperation.JsonParseFail")


class SmsRefused(Exception):
    """Tencent refused the message (``code`` as Tencent names it); ``retryable`` when a later try may pass."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retryable = code.startswith(RETRYABLE_PREFIXES)


@dataclass(frozen=True)
class SmsSent:
    serial_no: str
    fee: int


def e164(phone: str) -> str:
    """A mainland mobile number (11 digits) in E.164: 13800138000 -> +8613800138000."""
    digits = phone.strip()
    if digits.startswith("+86"):
        digits = digits[3:]
    if not _MAINLAND.fullmatch(digits):
        raise ValueError("not a mainland mobile number")
    return "+86" + digits


def _client(settings: Mapping[str, Any]) -> sms_client.SmsClient:
    """The SDK's client for ``ANXIN_SMS_API_BASE``, signed with the Tencent Cloud API key (``bot.cloud.tencent``)."""
    access = cloud_access(settings, "ANXIN_SMS_API_BASE")
    return sms_client.SmsClient(access.credential(), REGION, access.profile(TIMEOUT_SECONDS))


def send_sms(settings: Mapping[str, Any], phone: str, template_id: str, params: Sequence[str]) -> SmsSent:
    """Send one templated SMS to ``phone`` (11 digits or E.164); SmsRefused when Tencent refuses it.

    Network failures are raised as OSError, so that the outbox retries them like a WeChat timeout.
    """
    request = models.SendSmsRequest()
    request.PhoneNumberSet = [e164(phone)]
    request.SmsSdkAppId = str(settings["ANXIN_SMS_SDK_APPID"])
    request.SignName = str(settings["ANXIN_SMS_SIGN"])
    request.TemplateId = template_id
    request.TemplateParamSet = list(params)
    try:
        response = _client(settings).SendSms(request)
    except TencentCloudSDKException as exc:
        code = str(exc.get_code() or "")
        if code in ("ClientNetworkError", "ServerNetworkError", "ConnectionError", "ReadTimeout", "Timeout"):
            raise OSError(f"SMS API unreachable: {exc.get_message()}") from exc
        raise SmsRefused(code or "ClientError", str(exc.get_message() or "")) from exc
    statuses = response.SendStatusSet or []
    if not statuses:
        raise SmsRefused("InternalError", "no SendStatus in the answer")
    status = statuses[0]
    if status.Code != "Ok":
        raise SmsRefused(str(status.Code), str(status.Message or ""))
    return SmsSent(str(status.SerialNo or ""), int(status.Fee or 0))
