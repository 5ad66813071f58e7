"""Feeds, and what comes back up: feeding, burp, spit_up."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.diary import texts
from bot.diary.kinds import DURATION, WATCH, Alert, EntryKind, Field, FlagContext, Said, hours_text, register
from bot.diary.reading import NUM, amount_ml, bare_number, duration_min, has, side
from bot.diary.summary import DaySummary

if TYPE_CHECKING:
    from bot.models import DiaryEntry

FEED_GAP = dt.timedelta(hours=4)
WINDOW = dt.timedelta(hours=24)
MIN_FEEDS = 8


def parse_feeding(said: Said) -> dict[str, Any]:
    body = said.text
    fields: dict[str, Any] = {}
    if has(body, "混合", "混喂"):
        fields["type"] = "mixed"
    elif has(body, "配方", "奶粉", "配方奶"):
        fields["type"] = "formula"
    elif has(body, "吸出", "挤出", "吸奶", "挤奶", "瓶喂母乳", "母乳瓶喂", "储存奶", "冻奶"):
        fields["type"] = "expressed"
    elif has(body, "喂水", "喝水", "温水"):
        fields["type"] = "water"
    elif has(body, "母乳", "亲喂", "直喂", "吃母乳", "乳喂"):
        fields["type"] = "breast"
    which = side(body)
    if which:
        fields["side"] = which
    amount = amount_ml(body)
    duration = duration_min(body)
    per_side = [float(m[1]) for m in re.finditer(rf"[左右](?:边|侧)?\s*{NUM}\s*(?:分钟|分|mins?\b|')", body)]
    if len(per_side) > 1 and 0 < sum(per_side) <= 24 * 60:
        duration = round(sum(per_side))  # 左10分钟 右15分钟: 25 minutes at the breast
    if amount is None and duration is None:
        bare = bare_number(body)
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


def summarise_feeds(summary: DaySummary, entries: Sequence[DiaryEntry]) -> None:
    for entry in entries:
        f = entry.fields
        if f.get("type") == "water":  # water is not milk
            continue
        summary.feeds += 1
        summary.feed_ml += int(f.get("amount_ml") or 0)
        if f.get("type") == "breast":
            summary.breast_min += int(f.get("duration_min") or 0)


def feed_lines(summary: DaySummary) -> list[str]:
    if not summary.feeds:
        return []
    return [texts.SUMMARY_FEEDS.format(
        count=summary.feeds,
        ml=texts.SUMMARY_FEEDS_ML.format(ml=summary.feed_ml) if summary.feed_ml else "",
        minutes=texts.SUMMARY_FEEDS_MIN.format(minutes=summary.breast_min) if summary.breast_min else "",
    )]


def feed_rhythm(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    """More than 4 hours between feeds (start to start), fewer than 8 feeds in 24 hours; water not counted."""
    if entry.fields.get("type") == "water":
        return []
    found: list[Alert] = []
    around = ctx.timeline("feeding", entry.occurred_at - WINDOW, entry.occurred_at + WINDOW)
    around = [e for e in around if e.fields.get("type") != "water"]
    if entry not in around:
        return found
    i = around.index(entry)
    prev = around[i - 1] if i > 0 else None
    nxt = around[i + 1] if i + 1 < len(around) else None
    for a, b in ((prev, entry), (entry, nxt)):
        if a is not None and b is not None and b.occurred_at - a.occurred_at > FEED_GAP:
            found.append(Alert(f"feed_gap:{a.id}:{b.id}", "feed_gap", WATCH,
                               texts.FLAG_REASONS["feed_gap"].format(hours=hours_text(b.occurred_at - a.occurred_at)), b))
    if prev is not None and nxt is not None:
        ctx.clear([f"feed_gap:{prev.id}:{nxt.id}"])  # the gap is filled in
    starts = ctx.diary_starts()
    window_start = entry.occurred_at - WINDOW
    if starts is not None and starts <= window_start:
        count = sum(1 for e in around if window_start < e.occurred_at <= entry.occurred_at)
        if count < MIN_FEEDS:
            day = entry.occurred_at.astimezone(ctx.tz).date().isoformat()
            found.append(Alert(f"few_feeds:{day}", "few_feeds", WATCH,
                               texts.FLAG_REASONS["few_feeds"].format(count=count), entry))
    return found


def parse_spit_up(said: Said) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if said.has("大量", "很多", "好多", "一大口", "多"):
        fields["amount"] = "much"
    elif said.has("少量", "一点", "一口", "少"):
        fields["amount"] = "little"
    if said.has("喷射"):
        fields["projectile"] = True
    return fields


register(EntryKind(
    name="feeding", label="喂奶", order=10,
    fields=(
        Field("type", "choice", options=("breast", "formula", "mixed", "expressed", "water")),
        Field("side", "choice", options=("left", "right", "both")),
        Field("amount_ml", "integer", 0, 1000),
        DURATION,
    ),
    keywords=("喂奶", "吃奶", "喝奶", "母乳", "亲喂", "配方奶", "奶粉", "瓶喂", "吸奶", "挤奶", "喂水", "喝水", "喂乃",
              "🍼", "混合喂养", "喂了", "喂母乳", "直喂", "奶"),
    parse=parse_feeding, priority=190, takes_range=True,
    summarise=summarise_feeds, summary_lines=feed_lines,
    flag_rules=(feed_rhythm,),
))
register(EntryKind(
    name="burp", label="拍嗝", order=20,
    keywords=("拍嗝", "打嗝", "拍奶嗝", "嗝"), parse=lambda said: {}, priority=130,
))
register(EntryKind(
    name="spit_up", label="吐奶", order=30,
    fields=(Field("amount", "choice", options=("little", "much")), Field("projectile", "boolean")),
    keywords=("吐奶", "溢奶", "漾奶", "呛奶", "吐了"), parse=parse_spit_up, priority=120,
))
