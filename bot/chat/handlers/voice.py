"""Voice messages: WeChat's speech recognition result is read as the same text, and the reply says so.

With 接收语音识别结果 turned on for the Official Account, a voice push carries ``<Recognition>``
(https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html).
When WeChat sends none (the field is being withdrawn) and speech recognition is configured, the edge
transcribes the voice itself (``bot.wechat.voice``, Tencent Cloud's SentenceRecognition) and hands it
here the same way. A nurse's recognised diary line is recorded exactly as if typed, with the recognised
text shown first so she can check it; anyone else's is routed like a text. A voice still being
transcribed is answered so (the result follows as a customer-service message); one the recogniser could
not read is answered "please type", recording nothing. With no recognition at all the sender is asked to
type, and told where the agency turns recognition on.
"""

from __future__ import annotations

import dataclasses
import re

from bot.chat.context import NURSE, ChatContext, Reply, Text
from bot.chat.handlers.diary_nurse import record_text
from bot.chat.router import COMMANDS, FALLBACK, message, normalise_text
from bot.diary import texts

# WeChat's recogniser ends a sentence with a full stop (。) the nurse never typed.
_TRAILING = re.compile(r"[。.！!？?，,\s]+$")


@message("voice")
def voice(ctx: ChatContext) -> Reply | None:
    if ctx.message.asr == "pending":
        return Text(texts.VOICE_TRANSCRIBING)
    said = _TRAILING.sub("", normalise_text(ctx.message.recognition))
    if not said:
        return Text(texts.VOICE_ASR_FAILED if ctx.message.asr else texts.VOICE_NO_RECOGNITION)
    as_text = dataclasses.replace(ctx, message=dataclasses.replace(ctx.message, msg_type="text", text=said))
    for cmd in COMMANDS:
        if not (cmd.roles & ctx.roles):
            continue
        match = cmd.pattern.fullmatch(said)
        if match is None:
            continue
        if cmd.name in ("diary_lines", "nurse_badge_shape") and NURSE in ctx.roles:
            return record_text(as_text, said, header=texts.VOICE_HEADER.format(text=said))
        as_text.match = match
        reply = cmd.handler(as_text)
        return reply
    return FALLBACK[0](as_text)
