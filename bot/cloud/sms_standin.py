"""A loopback stand-in for Tencent Cloud SMS ``SendSms`` (API 3.0, 2021-01-11), strict where we depend on it.

One implementation serves the development server (mounted at this app's origin: Tencent Cloud API 3.0
posts to ``/`` with an ``X-TC-Action`` header, so ``mount`` routes such requests here) and the tests'
loopback fake (``tests/fakes/sms_api.py``). It answers as Tencent does, in Tencent's shape
(``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}``, or ``SendStatusSet`` per number):

- the request must be signed ``TC3-HMAC-SHA256`` with a registered key: an unknown SecretId is
  ``AuthFailure.SecretIdNotFound``, a wrong signature ``AuthFailure.SignatureFailure``, a timestamp more
  than 5 minutes off ``AuthFailure.SignatureExpire``
  (https://cloud.tencent.com/document/api/382/52072, the signature v3);
- ``SmsSdkAppId``, ``SignName``, ``TemplateId`` and ``PhoneNumberSet`` are required (``MissingParameter``);
  an unknown application ``FailedOperation.SmsSdkAppIdVerifyFail``, an unknown template
  ``FailedOperation.TemplateIncorrectOrUnapproved``, a template's parameter count checked;
- numbers in E.164 (``+8613800138000``), else ``InvalidParameterValue.IncorrectPhoneNumber`` for that number;
- ``TemplateParamSet``: each parameter at most ``PARAM_MAX_CHARS`` characters
  (``InvalidParameterValue.TemplateParameterLengthLimit``), no link in a parameter
  (``InvalidParameterValue.ProhibitedUseUrlInTemplateParameter``: Tencent's FAQ,
  https://cloud.tencent.com/document/product/382/13301, "模板中的变量参数不允许传链接"); and, a rule of ours
  (the contract, not Tencent's), no 11-digit phone number and no 18-character ID number
  (``InvalidParameterValue.PersonalDataInTemplateParameter``);
- per number at most one message in 30 seconds and five an hour
  (``LimitExceeded.PhoneNumberThirtySecondLimit`` / ``LimitExceeded.PhoneNumberOneHourLimit``, Tencent's
  default frequency limits).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.wrappers import Request, Response

from bot.cloud.standin import TencentCloudRoute, signature_refusal

SERVICE = "sms"
VERSION = "2021-01-11"
# Tencent counts every character (a Chinese character, a letter, a digit, a punctuation mark) as one.
PARAM_MAX_CHARS = 12
THIRTY_SECONDS = 30.0
HOURLY_LIMIT = 5
_E164_MAINLAND = re.compile(r"^\+861[3-9]\d{9}$")
_PHONE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
_LINK = re.compile(r"https?://|www\.|\.(com|cn|net|org)(/|$)", re.IGNORECASE)


@dataclass
class Sms:
    """One message the stand-in accepted."""

    phone: str
    template_id: str
    params: list[str]
    sign: str
    at: float
    text: str


@dataclass
class SmsState:
    keys: dict[str, str] = field(default_factory=dict)  # SecretId -> SecretKey
    apps: set[str] = field(default_factory=set)  # SmsSdkAppId
    templates: dict[str, str] = field(default_factory=dict)  # TemplateId -> content with {1}, {2}, ...
    sent: list[Sms] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (phone or "", code)


def _error(code: str, message: str) -> Response:
    body = {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": str(uuid.uuid4())}}
    return Response(json.dumps(body, ensure_ascii=False), content_type="application/json")


def render(content: str, params: list[str]) -> str:
    """A template's text with its parameters: {1} is the first."""
    return re.sub(r"\{(\d+)\}", lambda m: params[int(m.group(1)) - 1] if int(m.group(1)) <= len(params) else "",
                  content)


