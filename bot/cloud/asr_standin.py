"""A local stand-in for Tencent Cloud's SentenceRecognition, speaking API 3.0 as the official SDK sends it.

Development mounts it at the app's own origin (the SDK posts to its endpoint's root, so calls carrying
``X-TC-Action`` to ``/`` come here, ``init_app``); the test suite serves it on a loopback port
(``tests/fakes/asr_api.py``). It answers as Tencent does
(https://cloud.tencent.com/document/api/1093/35646, https://cloud.tencent.com/document/api/1093/35640):

- the request must be signed ``TC3-HMAC-SHA256`` with a key it knows: ``AuthFailure.SecretIdNotFound`` for an
  unknown SecretId, ``AuthFailure.SignatureFailure`` for a signature the secret did not make,
  ``AuthFailure.SignatureExpire`` for a timestamp more than five minutes off, ``AuthFailure.InvalidAuthorization``
  for a malformed ``Authorization``;
- the action must be ``SentenceRecognition`` of version ``2019-06-14`` (``InvalidAction``, ``NoSuchVersion``);
- ``EngSerViceType``, ``SourceType``, ``VoiceFormat`` and, for ``SourceType`` 1, ``Data`` and ``DataLen`` are
  required (``InvalidParameter.ErrorParamsMissing``); ``VoiceFormat`` is one of the formats the API lists;
  the audio is at most 3 MB in base64 and 60 seconds long (``InvalidParameterValue.ErrorVoicedataTooLong``).

What it hears: the transcript attached to the audio when it was made (``add_transcript``; in development the
WeChat stand-in's voice uploads, ``transcripts``), else nothing (an empty ``Result``, as for silence).
Success is ``{"Response": {"Result", "AudioDuration", "WordSize", "WordList", "RequestId"}}``; an error
``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}``, both with HTTP 200, as Tencent answers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from werkzeug.wrappers import Request, Response

from bot.cloud.standin import TencentCloudRoute, signature_refusal

SERVICE = "asr"
ACTION = "SentenceRecognition"
VERSION = "2019-06-14"
# The formats SentenceRecognition lists (VoiceFormat), its limits, and how far a request's clock may be off.
VOICE_FORMATS = ("wav", "pcm", "ogg-opus", "speex", "silk", "mp3", "m4a", "aac", "amr")
ENGINES = ("8k_zh", "8k_en", "16k_zh", "16k_zh-PY", "16k_zh_medical", "16k_en", "16k_yue", "16k_ja", "16k_ko")
MAX_SECONDS = 60
MAX_BASE64_BYTES = 3 * 1024 * 1024

# AMR-NB storage format (RFC 4867 §5): "#!AMR\n", then frames of 20 ms whose first byte's FT (bits 3-6)
# gives the size: modes 4.75-12.2 kbit/s (FT 0-7), comfort noise (FT 8), no data (FT 15); FT 9-14 are not used.
AMR_MAGIC = b"#!AMR\n"
AMR_FRAME_BYTES = {0: 13, 1: 14, 2: 16, 3: 18, 4: 20, 5: 21, 6: 27, 7: 32, 8: 6, 15: 1}
AMR_FRAME_MS = 20
# Speex cannot be measured without decoding: the stand-in counts it at wideband quality 8, 27.8 kbit/s
# (the Speex manual's wideband mode table), the rate WeChat's 16 kHz voice is closest to.
SPEEX_BYTES_PER_SECOND = 27800 // 8



def silent_amr(seconds: float, mode: int = 7) -> bytes:
    """An AMR-NB file of ``seconds`` (in 20 ms frames of ``mode``) that decodes to silence: a voice to upload."""
    frames = max(1, round(seconds * 1000 / AMR_FRAME_MS))
    size = AMR_FRAME_BYTES[mode]
    return AMR_MAGIC + (bytes([mode << 3 | 0x04]) + bytes(size - 1)) * frames


def amr_duration_ms(audio: bytes) -> int | None:
    """The length of an AMR-NB file in milliseconds, or None when it is not one."""
    if not audio.startswith(AMR_MAGIC):
        return None
    pos, frames = len(AMR_MAGIC), 0
    while pos < len(audio):
        size = AMR_FRAME_BYTES.get((audio[pos] >> 3) & 0x0F)
        if size is None or pos + size > len(audio):
            return None
        pos += size
        frames += 1
    return frames * AMR_FRAME_MS


def duration_ms(audio: bytes, voice_format: str) -> int | None:
    """How long ``audio`` plays, as far as the stand-in can tell (None: it does not decode as that format)."""
    if voice_format == "amr":
        return amr_duration_ms(audio)
    if voice_format == "speex":
        return len(audio) * 1000 // SPEEX_BYTES_PER_SECOND
    return None


def audio_key(audio: bytes) -> str:
    return hashlib.sha256(audio).hexdigest()


@dataclass
class AsrCall:
    """One request the stand-in answered, and the error code it gave (empty: recognised)."""

    action: str
    params: dict[str, Any]
    code: str
    at: float


@dataclass
class AsrState:
    keys: dict[str, str] = field(default_factory=dict)  # SecretId -> SecretKey
    transcripts: dict[str, str] = field(default_factory=dict)  # sha256 of the audio -> what it says
    calls: list[AsrCall] = field(default_factory=list)


def _answer(response: dict[str, Any]) -> Response:
    return Response(json.dumps({"Response": response}, ensure_ascii=False), content_type="application/json")


def error_response(code: str, message: str) -> Response:
    """Tencent Cloud API 3.0's error answer: HTTP 200, ``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}``."""
    return _answer({"Error": {"Code": code, "Message": message}, "RequestId": str(uuid.uuid4())})


