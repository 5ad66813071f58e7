"""Parents' plain questions, answered from the diary: 你好, 宝宝今天吃了多少, 昨晚睡得怎么样, 最近一次喂奶 …

The intents are data (``INTENTS``): a pattern, matched on the message folded to simplified script
(``bot.diary.reading.fold_writing``, so 寶寶今天吃了多少 is the same question), and the function that answers it
from the day views every other family surface reads (``bot.diary.days``). Each intent registers as one chat
command; adding a question is adding a row and its answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from bot.chat.context import NURSE, PARENT, VISITOR, ChatContext, Text
from bot.chat.handlers import texts
from bot.chat.handlers.diary_common import bound, tz_of
from bot.chat.router import command
from bot.diary.babies import BabyRef
from bot.diary.days import DayView, EntryView, day_view
from bot.diary.kinds import KINDS, minutes_text
from bot.diary.reading import fold_writing
from bot.diary.refs import family_title
from bot.diary.render import entry_line
from bot.diary.summary import DaySummary
from bot.diary.texts import FLAG_SEVERITY

if TYPE_CHECKING:
    from bot.models import DiaryEntry

# Questions are short; a longer message is something else (a story) and is not guessed at; a command's words first
# (投诉 宝宝发烧了没告诉我) make it that command's.
_SHORT = r"(?=.{1,30}$)(?!投诉|评分|打分|绑定|收到|原文|原话|切换|帮助)"
# A night, as parents mean 昨晚: from the evening before to the morning.
NIGHT_STARTS = dt.time(18, 0)
NIGHT_ENDS = dt.time(9, 0)
# How far back 最近一次喂奶 looks.
LAST_FEED_DAYS = 2


def _folded(text: str) -> str:
    return fold_writing(text.lower())


def _day_of(ctx: ChatContext) -> tuple[dt.date, str]:
    """The day a question asks about (昨天 …, else today) and how to say it."""
    today = ctx.now.astimezone(tz_of(ctx)).date()
    if ctx.match is not None and any(w in ctx.match.group(0) for w in ("昨天", "昨日")):
        return today - dt.timedelta(days=1), texts.YESTERDAY
    return today, texts.TODAY


def _view(ctx: ChatContext, day: dt.date) -> DayView:
    binding = bound(ctx)
    return day_view(ctx.session, binding.engagement, day, tz_of(ctx))


def _who(ctx: ChatContext, view: DayView) -> str:
    return family_title(bound(ctx).engagement, view.babies)


def _per_baby(view: DayView) -> list[tuple[str | None, DaySummary]]:
    """The day's totals to answer from: each twin's own (labelled), or the one baby's."""
    if view.summary.by_baby:
        return [(b.label, b.summary) for b in view.summary.by_baby]
    return [(None, view.summary)]


def _totals(view: DayView, kind: str, nothing: str) -> list[str]:
    """One kind's summary line for each baby (``喂奶 6 次，共 250ml``), or ``nothing`` for a baby without any."""
    lines_of = KINDS[kind].summary_lines
    assert lines_of is not None
    out = []
    for label, summary in _per_baby(view):
        found = "；".join(lines_of(summary)) or nothing
        out.append(texts.BABY_ANSWER.format(baby=label, text=found) if label else found)
    return out


def _latest(entries: Sequence[EntryView], kind: str, baby_id: int | None) -> EntryView | None:
    return next((e for e in reversed(entries) if e.kind == kind and (baby_id is None or e.baby_id == baby_id)), None)


