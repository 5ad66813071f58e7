"""The nurse's chat language: one line, one diary entry.

``parse_lines(text, sent_at, tz)`` turns a message into entries. A line may begin
with a time (``7:30``, ``7点半``, ``7时30分``, ``下午3点``, ``凌晨2点``); otherwise it
happened when the message was sent. A time later than the message (by more than a
few minutes) means the day before: ``23:30`` sent at 00:10 is last night.
Recognised activities become structured entries with their units in the field
names; anything else becomes a note. The line itself is always kept as ``text``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot.diary import texts

# A time up to this far past the message still counts as today (clocks differ a little).
FUTURE_TOLERANCE = dt.timedelta(minutes=10)

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUM = "[零〇一二两三四五六七八九十百]+"


@dataclass
class ParsedEntry:
    """One entry as parsed (or as sent by the mini-program), not yet stored."""

    kind: str
    fields: dict[str, Any]
    text: str
    occurred_at: dt.datetime
    time_given: bool = False
    client_id: str | None = None
    # What the nurse should know about how the line was read (e.g. a second reading left in the text).
    hint: str | None = None


@dataclass
class _Line:
    body: str  # normalised text after the time prefix
    hour: int | None = None
    minute: int = 0
    extras: dict[str, Any] = field(default_factory=dict)


def cn_to_int(token: str) -> int | None:
    """``十五`` → 15, ``二十`` → 20, ``一百二十`` → 120, ``7`` → 7; None if not a number."""
    if token.isdigit():
        return int(token)
    if not token or any(c not in _CN_DIGITS and c not in "十百" for c in token):
        return None
    total, current = 0, 0
    for char in token:
        if char == "百":
            total += (current or 1) * 100
            current = 0
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = current * 10 + _CN_DIGITS[char]
    return total + current


def normalise(line: str) -> str:
    """Fold full-width forms (NFKC), lower-case, and mend the punctuation phones put in numbers."""
    text = unicodedata.normalize("NFKC", line).lower()
    text = re.sub(r"(?<=\d)[。，,](?=\d)", ".", text)  # 36。8 / 36,8 → 36.8
    text = text.replace("：", ":").replace("～", "~")
    return text.strip()


_PERIOD = r"(?P<period>上午|早上|早晨|清晨|早|中午|午后|下午|傍晚|晚上|夜里|夜间|半夜|深夜|凌晨|晚)?"
_HOUR = rf"(?P<hour>\d{{1,2}}|{_CN_NUM})"
# Units a number may carry: "7点 120ml" and "7点15分钟" are a time then an amount or a duration, not 7:12 / 7:15.
_UNIT_AFTER = (r"\s*(?:ml|毫升|cc|m1|亳升|分钟|min|个?小时|个?钟头|h(?![a-z])|hr|克|g|kg|公斤|千克|斤|两|cm|厘米|公分"
               r"|度|°|℃|次|mg|umol|μmol|µmol)")
_TIME_RE = re.compile(
    rf"^{_PERIOD}\s*{_HOUR}\s*"
    rf"(?:[:.](?P<mm>\d{{2}})(?!\d)|(?:点|时|點)(?:\s*(?P<half>半)|\s*(?P<quarter>一刻|三刻)"
    # Minutes after 点 are written against it ("7点20", "7点20分"); a number after a space, or one with a
    # unit, is what happened ("7点 120ml", "9点 20分钟 抚触"), so it is left in the body.
    rf"|(?P<cnmin>\d{{1,2}}(?![\d.])|{_CN_NUM}(?![零〇一二两三四五六七八九十百]))(?:分(?!钟)|(?!{_UNIT_AFTER})))?)"
    r"(?:\s*[-~到至]\s*(?P<end_h>\d{1,2})[:.](?P<end_m>\d{2}))?"
    r"[\s,、:;.-]*"
)


def split_time(normalised: str) -> tuple[int | None, int, str, tuple[int, int] | None]:
    """Read a leading time: (hour, minute, rest of the line, optional end time) — hour None if absent."""
    match = _TIME_RE.match(normalised)
    if not match:
        return None, 0, normalised, None
    hour = cn_to_int(match["hour"])
    if hour is None:
        return None, 0, normalised, None
    minute = 0
    if match["mm"]:
        minute = int(match["mm"])
    elif match["half"]:
        minute = 30
    elif match["quarter"]:
        minute = 15 if match["quarter"] == "一刻" else 45
    elif match["cnmin"]:
        cn = cn_to_int(match["cnmin"])
        if cn is None:
            return None, 0, normalised, None
        minute = cn
    hour = _with_period(match["period"], hour)
    if hour == 24 and minute == 0:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None, 0, normalised, None
    end = None
    if match["end_h"]:
        end_h, end_m = int(match["end_h"]), int(match["end_m"])
        if 0 <= end_h <= 23 and 0 <= end_m <= 59:
            end = (end_h, end_m)
    rest = normalised[match.end():]
    # "7" alone or "36.8" is not a time: a time needs 点/时 or a colon form, and must leave something.
    if not rest.strip():
        return None, 0, normalised, None
    return hour, minute, rest, end


def _with_period(period: str | None, hour: int) -> int:
    """The 24-hour clock hour for ``hour`` said with a part of the day (下午3点 → 15, 夜里3点 → 3)."""
    if period in ("下午", "午后", "傍晚") and hour < 12:
        return hour + 12
    if period in ("晚上", "晚"):
        # 晚上12点 is midnight; 晚上8点 is 20:00.
        return 0 if hour == 12 else hour + 12 if hour < 12 else hour
    if period in ("夜里", "夜间", "深夜", "半夜"):
        # The night runs past midnight: 夜里11点 is 23:00 but 夜里3点 is 03:00, and 12点 is midnight.
        return 0 if hour == 12 else hour + 12 if 6 <= hour < 12 else hour
    if period == "凌晨":
        # 凌晨 is the small hours, always before noon: 凌晨2点 is 02:00, 凌晨6点 06:00, 凌晨12点 midnight.
        return 0 if hour == 12 else hour
    if period == "中午" and hour < 6:
        return hour + 12
    return hour


def resolve_time(hour: int, minute: int, sent_at: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """The moment ``hour:minute`` means for a message sent at ``sent_at``: today, or yesterday if later than now."""
    local_sent = sent_at.astimezone(tz)
    candidate = dt.datetime.combine(local_sent.date(), dt.time(hour, minute), tzinfo=tz)
    if candidate - local_sent > FUTURE_TOLERANCE:
        candidate = dt.datetime.combine(local_sent.date() - dt.timedelta(days=1), dt.time(hour, minute), tzinfo=tz)
    return candidate.astimezone(dt.UTC)


def parse_lines(text: str, sent_at: dt.datetime, tz: ZoneInfo) -> list[ParsedEntry]:
    """Turn a nurse's message into entries, one per non-blank line; nothing typed is dropped."""
    entries = []
    for raw in re.split(r"\r\n|\r|\n", text):
        line = raw.strip()
        if not line:
            continue
        entries.append(parse_line(line, sent_at, tz))
    return entries


