"""Tencent Cloud SMS through the official SDK, against the strict stand-in over loopback HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from bot.cloud.sms import SmsRefused, e164, send_sms
from tests.fakes.sms_api import SMS_SETTINGS, SmsApiFake

PHONE = "13800138000"
TEMPLATE = SMS_SETTINGS["ANXIN_SMS_TEMPLATE_FLAG"]


@pytest.fixture
def settings(sms_fake: SmsApiFake) -> dict[str, Any]:
    sms_fake.reset()
    return {**SMS_SETTINGS, "ANXIN_SMS_API_BASE": sms_fake.url}


def test_a_signed_send_arrives_with_its_text(settings: dict[str, Any], sms_fake: SmsApiFake) -> None:
    sent = send_sms(settings, PHONE, TEMPLATE, ["体温38.6℃", "小米粒", "12-07 03:05", "Ab3dE5gH9k"])
    assert sent.serial_no and sent.fee == 1
    [sms] = sms_fake.sent_to(PHONE)
    assert sms.phone == "+8613800138000"
    assert sms.text == "【安心月子】小米粒：体温38.6℃，12-07 03:05记录，请尽快查看并回复 http://127.0.0.1:5000/d/Ab3dE5gH9k"


def test_a_wrong_secret_is_refused_as_tencent_refuses_it(settings: dict[str, Any], sms_fake: SmsApiFake) -> None:
    with pytest.raises(SmsRefused) as wrong:
        send_sms({**settings, "ANXIN_TENCENTCLOUD_SECRET_KEY": "not-the-key"}, PHONE, TEMPLATE, ["a", "b", "c", "d"])
    assert wrong.value.code == "AuthFailure.SignatureFailure" and not wrong.value.retryable
    with pytest.raises(SmsRefused) as unknown:
        send_sms({**settings, "ANXIN_TENCENTCLOUD_SECRET_ID": "AKIDnobody"}, PHONE, TEMPLATE, ["a", "b", "c", "d"])
    assert unknown.value.code == "AuthFailure.SecretIdNotFound"
    assert sms_fake.state.sent == []


@pytest.mark.parametrize(("params", "code"), [
    (["体温38.6℃", "小米粒", "12-07 03:05"], "InvalidParameterValue.TemplateParameterFormatError"),
    (["宝宝体温三十八点六度请尽快就医", "小米粒", "12-07 03:05", "x"], "InvalidParameterValue.TemplateParameterLengthLimit"),
    (["体温38.6℃", "13711112222", "12-07 03:05", "x"], "InvalidParameterValue.PersonalDataInTemplateParameter"),
    (["体温38.6℃", "小米粒", "12-07 03:05", "11010519491231002X"], "InvalidParameterValue.TemplateParameterLengthLimit"),
    (["体温38.6℃", "小米粒", "12-07", "t.cn/abc"], "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter"),
])
def test_template_parameters_are_checked(settings: dict[str, Any], sms_fake: SmsApiFake, params: list[str],
                                         code: str) -> None:
    with pytest.raises(SmsRefused) as refused:
        send_sms(settings, PHONE, TEMPLATE, params)
    assert refused.value.code == code
    assert sms_fake.state.sent == []


def test_an_id_number_in_a_short_enough_parameter_is_still_refused(sms_fake: SmsApiFake) -> None:
    sms_fake.register("AKIDlong", "k", "1400000001", {"9": "编号{1}"})
    settings = {**SMS_SETTINGS, "ANXIN_SMS_API_BASE": sms_fake.url, "ANXIN_TENCENTCLOUD_SECRET_ID": "AKIDlong",
                "ANXIN_TENCENTCLOUD_SECRET_KEY": "k", "ANXIN_SMS_SDK_APPID": "1400000001"}
    import bot.cloud.sms_standin as standin

    previous, standin.PARAM_MAX_CHARS = standin.PARAM_MAX_CHARS, 20  # a looser limit: the personal-data rule holds
    try:
        with pytest.raises(SmsRefused) as refused:
            send_sms(settings, PHONE, "9", ["11010519491231002X"])
    finally:
        standin.PARAM_MAX_CHARS = previous
    assert refused.value.code == "InvalidParameterValue.PersonalDataInTemplateParameter"


def test_missing_settings_and_numbers_are_refused(settings: dict[str, Any], sms_fake: SmsApiFake) -> None:
    with pytest.raises(SmsRefused) as no_sign:
        send_sms({**settings, "ANXIN_SMS_SIGN": ""}, PHONE, TEMPLATE, ["a", "b", "c", "d"])
    assert no_sign.value.code == "MissingParameter"
    with pytest.raises(SmsRefused) as no_template:
        send_sms(settings, PHONE, "", ["a", "b", "c", "d"])
    assert no_template.value.code == "MissingParameter"
    with pytest.raises(SmsRefused) as unapproved:
        send_sms(settings, PHONE, "999", ["a"])
    assert unapproved.value.code == "FailedOperation.TemplateIncorrectOrUnapproved"
    assert e164("138 0013 8000".replace(" ", "")) == "+8613800138000"
    with pytest.raises(ValueError):
        e164("12345")


def test_one_message_per_number_in_thirty_seconds(settings: dict[str, Any], sms_fake: SmsApiFake) -> None:
    now = [__import__("time").time()]
    sms_fake.clock = lambda: now[0]
    try:
        send_sms(settings, PHONE, TEMPLATE, ["a", "b", "c", "d"])
        with pytest.raises(SmsRefused) as again:
            send_sms(settings, PHONE, TEMPLATE, ["a", "b", "c", "d"])
        assert again.value.code == "LimitExceeded.PhoneNumberThirtySecondLimit" and again.value.retryable
        send_sms(settings, "18501234444", TEMPLATE, ["a", "b", "c", "d"])  # another number is not limited
    finally:
        sms_fake.clock = __import__("time").time