def _ago(ctx: ChatContext, moment: dt.datetime) -> str:
    return minutes_text(max(0, int((ctx.now - moment).total_seconds() // 60)))


# -- the answers ---------------------------------------------------------------------------------------------------

def greet(ctx: ChatContext) -> str:
    if PARENT in ctx.roles:
        return texts.GREET_PARENT
    if NURSE in ctx.roles:
        return texts.GREET_NURSE
    return texts.GREET_VISITOR


def feeds(ctx: ChatContext) -> str:
    day, said = _day_of(ctx)
    view = _view(ctx, day)
    lines = _totals(view, "feeding", texts.NO_FEEDS)
    head = texts.FEEDS_HEADER.format(who=_who(ctx, view), day=said)
    tz = tz_of(ctx)
    last = _latest(view.entries, "feeding", None)
    tail = [texts.LAST_IN_DAY.format(line=entry_line(last, tz, False))] if last is not None and not view.babies else []
    return "\n".join([head, *lines, *tail])


def nappies(ctx: ChatContext) -> str:
    day, said = _day_of(ctx)
    view = _view(ctx, day)
    return "\n".join([texts.NAPPIES_HEADER.format(who=_who(ctx, view), day=said),
                      *_totals(view, "diaper", texts.NO_NAPPIES)])


def temperatures(ctx: ChatContext) -> str:
    day, said = _day_of(ctx)
    view = _view(ctx, day)
    tz = tz_of(ctx)
    babies = {b.id: b.label for b in view.babies}
    measured = [e for e in view.entries if e.kind in ("temperature", "mother_temperature")]
    readings = [entry_line(e, tz, False, babies.get(e.baby_id or 0)) for e in measured]
    ids = {e.id for e in measured}  # what the family was told about these readings
    flags = [f"{FLAG_SEVERITY[f.severity]} {f.reason}" for f in view.family_flags if f.entry_id in ids]
    head = texts.TEMPS_HEADER.format(who=_who(ctx, view), day=said)
    return "\n".join([head, *(readings or [texts.NO_TEMPS]), *flags])


def night(ctx: ChatContext) -> str:
    """Last night (18:00 to 09:00): its sleep added up as the day's summary adds it, and the feeds in it."""
    tz = tz_of(ctx)
    today = ctx.now.astimezone(tz).date()
    if not any(w in (ctx.match.group(0) if ctx.match else "") for w in texts.NIGHT_WORDS):
        day, said = _day_of(ctx)  # 今天睡了多久: the day's sleep
        view = _view(ctx, day)
        return "\n".join([texts.SLEEP_HEADER.format(who=_who(ctx, view), day=said),
                          *_totals(view, "sleep", texts.NO_SLEEP)])
    start = dt.datetime.combine(today - dt.timedelta(days=1), NIGHT_STARTS, tzinfo=tz)
    end = dt.datetime.combine(today, NIGHT_ENDS, tzinfo=tz)
    before, after = _view(ctx, today - dt.timedelta(days=1)), _view(ctx, today)
    entries = [e for e in [*before.entries, *after.entries] if start <= e.occurred_at < end]
    babies = {b.id: b.label for b in after.babies}
    lines = [texts.NIGHT_HEADER.format(who=_who(ctx, after), start=NIGHT_STARTS.strftime("%H:%M"),
                                       end=NIGHT_ENDS.strftime("%H:%M"))]
    groups: list[tuple[str | None, list[EntryView]]] = (
        [(b.label, [e for e in entries if e.baby_id == b.id]) for b in after.babies] if after.babies
        else [(None, entries)])
    summarise = KINDS["sleep"].summarise
    assert summarise is not None
    for label, own in groups:
        sleeps = [e for e in own if e.kind == "sleep"]
        totals = DaySummary(date=today)
        summarise(totals, cast("list[DiaryEntry]", sleeps))
        slept = texts.NIGHT_SLEPT.format(time=minutes_text(totals.sleep_min)) if totals.sleep_min else texts.NO_SLEEP
        fed = sum(1 for e in own if e.kind == "feeding" and e.fields.get("type") != "water")
        text = slept + texts.NIGHT_FEEDS.format(count=fed)
        lines.append(texts.BABY_ANSWER.format(baby=label, text=text) if label else text)
        lines += [entry_line(e, tz, False, babies.get(e.baby_id or 0)) for e in sleeps]
    return "\n".join(lines)


def last_feed(ctx: ChatContext) -> str:
    tz = tz_of(ctx)
    today = ctx.now.astimezone(tz).date()
    views = [_view(ctx, today - dt.timedelta(days=n)) for n in range(LAST_FEED_DAYS)]
    entries = [e for v in reversed(views) for e in v.entries if e.occurred_at <= ctx.now]
    lines = []
    babies: list[BabyRef | None] = [*views[0].babies] or [None]
    for baby in babies:
        last = _latest(entries, "feeding", baby.id if baby is not None else None)
        label = baby.label if baby is not None else None
        if last is None:
            text = texts.NO_RECENT_FEED.format(days=LAST_FEED_DAYS)
        else:
            when = last.occurred_at.astimezone(tz)
            day = "" if when.date() == today else texts.YESTERDAY
            text = texts.LAST_FEED.format(day=day, line=entry_line(last, tz, False), ago=_ago(ctx, last.occurred_at))
        lines.append(texts.BABY_ANSWER.format(baby=label, text=text) if label else text)
    return "\n".join(lines)


# -- the table -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Intent:
    """A question parents ask, the pattern that recognises it (on the folded text) and its answer."""

    name: str
    pattern: str
    answer: Callable[[ChatContext], str]
    roles: frozenset[str] = frozenset({PARENT})
    help: str | None = None
    fold: Callable[[str], str] | None = _folded


_FEED = r"(?:吃|喝|喂|奶)"
INTENTS: tuple[Intent, ...] = (
    # 你好 from anyone, not folded (a nurse's every line is matched against it): 妳好 is its traditional form.
    Intent("greet", r"(?:你好|您好|妳好|hi|hello|嗨|哈喽|哈啰|在吗|在不在|早上好|早安|中午好|下午好|晚上好)"
                    r"[\s?？!！。，,~～呀啊哦]*", greet, frozenset({VISITOR, NURSE, PARENT}), fold=None),
    Intent("last_feed", _SHORT + rf".*(?:(?:最近一次|上一次|上次|最后一次).*{_FEED}|(?:多久没|什么时候|几点){_FEED}"
                                 rf"|{_FEED}.*(?:是什么时候|是几点|多久了)).*", last_feed,
           help="最近一次喂奶 — 上一次喂奶是几点、过去多久"),
    Intent("sleep", _SHORT + r".*睡.*(?:怎么样|怎样|如何|咋样|好不好|好吗|多久|多长|几个?小时|情况|得好|踏实|安稳|香).*",
           night, help="昨晚睡得怎么样 — 昨晚（18点到今早9点）的睡眠和夜奶"),
    Intent("nappies", _SHORT + r".*(?:拉|大便|便便|粑粑|臭臭|尿|小便|纸尿裤|尿不湿).*"
                               r"(?:几次|多少|几回|怎么样|如何|咋样|情况|正常).*", nappies,
           help="今天拉了几次 — 今天的尿布（小便、大便）次数"),
    Intent("temperature", _SHORT + r"(?:宝宝|孩子)?(?:今天|昨天)?.*(?:体温|发烧|发热|烧吗|烧不烧).*", temperatures,
           help="今天体温 — 今天量过的体温"),
    Intent("feeds", _SHORT + rf".*{_FEED}.*(?:多少|几次|几顿|几回|怎么样|如何|咋样|情况|够不够|多不多|够吗).*",
           feeds, help="宝宝今天吃了多少 — 今天喂奶的次数和奶量"),
)


def _handler(intent: Intent) -> Callable[[ChatContext], Text]:
    def answer(ctx: ChatContext) -> Text:
        return Text(intent.answer(ctx))

    answer.__name__ = f"ask_{intent.name}"
    return answer


# Before 今天/日记 (30) and their catch-all for a day they cannot read (今天吃了多少 is a question, not a date).
PRIORITY = 25
for _intent in INTENTS:
    command(_intent.pattern, name=f"ask_{_intent.name}", roles=_intent.roles, help=_intent.help, priority=PRIORITY,
            readonly=True, fold=_intent.fold)(_handler(_intent))