def parse_line(line: str, sent_at: dt.datetime, tz: ZoneInfo) -> ParsedEntry:
    """Parse one line; whatever is not understood becomes a note, with the line kept as typed."""
    hour, minute, body, end = split_time(normalise(line))
    occurred = sent_at.astimezone(dt.UTC) if hour is None else resolve_time(hour, minute, sent_at, tz)
    kind, fields = classify(body)
    if end is not None and hour is not None:
        start_min, end_min = hour * 60 + minute, end[0] * 60 + end[1]
        span = (end_min - start_min) % (24 * 60)
        if kind in ("sleep", "feeding", "bath", "massage", "exercise", "tummy_time") and span and "duration_min" not in fields:
            fields["duration_min"] = span
            fields.pop("state", None)
    hint = texts.SECOND_READING if kind == "temperature" and _second_reading(body) else None
    return ParsedEntry(kind=kind, fields=fields, text=line, occurred_at=occurred, time_given=hour is not None, hint=hint)


def body_of(line: str) -> str:
    """The line without its leading time, as typed (for showing beside ``HH:MM``)."""
    stripped = line.strip()
    norm = normalise(stripped)
    hour, _minute, rest, _end = split_time(norm)
    if hour is None:
        return stripped
    consumed = len(norm) - len(rest)
    one_to_one = len(norm) == len(stripped) and all(len(unicodedata.normalize("NFKC", c)) == 1 for c in stripped)
    if one_to_one:
        return stripped[consumed:].strip() or stripped
    return rest.strip() or stripped


