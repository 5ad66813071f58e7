"""The speech-recognition stand-in answers the official SDK as Tencent Cloud does, and development wires it up.

Every request here is made by ``tencentcloud-sdk-python-asr`` itself (``AsrClient.SentenceRecognition``), signed
TC3-HMAC-SHA256 with a key; the stand-in signs it again with the secret its SecretId names.
Limits and codes: https://cloud.tencent.com/document/product/1093/35646 (audio ≤ 60 s, ≤ 3 MB after base64).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from flask import Flask
from tencentcloud.asr.v20190614.asr_client import AsrClient
from tencentcloud.asr.v20190614.models import SentenceRecognitionRequest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from bot import create_app
from bot.cloud.asr import REGION, AsrFailure, SpeechRecognizer, Transcript, recognizer_from
from bot.cloud.asr_standin import silent_amr
from bot.cloud.tencent import cloud_access
from bot.store import background
from tests.fakes.asr_api import SECRET_ID, SECRET_KEY, AsrApiFake
from tests.support.backends import SETTINGS, clear
from tests.support.chat import NURSE, Chat, bound_family
from tests.support.serving import free_port, serving


@pytest.fixture
def standin() -> Iterator[AsrApiFake]:
    fake = AsrApiFake().start()
    yield fake
    fake.stop()


def settings(url: str, secret_id: str = SECRET_ID, secret_key: str = SECRET_KEY) -> dict[str, str]:
    return {"ANXIN_ASR_PROVIDER": "tencent", "ANXIN_ASR_API_BASE": url,
            "ANXIN_TENCENTCLOUD_SECRET_ID": secret_id, "ANXIN_TENCENTCLOUD_SECRET_KEY": secret_key}


def recognizer(url: str, **kw: str) -> SpeechRecognizer:
    found = recognizer_from(settings(url, **kw), 2.0)
    assert found is not None
    return found


def test_a_signed_request_is_heard_with_its_duration(standin: AsrApiFake) -> None:
    audio = silent_amr(3)
    standin.add_transcript(audio, "宝宝喝了90毫升")
    assert recognizer(standin.url).recognize(audio, "amr") == Transcript("宝宝喝了90毫升", 3000)


def test_a_signature_made_with_another_secret_is_refused_as_tencent_does(standin: AsrApiFake) -> None:
    audio = silent_amr(3)
    standin.add_transcript(audio, "喂奶")
    failure = recognizer(standin.url, secret_key="someone-else-s-key").recognize(audio, "amr")
    assert isinstance(failure, AsrFailure) and failure.code == "AuthFailure.SignatureFailure"
    assert not failure.retryable
    failure = recognizer(standin.url, secret_id="AKIDunknown").recognize(audio, "amr")
    assert isinstance(failure, AsrFailure) and failure.code == "AuthFailure.SecretIdNotFound"


def test_audio_over_sixty_seconds_or_three_megabytes_is_refused(standin: AsrApiFake) -> None:
    asr = recognizer(standin.url)
    standin.add_transcript(silent_amr(60), "哄睡")
    assert asr.recognize(silent_amr(60), "amr") == Transcript("哄睡", 60000)  # the limit itself is allowed
    too_long = asr.recognize(silent_amr(60.02), "amr")
    assert isinstance(too_long, AsrFailure) and too_long.code == "InvalidParameterValue.ErrorVoicedataTooLong"
    too_big = asr.recognize(b"\x00" * (3 * 1024 * 1024 // 4 * 3 + 3), "speex")  # 3 MB and 4 bytes in base64
    assert isinstance(too_big, AsrFailure) and too_big.code == "InvalidParameterValue.ErrorVoicedataTooLong"
    not_amr = asr.recognize(b"RIFF....WAVE", "amr")
    assert isinstance(not_amr, AsrFailure) and not_amr.code == "FailedOperation.ErrorRecognize"


def sdk_call(url: str, **params: object) -> str:
    """SentenceRecognition with exactly ``params``, through the SDK: the error code Tencent answers."""
    access = cloud_access(settings(url), "ANXIN_ASR_API_BASE")
    client = AsrClient(access.credential(), REGION, access.profile(2.0))
    request = SentenceRecognitionRequest()
    request._deserialize(params)
    try:
        client.SentenceRecognition(request)
    except TencentCloudSDKException as exc:
        return str(exc.get_code())
    return ""


def test_missing_parameters_and_unknown_formats_are_invalid_parameters(standin: AsrApiFake) -> None:
    audio = silent_amr(1)
    data = base64.b64encode(audio).decode()
    full = {"EngSerViceType": "8k_zh", "SourceType": 1, "VoiceFormat": "amr", "Data": data, "DataLen": len(audio)}
    assert sdk_call(standin.url, **full) == ""
    for name in full:
        assert sdk_call(standin.url, **{k: v for k, v in full.items() if k != name}) \
            == "InvalidParameter.ErrorParamsMissing", name
    assert sdk_call(standin.url, **{**full, "VoiceFormat": "wma"}) == "InvalidParameterValue.ErrorInvalidVoiceFormat"
    assert sdk_call(standin.url, **{**full, "EngSerViceType": "48k_zh"}) \
        == "InvalidParameterValue.ErrorInvalidEngservice"
    assert sdk_call(standin.url, **{**full, "DataLen": len(audio) + 1}) == "InvalidParameterValue.ErrorInvalidVoicedata"


def test_an_unsupported_wechat_format_is_not_sent() -> None:
    asr = recognizer("http://127.0.0.1:9")  # nothing listens: a call would be a network error
    assert asr.recognize(silent_amr(1), "mp3") == AsrFailure("UnsupportedFormat",
                                                              "voice format 'mp3' is not amr or speex")


@pytest.fixture
def dev_server(database_url: str) -> Iterator[tuple[Flask, str]]:
    """The development app as ``make run`` serves it with ANXIN_ASR_PROVIDER=tencent: its own stand-ins at its origin."""
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    app = create_app({**SETTINGS, "ANXIN_DATABASE_URL": database_url, "ANXIN_WECHAT_API_BASE": f"{origin}/_dev/wechat",
                      "ANXIN_ASR_PROVIDER": "tencent", "ANXIN_ASR_API_BASE": origin,
                      "ANXIN_TENCENTCLOUD_SECRET_ID": "", "ANXIN_TENCENTCLOUD_SECRET_KEY": ""})
    engine = app.extensions["anxin_db"].engine
    clear(engine)
    with serving(app, port):
        yield app, origin
    background.join_all()
    clear(engine)
    engine.dispose()


def test_in_development_a_simulated_voice_is_heard_by_the_app_s_own_stand_ins(dev_server: tuple[Flask, str]) -> None:
    app, _origin = dev_server
    assert app.config["ANXIN_TENCENTCLOUD_SECRET_ID"].startswith("AKIDanxin-development")
    client = app.test_client()
    bound_family(app, client, Chat(client), NURSE)
    result = app.test_cli_runner().invoke(args=["chat", "--as", NURSE, "--voice", "喂奶", "90ml"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("🎤 语音识别为：“喂奶 90ml”") and "已记录 1 条" in result.output
    assert [c.code for c in app.extensions["anxin_asr_standin"].state.calls] == [""]
