"""Hypothesis strategies for WeChat pushes: structure-aware, with hostile values mixed into every field."""

from __future__ import annotations

import time
from xml.sax.saxutils import escape

from hypothesis import strategies as st

from bot.core.textsafe import clean_text
from bot.wechat.simulator import _cdata

COMMANDS = ["帮助", "今天", "昨天", "日记 11-20", "评分 5 很好", "评分 9", "投诉 不满意", "撤销", "切换", "切换 2", "收到",
            "绑定 ", "bind ", "00000-00001-Y", "ABCDE-FGHJK-M", "7:30 喂奶 120ml", "体温 39.5", "换尿布 大便"]
EVENTS = ["subscribe", "unsubscribe", "SCAN", "CLICK", "VIEW", "LOCATION", "TEMPLATESENDJOBFINISH", "scancode_push"]
MSG_TYPES = ["text", "image", "voice", "video", "shortvideo", "location", "link", "event"]

# Any text XML can carry or not (controls included); surrogates cannot be encoded, so they are left out.
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)
# Text a WeChat server could send (what most pushes carry, so that most reach the handlers).
xml_text = st.text(st.characters(exclude_categories=["Cs", "Cc"]) | st.sampled_from("\t\n\r"), max_size=300)
some_text = st.one_of(xml_text, xml_text, xml_text, any_text)
hostile = st.sampled_from(["]]>", "<![CDATA[", "<!DOCTYPE x [<!ENTITY a 'b'>]>", "&amp;", "\x00", "\x07", "\x0b",
                           "\ufffe", "😀", "\u202e", "%s%n", "' OR 1=1 --", "<script>", "A" * 9000])
chat_text = st.one_of(
    st.sampled_from(COMMANDS),
    st.builds(lambda c, t: c + t, st.sampled_from(COMMANDS), some_text),
    some_text,
    st.lists(st.one_of(st.sampled_from(COMMANDS), hostile, xml_text), min_size=1, max_size=60).map("\n".join),
)
good_openids = st.from_regex(r"o[A-Za-z0-9_-]{5,40}", fullmatch=True)
openids = st.one_of(good_openids, good_openids, good_openids, some_text.filter(bool), hostile)
good_times = st.integers(int(time.time()) - 10**6, int(time.time()) + 10**6).map(str)
create_times = st.one_of(good_times, good_times, good_times, st.integers(-(10**15), 10**15).map(str), some_text)
msg_ids = st.one_of(st.integers(0, 2**64).map(str), st.integers(0, 2**64).map(str), some_text)


def _legal(value: str) -> bool:
    return clean_text(value) == value


legal_hostile = hostile.filter(_legal)
# What a nurse, a parent or a visitor can really type: commands, free text, many lines, markup-looking text.
legal_chat_text = st.one_of(
    st.sampled_from(COMMANDS),
    st.builds(lambda c, t: c + t, st.sampled_from(COMMANDS), xml_text),
    xml_text,
    st.lists(st.one_of(st.sampled_from(COMMANDS), legal_hostile, xml_text), min_size=1, max_size=60).map("\n".join),
).filter(_legal)


@st.composite
def push_fields(draw: st.DrawFn) -> dict[str, str]:
    """The fields of one push: mostly what WeChat sends (so most reach the handlers), else hostile anywhere."""
    if draw(st.integers(0, 9)) < 7:
        msg_type = draw(st.sampled_from(["text", "text", "text", "event", "image", "voice", "location"]))
        fields = {"ToUserName": "gh_anxin0000001", "FromUserName": draw(good_openids), "CreateTime": draw(good_times),
                  "MsgType": msg_type}
        if msg_type == "event":
            fields["Event"] = draw(st.sampled_from(EVENTS))
            fields["EventKey"] = draw(st.one_of(st.sampled_from(["", "qrscene_badge_00000000001", "badge_0000000001Y",
                                                                 "bind_ABCDEFGH", "qrscene_bind_X"]), xml_text))
        else:
            fields["MsgId"] = str(draw(st.integers(1, 2**63)))
            fields["Content"] = draw(legal_chat_text)
            if msg_type != "text":
                fields["MediaId"] = draw(st.one_of(st.just("MEDIA1"), xml_text))
        return fields
    msg_type = draw(st.one_of(st.sampled_from(MSG_TYPES), st.sampled_from(["text", "event"]), some_text))
    fields = {"ToUserName": "gh_anxin0000001", "FromUserName": draw(openids), "CreateTime": draw(create_times),
              "MsgType": msg_type}
    if msg_type == "event":
        fields["Event"] = draw(st.one_of(st.sampled_from(EVENTS), st.sampled_from(EVENTS), some_text))
        fields["EventKey"] = draw(st.one_of(st.sampled_from(["", "qrscene_badge_00000000001", "badge_X", "bind_ABC"]),
                                            some_text))
    else:
        fields["MsgId"] = draw(msg_ids)
        fields["Content"] = draw(chat_text)
        fields["MediaId"] = draw(st.one_of(st.just("MEDIA1"), some_text))
        fields["PicUrl"] = draw(st.one_of(st.just("http://mmbiz.qpic.cn/x"), some_text))
    if draw(st.integers(0, 9)) == 0:
        for name in draw(st.lists(st.sampled_from(sorted(fields)), max_size=2)):
            fields.pop(name, None)
    for name, value in draw(st.dictionaries(st.from_regex(r"[A-Za-z]{1,12}", fullmatch=True), some_text,
                                            max_size=2)).items():
        fields.setdefault(name, value)
    return fields