# -- recognising what a line says ---------------------------------------------------------

_NUM = r"(\d+(?:\.\d+)?)"


def _numbers_with_units(body: str) -> str:
    """Write Chinese numerals before units as digits: 十五分钟 → 15分钟, 一个半小时 → 1.5小时."""
    body = re.sub(rf"({_CN_NUM})个?半(?=小时|钟头)", lambda m: f"{cn_to_int(m[1]) or 0}.5", body)
    body = re.sub(r"半(?:个)?(?=小时|钟头)", "0.5", body)
    return re.sub(
        rf"({_CN_NUM})\s*(?=个?小时|个?钟头|分钟|分|毫升|克|斤|公斤|次|片|块|cm|ml)",
        lambda m: str(cn_to_int(m[1])) if cn_to_int(m[1]) is not None else m[1],
        body,
    )


def _duration_min(body: str) -> int | None:
    hours = re.search(rf"{_NUM}\s*(?:个)?\s*(?:小时|钟头|hours?|hrs?|h(?![a-z]))", body)
    minutes = re.search(rf"{_NUM}\s*(?:分钟|分|mins?\b|minutes?|')", body)
    total = 0.0
    if hours:
        total += float(hours[1]) * 60
        if not minutes:  # 1h30, 1小时30: the minutes written straight after the hours
            minutes = re.match(r"\s*(\d{1,2})(?![\d.])(?!\s*(?:ml|毫升|cc|次|度|°|克|g|斤|cm))", body[hours.end():])
    if minutes:
        total += float(minutes[1])
    if not (hours or minutes) or total <= 0 or total > 24 * 60:
        return None
    return round(total)


def _amount_ml(body: str) -> int | None:
    match = re.search(rf"{_NUM}\s*(?:ml|毫升|cc|m1|亳升)", body)
    if match:
        value = float(match[1])
        return round(value) if 0 < value <= 1000 else None
    return None


def _bare_number(body: str) -> float | None:
    match = re.search(_NUM, body)
    return float(match[1]) if match else None


def _has(body: str, *words: str) -> bool:
    return any(w in body for w in words)


def _side(body: str) -> str | None:
    if _has(body, "两边", "双侧", "两侧", "左右", "双边") or (_has(body, "左") and _has(body, "右")):
        return "both"
    if _has(body, "左"):
        return "left"
    if _has(body, "右"):
        return "right"
    return None


def _celsius(body: str) -> float | None:
    body = re.sub(r"(?<![\d.])(\d{2})\s*度\s*(\d)(?![\d.])", r"\1.\2", body)  # 37度8 → 37.8
    match = re.search(r"(\d{2,3}(?:\.\d{1,2})?)", body)
    if not match:
        return None
    value = float(match[1])
    if 340 <= value <= 430 and "." not in match[1]:  # 368 typed for 36.8
        value /= 10
    return round(value, 2) if 30 <= value <= 45 else None