class AsrStandIn:
    """The stand-in as a WSGI app; ``transcripts`` (optional) says what an audio not scripted here says."""

    def __init__(self, transcripts: Callable[[bytes], str | None] | None = None) -> None:
        self.state = AsrState()
        self.transcripts = transcripts
        self._lock = threading.RLock()

    # -- arranging --------------------------------------------------------------
    def register_key(self, secret_id: str, secret_key: str) -> None:
        self.state.keys[secret_id] = secret_key

    def add_transcript(self, audio: bytes, text: str) -> None:
        with self._lock:
            self.state.transcripts[audio_key(audio)] = text

    def reset(self) -> None:
        with self._lock:
            self.state = AsrState(keys=self.state.keys)

    # -- the WSGI app -------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self.handle(Request(environ))(environ, start_response)

    def handle(self, request: Request) -> Response:
        body = request.get_data()
        response = self.answer(request, body)
        try:
            params = json.loads(body) if body else {}
        except ValueError:
            params = {}
        code = json.loads(response.get_data()).get("Response", {}).get("Error", {}).get("Code", "")
        with self._lock:
            self.state.calls.append(AsrCall(request.headers.get("X-TC-Action", ""),
                                            {k: v for k, v in params.items() if k != "Data"}, code, time.time()))
        return response

    def answer(self, request: Request, body: bytes) -> Response:
        """Tencent's answer to one call (the test fake scripts failures before it)."""
        refused = self._check_signature(request, body)
        if refused is not None:
            return refused
        if request.headers.get("X-TC-Action") != ACTION:
            return error_response("InvalidAction", f"the action {request.headers.get('X-TC-Action')!r} is not found")
        if request.headers.get("X-TC-Version") != VERSION:
            return error_response("NoSuchVersion", f"the version {request.headers.get('X-TC-Version')!r} is not supported")
        try:
            params = json.loads(body)
        except ValueError:
            return error_response("InvalidParameter.ErrorParsequest", "the request body is not JSON")
        if not isinstance(params, dict):
            return error_response("InvalidParameter.ErrorParsequest", "the request body is not a JSON object")
        return self._recognize(params)

    def _check_signature(self, request: Request, body: bytes) -> Response | None:
        """Sign the request again with the secret its SecretId names; refuse it unless the signatures agree."""
        refused = signature_refusal(request, body, self.state.keys, SERVICE, time.time())
        return None if refused is None else error_response(*refused)

    def _recognize(self, params: dict[str, Any]) -> Response:
        missing = [name for name in ("EngSerViceType", "SourceType", "VoiceFormat") if params.get(name) in (None, "")]
        if params.get("SourceType") == 1:
            missing += [name for name in ("Data", "DataLen") if params.get(name) in (None, "")]
        if missing:
            return error_response("InvalidParameter.ErrorParamsMissing", f"missing parameters: {', '.join(missing)}")
        if params["EngSerViceType"] not in ENGINES:
            return error_response("InvalidParameterValue.ErrorInvalidEngservice", "EngSerViceType is not an engine")
        if params["SourceType"] != 1:
            return error_response("InvalidParameterValue.ErrorInvalidSourcetype", "the stand-in takes SourceType 1 only")
        voice_format = params["VoiceFormat"]
        if voice_format not in VOICE_FORMATS:
            return error_response("InvalidParameterValue.ErrorInvalidVoiceFormat", f"VoiceFormat must be one of "
                          f"{', '.join(VOICE_FORMATS)}")
        data = str(params["Data"])
        if len(data) > MAX_BASE64_BYTES:
            return error_response("InvalidParameterValue.ErrorVoicedataTooLong", "the audio is over 3 MB")
        try:
            audio = base64.b64decode(data, validate=True)
        except binascii.Error:
            return error_response("InvalidParameterValue.ErrorInvalidVoicedata", "Data is not base64")
        if params["DataLen"] != len(audio):
            return error_response("InvalidParameterValue.ErrorInvalidVoicedata", "DataLen is not the audio's length")
        millis = duration_ms(audio, voice_format)
        if millis is None:
            return error_response("FailedOperation.ErrorRecognize", f"the audio does not decode as {voice_format}")
        if millis > MAX_SECONDS * 1000:
            return error_response("InvalidParameterValue.ErrorVoicedataTooLong", "the audio is longer than 60 seconds")
        text = self.state.transcripts.get(audio_key(audio))
        if text is None and self.transcripts is not None:
            text = self.transcripts(audio)
        words = list(text or "")
        return _answer({"Result": text or "", "AudioDuration": millis, "WordSize": len(words), "WordList": None,
                        "RequestId": str(uuid.uuid4())})


def init_app(app: Flask, transcripts: Callable[[bytes], str | None] | None = None) -> None:
    """In development with ``ANXIN_ASR_PROVIDER`` set, answer SentenceRecognition at the app's own origin."""
    settings = app.config
    if settings["ANXIN_ENV"] != "development" or not settings.get("ANXIN_ASR_PROVIDER"):
        return
    standin = AsrStandIn(transcripts)
    standin.register_key(settings["ANXIN_TENCENTCLOUD_SECRET_ID"], settings["ANXIN_TENCENTCLOUD_SECRET_KEY"])
    app.extensions["anxin_asr_standin"] = standin
    app.wsgi_app = TencentCloudRoute.serve(app.wsgi_app, SERVICE, standin)  # type: ignore[method-assign]  # Flask's documented way to wrap