class SmsStandIn:
    """The stand-in as a WSGI app; ``state`` holds what it knows and what it accepted."""

    def __init__(self) -> None:
        self.state = SmsState()
        self.clock: Callable[[], float] = time.time
        self._lock = threading.RLock()
        self._serials = itertools.count(1)

    # -- arranging --------------------------------------------------------------
    def register(self, secret_id: str, secret_key: str, app_id: str, templates: dict[str, str]) -> None:
        with self._lock:
            self.state.keys[secret_id] = secret_key
            self.state.apps.add(app_id)
            self.state.templates.update(templates)

    def reset(self) -> None:
        """Forget what was sent (the keys, applications and templates stay)."""
        with self._lock:
            self.state = SmsState(keys=self.state.keys, apps=self.state.apps, templates=self.state.templates)

    # -- what happened ----------------------------------------------------------
    def sent_to(self, phone: str) -> list[Sms]:
        """Messages accepted for ``phone`` (11 digits or E.164)."""
        wanted = phone if phone.startswith("+") else "+86" + phone
        return [m for m in self.state.sent if m.phone == wanted]

    # -- the WSGI app -------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self.handle(Request(environ))(environ, start_response)

    def handle(self, request: Request) -> Response:
        if request.method != "POST" or request.path != "/":
            return _error("UnsupportedOperation", "Tencent Cloud API 3.0 takes POST /")
        raw = request.get_data()
        refused = self._check_signature(request, raw)
        if refused is not None:
            return refused
        if request.headers.get("X-TC-Action") != "SendSms":
            return _error("InvalidAction", f"the stand-in serves SendSms, not {request.headers.get('X-TC-Action')}")
        if request.headers.get("X-TC-Version") != VERSION:
            return _error("InvalidParameterValue", f"SendSms is version {VERSION}")
        try:
            body = json.loads(raw)
        except ValueError:
            return _error("FailedOperation.JsonParseFail", "the body is not JSON")
        if not isinstance(body, dict):
            return _error("FailedOperation.JsonParseFail", "the body is not a JSON object")
        return self._send(body)

    def _check_signature(self, request: Request, raw: bytes) -> Response | None:
        refused = signature_refusal(request, raw, self.state.keys, SERVICE, self.clock())
        return None if refused is None else _error(*refused)

    def _send(self, body: dict[str, Any]) -> Response:
        for name in ("PhoneNumberSet", "SmsSdkAppId", "TemplateId", "SignName"):
            if not body.get(name):
                return _error("MissingParameter", f"the parameter `{name}` is missing")
        phones, params = body["PhoneNumberSet"], body.get("TemplateParamSet") or []
        if not isinstance(phones, list) or not all(isinstance(p, str) for p in phones) or len(phones) > 200:
            return _error("InvalidParameterValue", "PhoneNumberSet is a list of at most 200 numbers")
        if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
            return _error("InvalidParameterValue", "TemplateParamSet is a list of strings")
        if str(body["SmsSdkAppId"]) not in self.state.apps:
            return _error("FailedOperation.SmsSdkAppIdVerifyFail", "the SmsSdkAppId is not found")
        template = self.state.templates.get(str(body["TemplateId"]))
        if template is None:
            return _error("FailedOperation.TemplateIncorrectOrUnapproved", "the template is not approved")
        wanted = len(set(re.findall(r"\{(\d+)\}", template)))
        if len(params) != wanted:
            return _error("InvalidParameterValue.TemplateParameterFormatError",
                          f"the template takes {wanted} parameters, not {len(params)}")
        for value in params:
            if len(value) > PARAM_MAX_CHARS:
                return _error("InvalidParameterValue.TemplateParameterLengthLimit",
                              f"a template parameter is at most {PARAM_MAX_CHARS} characters ({len(value)})")
            if _LINK.search(value):
                return _error("InvalidParameterValue.ProhibitedUseUrlInTemplateParameter",
                              "a template parameter may not hold a link")
            if _PHONE_IN_TEXT.search(value) or _ID_IN_TEXT.search(value):
                return _error("InvalidParameterValue.PersonalDataInTemplateParameter",
                              "a template parameter may not hold a phone or ID number")
        statuses = [self._one(phone, body, params, template) for phone in phones]
        answer = {"Response": {"SendStatusSet": statuses, "RequestId": str(uuid.uuid4())}}
        return Response(json.dumps(answer, ensure_ascii=False), content_type="application/json")

    def _one(self, phone: str, body: dict[str, Any], params: list[str], template: str) -> dict[str, Any]:
        status = {"SerialNo": "", "PhoneNumber": phone, "Fee": 0, "SessionContext": str(body.get("SessionContext", "")),
                  "IsoCode": "CN"}
        with self._lock:
            now = self.clock()
            if not _E164_MAINLAND.match(phone):
                code, message = "InvalidParameterValue.IncorrectPhoneNumber", "the number is not E.164 (+86...)"
            else:
                mine = [m.at for m in self.state.sent if m.phone == phone]
                if mine and now - mine[-1] < THIRTY_SECONDS:
                    code, message = "LimitExceeded.PhoneNumberThirtySecondLimit", "one message per 30 seconds"
                elif sum(1 for at in mine if now - at < 3600) >= HOURLY_LIMIT:
                    code, message = "LimitExceeded.PhoneNumberOneHourLimit", f"{HOURLY_LIMIT} messages an hour"
                else:
                    text = f"【{body['SignName']}】" + render(template, params)
                    self.state.sent.append(Sms(phone, str(body["TemplateId"]), params, str(body["SignName"]), now, text))
                    return {**status, "SerialNo": f"2640:{next(self._serials):012d}", "Fee": 1, "Code": "Ok",
                            "Message": "send success"}
            self.state.refused.append((phone, code))
        return {**status, "Code": code, "Message": message}


def init_app(app: Flask) -> None:
    """In development with SMS configured to this app's own origin, answer ``SendSms`` here (``app.extensions``
    ``["anxin_sms_standin"]``), with the configured key, application and flag template."""
    settings = app.config
    if settings["ANXIN_ENV"] != "development" or not settings.get("ANXIN_SMS_PROVIDER"):
        return
    if urlsplit(str(settings["ANXIN_SMS_API_BASE"])).netloc != urlsplit(str(settings["ANXIN_PUBLIC_URL"])).netloc:
        return  # another SMS API (the tests' loopback fake): nothing to serve here
    from bot.diary.texts import SMS_FLAG_TEMPLATE as FLAG_TEMPLATE

    standin = SmsStandIn()
    standin.register(str(settings["ANXIN_TENCENTCLOUD_SECRET_ID"]), str(settings["ANXIN_TENCENTCLOUD_SECRET_KEY"]),
                     str(settings["ANXIN_SMS_SDK_APPID"]),
                     {str(settings["ANXIN_SMS_TEMPLATE_FLAG"]):
                      FLAG_TEMPLATE.replace("{site}", str(settings["ANXIN_PUBLIC_URL"]).rstrip("/"))})
    app.extensions["anxin_sms_standin"] = standin
    app.wsgi_app = TencentCloudRoute.serve(app.wsgi_app, SERVICE, standin)  # type: ignore[method-assign]  # Flask's documented way to wrap