def to_xml(fields: dict[str, str], style: str) -> str:
    if style == "cdata":
        inner = "".join(f"<{k}>{_cdata(v)}</{k}>" for k, v in fields.items())
    else:
        inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items())
    return f"<xml>{inner}</xml>"


@st.composite
def push_bodies(draw: st.DrawFn) -> str:
    """A whole body: a push in CDATA or escaped text, sometimes cut short or wrapped in markup tricks."""
    xml = to_xml(draw(push_fields()), draw(st.sampled_from(["cdata", "escaped"])))
    mutation = draw(st.sampled_from(["none"] * 16 + ["truncate", "doctype", "prefix", "nested"]))
    if mutation == "truncate":
        return xml[: draw(st.integers(0, len(xml)))]
    if mutation == "doctype":
        return '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY e "x">]>' + xml
    if mutation == "prefix":
        return draw(any_text) + xml
    if mutation == "nested":
        return "<xml>" * draw(st.integers(1, 3000)) + "</xml>"
    return xml


# -- legal pushes: exactly what WeChat's servers send, each with what its sender must get back ---------

_badge_codes = st.text(alphabet="0123456789ABCDEFGHJKMNPQRSTVWXYZ", min_size=11, max_size=11)
_bind_codes = st.from_regex(r"[A-Z0-9]{6,12}", fullmatch=True)
_scene_keys = st.one_of(_badge_codes.map(lambda c: "badge_" + c), _bind_codes.map(lambda c: "bind_" + c))
_media_ids = st.from_regex(r"[A-Za-z0-9_-]{20,64}", fullmatch=True)
_urls = st.from_regex(r"https?://[a-z0-9.]{1,30}/[A-Za-z0-9_/?=&.-]{0,60}", fullmatch=True)
# A message a person can type: legal XML, not only blanks (WeChat sends no empty text message), and within
# what a WeChat message carries (the server reads fields of up to 8,192 characters, bodies up to 64 KiB).
typed_text = legal_chat_text.filter(lambda t: bool(t.strip()) and len(t) <= 8000 and len(t.encode()) < 60_000)
_coordinates = st.floats(-90, 90, allow_nan=False).map(lambda f: f"{f:.6f}")


@st.composite
def legal_pushes(draw: st.DrawFn) -> tuple[dict[str, str], bool]:
    """One push as WeChat sends it (MsgId left to the caller), and whether its sender must get words back.

    Every message (text, photo, voice, video, location, link), following, and scanning one of our QR codes
    is answered with words; the other events (unfollowing, menu clicks and views, location reports,
    template receipts) may be answered with ``success`` alone.
    """
    fields = {"ToUserName": "gh_anxin0000001", "FromUserName": draw(good_openids), "CreateTime": draw(good_times)}
    kind = draw(st.sampled_from(["text"] * 6 + ["image", "voice", "video", "shortvideo", "location", "link",
                                                "subscribe", "scene", "quiet_event"]))
    if kind == "text":
        return {**fields, "MsgType": "text", "Content": draw(typed_text)}, True
    if kind == "image":
        return {**fields, "MsgType": "image", "PicUrl": draw(_urls), "MediaId": draw(_media_ids)}, True
    if kind == "voice":
        voice = {**fields, "MsgType": "voice", "MediaId": draw(_media_ids), "Format": "amr"}
        if draw(st.booleans()):
            voice["Recognition"] = draw(typed_text)
        return voice, True
    if kind in ("video", "shortvideo"):
        return {**fields, "MsgType": kind, "MediaId": draw(_media_ids), "ThumbMediaId": draw(_media_ids)}, True
    if kind == "location":
        return {**fields, "MsgType": "location", "Location_X": draw(_coordinates), "Location_Y": draw(_coordinates),
                "Scale": str(draw(st.integers(1, 20))), "Label": draw(xml_text)}, True
    if kind == "link":
        return {**fields, "MsgType": "link", "Title": draw(xml_text), "Description": draw(xml_text),
                "Url": draw(_urls)}, True
    if kind == "subscribe":
        key = draw(st.one_of(st.just(""), _scene_keys.map(lambda k: "qrscene_" + k)))
        return {**fields, "MsgType": "event", "Event": "subscribe", "EventKey": key}, True
    if kind == "scene":
        return {**fields, "MsgType": "event", "Event": "SCAN", "EventKey": draw(_scene_keys),
                "Ticket": draw(_media_ids)}, True
    event = draw(st.sampled_from(["unsubscribe", "CLICK", "VIEW", "LOCATION", "TEMPLATESENDJOBFINISH"]))
    quiet = {**fields, "MsgType": "event", "Event": event}
    if event in ("CLICK", "VIEW"):
        quiet["EventKey"] = draw(st.one_of(st.from_regex(r"[A-Za-z0-9_]{1,20}", fullmatch=True), _urls))
    if event == "LOCATION":
        quiet.update(Latitude=draw(_coordinates), Longitude=draw(_coordinates), Precision="30.000000")
    if event == "TEMPLATESENDJOBFINISH":
        quiet.update(MsgID=str(draw(st.integers(1, 2**63))), Status="success")
    return quiet, False
