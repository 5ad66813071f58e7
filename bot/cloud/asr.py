"""Speech to text for voice messages: Tencent Cloud's SentenceRecognition (API 3.0, version 2019-06-14).

Doc: https://cloud.tencent.com/document/product/1093/35646 (一句话识别): audio of at most 60 s and 3 MB
(after base64), sent in the request (``SourceType`` 1, ``Data`` base64, ``DataLen`` the raw length).
WeChat's voice media (``/cgi-bin/media/get``) is AMR-NB, sampled at 8 kHz, or Speex at 16 kHz
(https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Get_temporary_materials.html): the
engine matches the sample rate (``8k_zh`` / ``16k_zh``). Every failure comes back as an ``AsrFailure``,
never as an exception; a call takes at most ``timeout`` seconds per connect and per read.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tencentcloud.asr.v20190614.asr_client import AsrClient
from tencentcloud.asr.v20190614.models import SentenceRecognitionRequest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from bot.cloud.tencent import cloud_access

log = logging.getLogger("anxin.cloud.asr")

# SentenceRecognition takes no region (its API doc's common parameters: 本接口不需要传递此参数): no X-TC-Region.
REGION = ""
# WeChat's voice format -> (VoiceFormat, EngSerViceType): the engine's sample rate is the audio's.
ENGINES = {"amr": ("amr", "8k_zh"), "speex": ("speex", "16k_zh")}
# Failures worth trying again later: the network, Tencent's own trouble, its rate limit.
_RETRYABLE_PREFIXES = ("ClientNetworkError", "ServerNetworkError", "InternalError", "RequestLimitExceeded",
                       "LimitExceeded", "FailedOperation.ServiceIsolate")


@dataclass(frozen=True)
class Transcript:
    """What was said, as the recogniser wrote it, and the audio's length in milliseconds."""

    text: str
    duration_ms: int


@dataclass(frozen=True)
class AsrFailure:
    """Why there is no transcript: Tencent's error code (or ours: ``UnsupportedFormat``, ``EmptyResult``)."""

    code: str
    message: str
    retryable: bool = False


Recognition = Transcript | AsrFailure


class SpeechRecognizer:
    """One SDK client for the app, built from the settings once (``recognizer_from``)."""

    def __init__(self, client: AsrClient) -> None:
        self._client = client

    def recognize(self, audio: bytes, voice_format: str) -> Recognition:
        """Transcribe ``audio`` in WeChat's ``voice_format`` (``amr`` or ``speex``)."""
        engine = ENGINES.get(voice_format.lower())
        if engine is None:
            return AsrFailure("UnsupportedFormat", f"voice format {voice_format!r} is not amr or speex")
        if not audio:
            return AsrFailure("EmptyAudio", "the voice message has no audio")
        request = SentenceRecognitionRequest()
        request.EngSerViceType = engine[1]
        request.SourceType = 1
        request.VoiceFormat = engine[0]
        request.Data = base64.b64encode(audio).decode("ascii")
        request.DataLen = len(audio)
        try:
            answer = self._client.SentenceRecognition(request)
        except TencentCloudSDKException as exc:
            code = str(exc.get_code() or "ClientError")
            log.warning("asr.failed", extra={"fields": {"code": code, "request_id": exc.get_request_id()}})
            return AsrFailure(code, str(exc.get_message())[:300], code.startswith(_RETRYABLE_PREFIXES))
        text = str(answer.Result or "").strip()
        if not text:
            return AsrFailure("EmptyResult", "nothing was recognised in the audio")
        return Transcript(text, int(answer.AudioDuration or 0))


def recognizer_from(settings: Mapping[str, Any], timeout: float) -> SpeechRecognizer | None:
    """The app's recogniser when ``ANXIN_ASR_PROVIDER`` names one, else None (voice is answered "please type")."""
    if settings.get("ANXIN_ASR_PROVIDER") != "tencent":
        return None
    access = cloud_access(settings, "ANXIN_ASR_API_BASE")
    return SpeechRecognizer(AsrClient(access.credential(), REGION, access.profile(timeout)))
