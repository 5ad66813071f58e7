"""Photos and voices the nurse sends: downloading WeChat's temporary media, at the edge.

Doc: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Get_temporary_materials.html
The diary (``bot.diary.photos``) decides what is due and stores it; this module is the
one that talks to WeChat for it, in the thread after a message's commit and in the sweep.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import requests
from flask import Flask
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from bot.cloud.asr import AsrFailure
from bot.delivery.notify import send_pending
from bot.delivery.wechat_api import get_api
from bot.diary.photos import MAX_BYTES, PhotoUnavailable, fetch_pending
from bot.store.db import get_db


def download_image(api: WeChatClient, media_id: str) -> tuple[bytes, str]:
    """The image behind ``media_id``: (bytes, content type), or PhotoUnavailable."""
    try:
        response = api.media.download(media_id)
    except (WeChatClientException, requests.RequestException, OSError) as exc:
        raise PhotoUnavailable(str(exc)) from None
    if not isinstance(response, requests.Response):
        raise PhotoUnavailable(f"unexpected media answer: {response!r}"[:200])
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    data = response.content
    if not content_type.startswith("image/") or not data:
        raise PhotoUnavailable(f"media {media_id} is not an image ({content_type or 'no type'})")
    if len(data) > MAX_BYTES:
        raise PhotoUnavailable(f"media {media_id} is over {MAX_BYTES} bytes")
    return data, content_type


# WeChat's limit for a voice: 2 MB, at most 60 s, AMR or MP3 (the doc above, 临时素材 "语音（voice）").
MAX_VOICE_BYTES = 2 * 1024 * 1024


def voice_audio(response: object, media_id: str) -> bytes | AsrFailure:
    """The audio of WeChat's answer to ``/cgi-bin/media/get`` for a voice, or why there is none."""
    if not isinstance(response, requests.Response):
        return AsrFailure("WeChat.NotMedia", f"unexpected media answer: {response!r}"[:200])
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    data = response.content
    if not content_type.startswith(("audio/", "voice/")) or not data:
        return AsrFailure("WeChat.NotVoice", f"media {media_id} is not a voice ({content_type or 'no type'})")
    if len(data) > MAX_VOICE_BYTES:
        return AsrFailure("WeChat.TooLarge", f"media {media_id} is over {MAX_VOICE_BYTES} bytes")
    return data


def fetch_photos(app: Flask, photo_ids: list[int] | None = None, now: dt.datetime | None = None) -> dict[str, int]:
    """Fetch the due photos of ``app`` (or ``photo_ids``), then send the nurses' "照片已记录" follow-ups."""
    db = get_db(app)
    assert db.session_factory is not None
    api = get_api(app)
    with app.app_context():
        counts = fetch_pending(db.session_factory, lambda media_id: download_image(api, media_id),
                               ZoneInfo(app.config["ANXIN_TIMEZONE"]), photo_ids, now)
        if sum(counts.values()):
            send_pending(db.session_factory, api, app.config)
    return counts