def _feeding(body: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if _has(body, "混合", "混喂"):
        fields["type"] = "mixed"
    elif _has(body, "配方", "奶粉", "配方奶"):
        fields["type"] = "formula"
    elif _has(body, "吸出", "挤出", "吸奶", "挤奶", "瓶喂母乳", "母乳瓶喂", "储存奶", "冻奶"):
        fields["type"] = "expressed"
    elif _has(body, "喂水", "喝水", "温水"):
        fields["type"] = "water"
    elif _has(body, "母乳", "亲喂", "直喂", "吃母乳", "乳喂"):
        fields["type"] = "breast"
    side = _side(body)
    if side:
        fields["side"] = side
    amount = _amount_ml(body)
    duration = _duration_min(body)
    per_side = [float(m[1]) for m in re.finditer(rf"[左右](?:边|侧)?\s*{_NUM}\s*(?:分钟|分|mins?\b|')", body)]
    if len(per_side) > 1 and 0 < sum(per_side) <= 24 * 60:
        duration = round(sum(per_side))  # 左10分钟 右15分钟: 25 minutes at the breast
    if amount is None and duration is None:
        bare = _bare_number(body)
        if bare is not None and fields.get("type") == "breast" and 1 <= bare <= 60:
            # "亲喂 20": a baby at the breast is timed, not measured.
            duration = round(bare)
        elif bare is not None and 5 <= bare <= 300:
            # "喂奶 120": a bare number on a bottle feed is millilitres.
            amount = round(bare)
    if amount is not None:
        fields["amount_ml"] = amount
    if duration is not None:
        fields["duration_min"] = duration
    return fields


_STOOL_COLOURS = (
    ("white-grey", ("白", "灰", "陶土", "苍白", "浅色")),
    ("red", ("红", "血")),
    ("black", ("黑", "柏油")),
    ("green", ("绿",)),
    ("brown", ("棕", "褐", "咖啡")),
    ("yellow", ("黄",)),
)
_COLOUR_WORDS = "|".join(sorted({w for _c, words in _STOOL_COLOURS for w in words}, key=len, reverse=True))
_NEGATION = r"(?:没有|没|无|不|未见|未)"
_STOOL_WORDS = r"(?:(?:拉|解|排)?(?:大便|便便|屎|臭臭|粑粑|💩)|拉)"
# Words with a colour character that say nothing of the stool: 白天 (daytime), a red bottom (nappy rash).
_NOT_STOOL_COLOUR = re.compile(
    r"白天|明白|蛋白|红屁股|红屁屁|(?:小)?(?:屁股|屁屁|臀部|pp|肛门)(?:有点|有些|一点|有一点|很|好|发|都)?(?:红|发红)"
)


def _without_negated(body: str) -> str:
    """``body`` with what is said to be absent taken out: 无血丝, 没有血, 不是黑色, 没有大便, 没拉."""
    body = re.sub(rf"{_NEGATION}(?:有|见|带|是|发)?(?:{_COLOUR_WORDS})(?:色|丝|点|便)?", " ", body)
    body = re.sub(rf"{_NEGATION}(?:有|见)?{_STOOL_WORDS}", " ", body)
    return re.sub(rf"{_NEGATION}(?:有|见)?(?:小便|尿)", " ", body)


def _stool_colour(body: str) -> str | None:
    """The stool's colour: blood wins (it must be seen); then the colour next to 大便, then one written as X色."""
    said = _NOT_STOOL_COLOUR.sub(" ", body)
    if "血" in said:
        return "red"
    found = []  # (rank, colour)
    severity = [colour for colour, _words in _STOOL_COLOURS]
    for colour, words in _STOOL_COLOURS:
        for word in words:
            for match in re.finditer(re.escape(word), said):
                before, after = said[:match.start()], said[match.end():]
                adjacent = bool(re.search(rf"{_STOOL_WORDS}[\s:：是呈颜色的为]{{0,3}}$", before)) or after.startswith("便")
                explicit = after.startswith("色")
                found.append((not adjacent, not explicit, severity.index(colour), colour))
    return min(found)[3] if found else None


def _diaper(body: str) -> dict[str, Any]:
    said = _without_negated(body)
    stool = _has(said.replace("小便", ""), "大便", "便便", "拉了", "拉屎", "屎", "臭臭", "粑粑", "💩", "便")
    wet = _has(said, "小便", "尿了", "尿湿", "湿", "嘘嘘", "尿尿", "有尿", "都有", "大小便")
    if _has(said, "都有", "大小便"):
        stool = True
    if not stool and not wet:
        wet = True  # a change with nothing said is a wet nappy
    fields: dict[str, Any] = {"wet": wet, "stool": stool}
    if stool:
        colour = _stool_colour(said)
        if colour:
            fields["colour"] = colour
        for texture, words in (("watery", ("稀", "水样", "蛋花")), ("curdy", ("奶瓣",)), ("mucus", ("粘液", "黏液")),
                               ("hard", ("硬", "干结", "颗粒")), ("soft", ("糊", "软", "正常"))):
            if _has(said, *words):
                fields["texture"] = texture
                break
    return fields


def _sleep(body: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    duration = _duration_min(body)
    if duration is not None:
        fields["duration_min"] = duration
    elif _has(body, "醒"):
        fields["state"] = "awake"
    else:
        fields["state"] = "asleep"
    return fields


def _temperature(body: str) -> dict[str, Any] | None:
    celsius = _celsius(body)
    if celsius is None:
        return None
    fields: dict[str, Any] = {"celsius": celsius}
    if _has(body, "耳"):
        fields["site"] = "ear"
    elif _has(body, "额"):
        fields["site"] = "forehead"
    elif _has(body, "腋"):
        fields["site"] = "axillary"
    return fields


def _weight(body: str) -> dict[str, Any] | None:
    jin = re.search(r"(\d+)\s*斤\s*(?:(\d)\s*两|(半))", body)  # 6斤8两 (1斤 = 500 g, 1两 = 50 g), 7斤半
    if jin:
        grams = int(jin[1]) * 500 + (int(jin[2]) * 50 if jin[2] else 250)
        return {"grams": grams} if 500 <= grams <= 15000 else None
    match = re.search(rf"{_NUM}\s*(kg|公斤|千克|斤|g|克)?", body)
    if not match:
        return None
    value, unit = float(match[1]), match[2]
    amount: float
    if unit in ("kg", "公斤", "千克") or (unit is None and value < 10):
        amount = value * 1000
    elif unit == "斤":
        amount = value * 500
    else:
        amount = value
    return {"grams": round(amount)} if 500 <= amount <= 15000 else None


def _length(body: str) -> dict[str, Any] | None:
    match = re.search(rf"{_NUM}\s*(cm|厘米|公分)?", body)
    if not match:
        return None
    value = float(match[1])
    return {"cm": value} if 30 <= value <= 90 else None


def _jaundice(body: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for extent, words in (("soles", ("脚心", "脚底", "手心", "手脚心")), ("legs", ("腿", "四肢", "脚")),
                          ("belly", ("肚", "腹")), ("chest", ("胸", "躯干")), ("face", ("脸", "面", "头", "眼"))):
        if _has(body, *words):
            fields["extent"] = extent
            break
    value = re.search(_NUM, body)
    if value and 0 < float(value[1]) <= 1000:  # beyond any bilirubin reading: a date or a typo, kept in the text
        number = float(value[1])
        if _has(body, "umol", "μmol", "µmol", "微摩尔"):
            unit = "umol/L"
        elif _has(body, "mg"):
            unit = "mg/dL"
        else:
            unit = "umol/L" if number > 35 else "mg/dL"  # no unit: the size of the number tells
        fields["bilirubin"] = number
        fields["bilirubin_unit"] = unit
    if _has(body, "退了", "消退", "没有了", "已退"):
        fields["resolved"] = True
    return fields


def _cord(body: str) -> dict[str, Any]:
    for condition, words in (("fallen_off", ("脱落", "掉了")), ("smelly", ("臭", "异味")), ("red", ("红",)),
                             ("wet", ("湿", "渗", "分泌物", "流水")), ("dry", ("干", "正常", "好"))):
        if _has(body, *words):
            return {"condition": condition}
    return {}


def _spit_up(body: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if _has(body, "大量", "很多", "好多", "一大口", "多"):
        fields["amount"] = "much"
    elif _has(body, "少量", "一点", "一口", "少"):
        fields["amount"] = "little"
    if _has(body, "喷射"):
        fields["projectile"] = True
    return fields


_MEALS = (("breakfast", ("早餐", "早饭")), ("lunch", ("午餐", "午饭", "中饭")), ("dinner", ("晚餐", "晚饭")),
          ("night_snack", ("夜宵", "宵夜")), ("snack", ("加餐", "点心", "下午茶")))


def _meal(body: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for meal, words in _MEALS:
        if _has(body, *words):
            fields["meal"] = meal
            break
    eaten_words: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("all", ("吃完", "光盘", "全吃")), ("little", ("没怎么吃", "吃了一点", "吃得少", "剩很多")),
        ("half", ("一半", "半碗")), ("most", ("大部分", "吃了大半")),
    )
    for eaten, eaten_as in eaten_words:
        if _has(body, *eaten_as):
            fields["eaten"] = eaten
            break
    dishes = re.sub(r"月子餐|早餐|早饭|午餐|午饭|中饭|晚餐|晚饭|夜宵|宵夜|加餐|吃完|光盘|一半|大部分", " ", body)
    dishes = " ".join(dishes.split())
    if dishes:
        fields["dishes"] = dishes[:200]  # the whole line stays in the text
    return fields


def _blood_pressure(body: str) -> dict[str, Any] | None:
    match = re.search(r"(\d{2,3})\s*[/\\-]\s*(\d{2,3})", body)
    if not match:
        return None
    systolic, diastolic = int(match[1]), int(match[2])
    if diastolic > systolic:  # 85/135 typed the wrong way round: the systolic is always the higher
        systolic, diastolic = diastolic, systolic
    if systolic == diastolic or not (60 <= systolic <= 260 and 30 <= diastolic <= 180):
        return None
    return {"systolic_mmhg": systolic, "diastolic_mmhg": diastolic}


def _lochia(body: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if _has(body, "鲜红", "大红", "血块"):
        fields["colour"] = "red"
        fields["bright"] = True
    elif _has(body, "淡红", "粉", "浅红"):
        fields["colour"] = "pink"
    elif _has(body, "暗红", "红"):
        fields["colour"] = "red"
    elif _has(body, "褐", "咖啡", "棕"):
        fields["colour"] = "brown"
    elif _has(body, "白", "黄"):
        fields["colour"] = "white"
    for amount, words in (("much", ("多", "大量")), ("little", ("少", "一点"))):
        if _has(body, *words):
            fields["amount"] = amount
            break
    if _has(body, "臭", "异味"):
        fields["smell"] = True
    return fields


def _mood(body: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    epds = re.search(r"epds\s*[:=]?\s*(\d{1,2})", body)
    if epds and int(epds[1]) <= 30:
        fields["epds"] = int(epds[1])
    if _has(body, "低落", "哭", "不好", "抑郁", "焦虑", "烦躁", "难过", "失眠", "差"):
        fields["mood"] = "low"
    elif _has(body, "好", "开心", "不错", "稳定", "正常"):
        fields["mood"] = "good"
    return fields


def _breast(body: str) -> dict[str, Any]:
    conditions = [name for name, words in (("engorged", ("涨", "胀")), ("blocked", ("堵",)),
                                            ("cracked", ("皲裂", "破", "裂")), ("mastitis_signs", ("红肿", "硬块")),
                                            ("relieved", ("疏通", "通了", "缓解")))
                  if _has(body, *words)]
    return {"conditions": conditions} if conditions else {}


def _wound(body: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if _has(body, "侧切", "会阴"):
        fields["site"] = "perineum"
    elif _has(body, "刀口", "剖腹", "剖宫"):
        fields["site"] = "caesarean"
    for condition, words in (("infected_signs", ("红肿", "渗液", "化脓", "臭")), ("painful", ("疼", "痛")),
                             ("healing", ("愈合", "正常", "干燥", "好"))):
        if _has(body, *words):
            fields["condition"] = condition
            break
    return fields


def _activity(body: str) -> dict[str, Any]:
    duration = _duration_min(body)
    return {"duration_min": duration} if duration is not None else {}


# Order matters: the mother's readings before the baby's (产妇体温 contains 体温), specific before general.
_MOTHER_WORDS = ("产妇", "妈妈", "宝妈", "母亲", "产母")


_BABY_WORDS = ("宝宝", "宝贝", "婴儿", "新生儿", "孩子", "baby", "bb")


def _second_reading(body: str) -> bool:
    """A baby's and a mother's temperature on one line: only the baby's becomes the entry."""
    return _has(body, *_MOTHER_WORDS) and _has(body, *_BABY_WORDS) and len(re.findall(r"3\d(?:\.\d)?", body)) >= 2


def _baby_part(body: str) -> str | None:
    """The clause about the baby in a line that also speaks of the mother, if it holds a number."""
    clauses = [c for c in re.split(rf"[\s,，;；、]+|(?=(?:{'|'.join(_MOTHER_WORDS)}))", body) if c]
    for clause in clauses:
        if _has(clause, *_BABY_WORDS) and not _has(clause, *_MOTHER_WORDS) and re.search(r"\d", clause):
            return clause
    return None


def classify(body: str) -> tuple[str, dict[str, Any]]:
    """Decide the kind of an entry and read its fields; fall back to a note."""
    b = _numbers_with_units(body)
    b = re.sub(r"(?<![吃喂喝])奶奶", "祖母", b)  # grandma came to visit: not a feed
    mother = _has(b, *_MOTHER_WORDS)
    if _has(b, "血压"):
        bp = _blood_pressure(b)
        if bp:
            return "blood_pressure", bp
    # The bath water's or the milk's temperature is not the baby's: 水温38度 is a bath, not a fever.
    body_temp = re.sub(r"(?:洗澡水|水温度?|奶温度?|室温度?|温度计)[\s:是]*(?:\d+(?:\.\d+)?\s*(?:度|°c|°)?)?", " ", b)
    if _has(body_temp, "体温", "体问", "温度", "发烧", "腋温", "耳温", "额温"):
        baby_reading = _baby_part(body_temp) if mother else None
        if baby_reading is not None:
            # 宝宝体温36.5 妈妈体温37.8: one line is one entry, so the baby's reading is kept as the entry
            # and the mother's stays in the text (a known limitation: it raises no mother_fever flag).
            temp = _temperature(baby_reading)
            if temp:
                return "temperature", temp
        temp = _temperature(body_temp)
        if temp:
            if mother:
                return "mother_temperature", {"celsius": temp["celsius"]}  # the mother's has no site
            return "temperature", temp
    if _has(b, "恶露"):
        return "lochia", _lochia(b)
    if _has(b, "情绪", "心情", "epds", "抑郁"):
        return "mood", _mood(b)
    if _has(b, "乳房", "堵奶", "涨奶", "胀奶", "乳头", "乳腺", "通乳", "开奶"):
        return "breast", _breast(b)
    if _has(b, "伤口", "侧切", "刀口", "会阴"):
        return "wound", _wound(b)
    if _has(b, "月子餐", "早餐", "午餐", "晚餐", "早饭", "午饭", "晚饭", "夜宵", "宵夜", "加餐"):
        return "meal", _meal(b)
    if _has(b, "黄疸", "黄胆", "胆红素", "经皮"):
        return "jaundice", _jaundice(b)
    if _has(b, "脐带", "肚脐", "脐部"):
        return "cord_care", _cord(b)
    if _has(b, "体重", "称重", "秤"):
        weight = _weight(b)
        if weight:
            return "weight", weight
    if _has(b, "身长", "身高"):
        length = _length(b)
        if length:
            return "length", length
    if _has(b, "吐奶", "溢奶", "漾奶", "呛奶", "吐了"):
        return "spit_up", _spit_up(b)
    if _has(b, "拍嗝", "打嗝", "拍奶嗝", "嗝"):
        return "burp", {}
    if _has(b, "尿布", "尿不湿", "纸尿裤", "尿片", "换尿", "大便", "小便", "便便", "拉了", "臭臭", "粑粑", "尿了", "嘘嘘",
            "💩", "大小便", "拉屎"):
        return "diaper", _diaper(b)
    if _has(b, "洗澡", "沐浴", "洗头", "擦身", "🛁", "泡澡"):
        return "bath", _activity(b)
    if _has(b, "抚触", "按摩"):
        return "massage", _activity(b)
    if _has(b, "被动操", "婴儿操", "做操", "宝宝操"):
        return "exercise", _activity(b)
    if _has(b, "趴趴", "俯卧", "趴着", "趴了", "tummy"):
        return "tummy_time", _activity(b)
    if _has(b, "喂奶", "吃奶", "喝奶", "母乳", "亲喂", "配方奶", "奶粉", "瓶喂", "吸奶", "挤奶", "喂水", "喝水", "喂乃",
            "🍼", "混合喂养", "喂了", "喂母乳", "直喂", "奶"):
        return "feeding", _feeding(b)
    if _has(b, "睡", "醒了", "醒来", "睡醒", "😴", "入眠"):
        return "sleep", _sleep(b)
    return "note", {}
