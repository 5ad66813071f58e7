"""The whole confinement as a keepsake PDF: a cover, charts of the days, then every day's diary.

Domain code: a session and an engagement in, PDF bytes out. Chinese text is set in a
TrueType CJK font found on the machine (``CJK_FONT_FILES``; Debian: fonts-wqy-zenhei or
fonts-droid-fallback) and embedded as a subset, so the file shows the same everywhere.
Every character is checked against the font: one it has no glyph for (an emoji) is left
out, so nothing prints as an empty box. Every text wraps, whatever its length.

A keepsake is bounded whatever the nurse posted: at most ``MAX_DAY_ENTRIES`` entries a day and
``MAX_ENTRIES`` entries (``MAX_CHARS`` characters) in all are listed, and each day and the cover
say in Chinese how many were left out. ``cached_keepsake`` builds it once per version of the
diary (``keepsake_version``) and keeps it in ``keepsake_cache``, shared by every app server.
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from PIL import Image as PILImage
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Image, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.core.clock import utcnow
from bot.diary.babies import BabyRef
from bot.diary.days import DaySummary, baby_views, day_bounds, entry_body, summaries
from bot.diary.entries import is_backdated
from bot.diary.kinds import AGENCY_ONLY
from bot.diary.refs import EngagementLike, agency_name, worker_name
from bot.models import Baby, DiaryEntry, DiaryFlag, DiaryPhoto, KeepsakeCache, Rating

log = logging.getLogger("anxin.diary.keepsake")

# TrueType-outline CJK fonts (reportlab embeds TrueType, not the CFF outlines of Noto CJK), best first.
CJK_FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
)
FONT_SEARCH = ("/usr/share/fonts/**/wqy-zenhei.ttc", "/usr/share/fonts/**/DroidSansFallback*.ttf",
               "/usr/local/share/fonts/**/*.ttf")
FONT = "AnxinCJK"
FALLBACK_FONT = "STSong-Light"  # not embedded: only when no TrueType CJK font is installed

ROSE, ROSE_LIGHT, INK, GREY = (colors.HexColor(c) for c in ("#b0486a", "#fbe9ef", "#222222", "#666666"))
URGENT, WATCH = colors.HexColor("#c62828"), colors.HexColor("#b26a00")
WEEKDAYS = "一二三四五六日"
# What one keepsake lists at most. A real day has 20 to 40 entries; 10,000 posted entries once made
# 1,338 pages in 19 s and 230 MiB. At these caps a build stays within a few seconds and about 150 pages.
MAX_DAY_ENTRIES = 100
MAX_DAY_FLAGS = 20
MAX_ENTRIES = 2000
MAX_CHARS = 300_000  # of entry text in all: about 150 pages of Chinese
_CAPS = f"每天最多 {MAX_DAY_ENTRIES} 条，全册最多 {MAX_ENTRIES} 条、约 {MAX_CHARS // 10000} 万字"
PHOTO_PIXELS = 1000  # the cover photo is printed 70 mm wide: 1000 px is 360 dpi
# Part of every cached copy's version: change it when the layout changes, and every copy is rebuilt once.
KEEPSAKE_FORMAT = "2"
# Invisible joiners and variation selectors that only make sense beside an emoji.
_INVISIBLE = re.compile("[\u200d\ufe0e\ufe0f\u20e3]")
_SPACES = re.compile(r"[ \t\u3000]{2,}")


@dataclass(frozen=True)
class KeepsakeFont:
    name: str
    path: str | None  # None: the built-in CID font, not embedded
    glyphs: frozenset[int]  # code points the font can draw

    def has(self, ch: str) -> bool:
        if 0xD800 <= ord(ch) <= 0xDFFF:
            return False
        if self.path is None:  # the CID font: the Basic Multilingual Plane, no emoji
            return ord(ch) <= 0xFFFF
        return ord(ch) in self.glyphs


@lru_cache(maxsize=1)
def keepsake_font() -> KeepsakeFont:
    """The CJK font the keepsake embeds: the first TrueType one installed, registered once."""
    candidates = list(CJK_FONT_FILES) + [p for pattern in FONT_SEARCH for p in sorted(glob.glob(pattern, recursive=True))]
    for path in candidates:
        try:
            font = TTFont(FONT, path, subfontIndex=0)
        except Exception as exc:  # a missing, CFF or broken file: try the next one
            log.debug("keepsake.font_skipped", extra={"fields": {"path": path, "error": str(exc)[:120]}})
            continue
        glyphs = frozenset(font.face.charToGlyph)
        if ord("月") not in glyphs:
            continue
        pdfmetrics.registerFont(font)
        return KeepsakeFont(FONT, path, glyphs)
    log.warning("keepsake.no_cjk_font", extra={"fields": {"tried": list(CJK_FONT_FILES),
                                                          "fix": "apt-get install fonts-wqy-zenhei"}})
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return KeepsakeFont(FALLBACK_FONT, None, frozenset())


def drawable(text: str, font: KeepsakeFont) -> str:
    """``text`` without what the font cannot draw (emoji and their joiners), spaces tidied."""
    kept = "".join(ch for ch in _INVISIBLE.sub("", text) if ch in "\n\t" or font.has(ch))
    return "\n".join(_SPACES.sub(" ", line).strip() for line in kept.splitlines()).strip()


def markup(text: str, font: KeepsakeFont) -> str:
    """Drawable text escaped for reportlab's mini-markup, line breaks kept."""
    return escape(drawable(text, font)).replace("\n", "<br/>")


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    entry: ParagraphStyle
    small: ParagraphStyle
    urgent: ParagraphStyle
    watch: ParagraphStyle
    figure: ParagraphStyle
    figure_label: ParagraphStyle


def _style(name: str, font: str, **kw: Any) -> ParagraphStyle:
    # wordWrap="CJK" breaks a line anywhere, so a 2,000-character line without spaces still wraps.
    return ParagraphStyle(name, fontName=font, wordWrap="CJK", **kw)


def _styles(font: str) -> Styles:
    return Styles(
        title=_style("title", font, fontSize=28, leading=38, alignment=1, textColor=ROSE),
        subtitle=_style("subtitle", font, fontSize=13, leading=21, alignment=1, textColor=INK),
        heading=_style("heading", font, fontSize=15, leading=22, spaceBefore=5 * mm, spaceAfter=2 * mm,
                               textColor=ROSE),
        body=_style("body", font, fontSize=10.5, leading=16, textColor=INK),
        entry=_style("entry", font, fontSize=10.5, leading=16, leftIndent=16 * mm, firstLineIndent=-16 * mm,
                             textColor=INK),
        small=_style("small", font, fontSize=9, leading=14, textColor=GREY),
        urgent=_style("urgent", font, fontSize=10.5, leading=16, textColor=URGENT, backColor=colors.HexColor(
            "#fdecea"), borderPadding=(2, 4, 2, 4), spaceBefore=3, spaceAfter=3),
        watch=_style("watch", font, fontSize=10.5, leading=16, textColor=WATCH, spaceBefore=2, spaceAfter=2),
        figure=_style("figure", font, fontSize=20, leading=24, alignment=1, textColor=ROSE),
        figure_label=_style("figure_label", font, fontSize=9, leading=12, alignment=1, textColor=GREY),
    )


def _bar_chart(title: str, unit: str, days: Sequence[DaySummary], values: Sequence[float], colour: str,
               font: str) -> Drawing:
    """A bar chart of one figure a day, with Chinese axis titles and every bar's date."""
    drawing = Drawing(170 * mm, 66 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = (round(v * mm) for v in (18, 14, 146, 40))
    chart.data = [list(values) or [0]]
    chart.bars[0].fillColor = colors.HexColor(colour)
    chart.bars[0].strokeColor = None
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max([*values, 1]) * 1.15  # headroom: the tallest bar stays under the top tick
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#e6e6e6")
    step = max(len(days) // 12, 1)
    chart.categoryAxis.categoryNames = [f"{d.date.month}/{d.date.day}" if i % step == 0 else ""
                                        for i, d in enumerate(days)] or [""]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 8
    drawing.add(chart)
    drawing.add(String(18 * mm, 59 * mm, title, fontName=font, fontSize=12, fillColor=ROSE))
    drawing.add(String(4 * mm, 56 * mm, unit, fontName=font, fontSize=8, fillColor=GREY))
    drawing.add(String(18 * mm + 73 * mm, 3 * mm, "日期", fontName=font, fontSize=8, fillColor=GREY, textAnchor="middle"))
    return drawing


def _band(width: float, height: float) -> Drawing:
    drawing = Drawing(width, height)
    for rect_height, colour in ((height, ROSE_LIGHT), (1.2 * mm, ROSE)):
        rect = Rect(0, 0, width, rect_height)
        rect.fillColor, rect.strokeColor = colour, None
        drawing.add(rect)
    return drawing


def _photo(data: bytes, box: float) -> Image | None:
    """The photo scaled to fit a square of ``box``, or None when it is not an image."""
    try:
        with PILImage.open(io.BytesIO(data)) as picture:
            picture.load()
            picture.thumbnail((PHOTO_PIXELS, PHOTO_PIXELS))  # a 12-megapixel photo as PNG would outweigh the book
            width, height = picture.size
            png = io.BytesIO()
            picture.convert("RGB").save(png, "PNG")
    except (OSError, ValueError):
        return None
    scale = box / max(width, height)
    png.seek(0)
    return Image(png, width=width * scale, height=height * scale)


def _figures(days: Sequence[DaySummary], ratings: dict[dt.date, list[Rating]], flags: Sequence[DiaryFlag],
             styles: Styles) -> Table:
    recorded = [d for d in days if d.entries]
    sleep_h = sum(d.sleep_min for d in recorded) / 60 / max(len(recorded), 1)
    stars = [r.stars for day in ratings.values() for r in day]
    urgent = sum(1 for f in flags if f.severity == "urgent")
    cells = [
        (str(len(recorded)), "记录天数"), (str(sum(d.entries for d in days)), "记录条数"),
        (str(sum(d.feeds for d in days)), "喂奶次数"), (f"{sum(d.feed_ml for d in days)}", "奶量合计 (ml)"),
        (str(sum(d.nappies for d in days)), "换尿布次数"), (f"{sleep_h:.1f}", "平均睡眠 (小时/天)"),
        (f"{sum(stars) / len(stars):.1f}" if stars else "—", "家人评分 (满分5)"),
        (f"{urgent} / {len(flags) - urgent}", "紧急 / 留意提醒"),
    ]
    rows = []
    for start in (0, 4):
        rows.append([Paragraph(escape(value), styles.figure) for value, _ in cells[start:start + 4]])
        rows.append([Paragraph(escape(label), styles.figure_label) for _, label in cells[start:start + 4]])
    table = Table(rows, colWidths=[42 * mm] * 4)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("BOTTOMPADDING", (0, 1), (-1, 1), 8),
                               ("LINEBELOW", (0, 1), (-1, 1), 0.5, colors.HexColor("#f0c8d4"))]))
    return table


def _charted(days: Sequence[DaySummary], twins: Sequence[BabyRef]) -> list[tuple[str, list[DaySummary]]]:
    """The days to chart: the whole family's, or each baby's own when there are several."""
    if not twins:
        return [("", list(days))]
    out = []
    for baby in twins:
        own = [next((b.summary for b in d.by_baby if b.baby_id == baby.id), DaySummary(d.date)) for d in days]
        out.append((baby.label, own))
    return out


def keepsake_pdf(session: Session, engagement: EngagementLike, tz: ZoneInfo, today: dt.date, nurse_name: str) -> bytes:
    """The engagement's diary from its first day to its last (or today), as a PDF."""
    return _build(session, engagement, tz, today, nurse_name)[0]


def _days_of(engagement: EngagementLike, today: dt.date) -> tuple[dt.date, dt.date]:
    last = min(engagement.ends_on, today)
    return (engagement.starts_on if engagement.starts_on <= last else last), last


def keepsake_version(session: Session, engagement: EngagementLike, tz: ZoneInfo, today: dt.date, nurse_name: str) -> str:
    """A digest of everything the keepsake shows: it changes when an entry is added, edited or withdrawn,
    a rating or flag changes, a photo arrives, a baby is added, or a new day begins; a few aggregate queries."""
    eid = engagement.id
    first, last = _days_of(engagement, today)
    parts: list[Any] = [
        KEEPSAKE_FORMAT, str(tz), first, last, engagement.family_name, engagement.baby_nickname, nurse_name,
        agency_name(session, engagement),
        session.execute(select(func.count(), func.max(DiaryEntry.id), func.sum(DiaryEntry.version),
                               func.count(DiaryEntry.withdrawn_at), func.max(DiaryEntry.revised_at))
                        .where(DiaryEntry.engagement_id == eid)).one(),
        session.execute(select(func.count(), func.max(Rating.id), func.max(Rating.updated_at), func.sum(Rating.stars))
                        .where(Rating.engagement_id == eid)).one(),
        session.execute(select(func.count(), func.max(DiaryFlag.id), func.count(DiaryFlag.cleared_at))
                        .where(DiaryFlag.engagement_id == eid)).one(),
        session.execute(select(func.count(), func.max(DiaryPhoto.id))
                        .where(DiaryPhoto.engagement_id == eid, DiaryPhoto.status == "stored")).one(),
        session.execute(select(func.count(), func.max(Baby.id)).where(Baby.engagement_id == eid)).one(),
    ]
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


def cached_keepsake(session: Session, engagement: EngagementLike, tz: ZoneInfo, today: dt.date,
                    nurse_name: str) -> bytes:
    """The keepsake, built only when its diary changed since the copy in ``keepsake_cache``.

    A new copy replaces the old one in the caller's transaction; two servers that build it at the
    same moment both insert, and the caller keeps either copy (they show the same diary).
    """
    version = keepsake_version(session, engagement, tz, today, nurse_name)
    cached = session.get(KeepsakeCache, engagement.id)
    if cached is not None and cached.version == version:
        return cached.pdf
    pdf, pages = _build(session, engagement, tz, today, nurse_name)
    if cached is None:
        session.add(KeepsakeCache(engagement_id=engagement.id, version=version, pages=pages, built_at=utcnow(), pdf=pdf))
    else:
        cached.version, cached.pages, cached.built_at, cached.pdf = version, pages, utcnow(), pdf
    return pdf


def _build(session: Session, engagement: EngagementLike, tz: ZoneInfo, today: dt.date,
           nurse_name: str) -> tuple[bytes, int]:
    font = keepsake_font()
    styles = _styles(font.name)
    first, last = _days_of(engagement, today)
    days = summaries(session, engagement, first, last, tz)
    start, _ = day_bounds(first, tz)
    _, end = day_bounds(last, tz)
    entries: dict[dt.date, list[DiaryEntry]] = {}
    for entry in session.scalars(
        select(DiaryEntry).where(DiaryEntry.engagement_id == engagement.id, DiaryEntry.withdrawn_at.is_(None),
                                 DiaryEntry.occurred_at >= start, DiaryEntry.occurred_at < end)
        .order_by(DiaryEntry.occurred_at, DiaryEntry.id)
    ):
        entries.setdefault(entry.occurred_at.astimezone(tz).date(), []).append(entry)
    # Each family member rates for themselves: every member's rating of a day is kept and shown.
    ratings: dict[dt.date, list[Rating]] = {}
    for rating in session.scalars(select(Rating).where(Rating.engagement_id == engagement.id).order_by(Rating.id)):
        ratings.setdefault(rating.day, []).append(rating)
    all_flags = list(session.scalars(select(DiaryFlag).where(  # the family's book: not the agency's safety net
        DiaryFlag.engagement_id == engagement.id, DiaryFlag.cleared_at.is_(None), DiaryFlag.rule.not_in(AGENCY_ONLY),
    ).order_by(DiaryFlag.id)))
    flags: dict[dt.date, list[DiaryFlag]] = {}
    for flag in all_flags:
        flags.setdefault(flag.day, []).append(flag)
    photo_data = session.scalar(
        select(DiaryPhoto.data).where(DiaryPhoto.engagement_id == engagement.id, DiaryPhoto.status == "stored",
                                      DiaryPhoto.data.is_not(None)).order_by(DiaryPhoto.sent_at.desc()).limit(1))

    twins = baby_views(session, engagement)  # several babies: each one named on every page
    labels = {b.id: b.label for b in twins}
    names = "、".join(drawable(b.label, font) for b in twins if drawable(b.label, font))
    baby = names or drawable(engagement.baby_nickname or "", font) or "宝宝"
    title = f"{baby}的月子日记"
    width = A4[0] - 36 * mm
    story: list[Flowable] = [_band(width, 10 * mm), Spacer(1, 14 * mm), Paragraph(markup(title, font), styles.title),
                             Spacer(1, 4 * mm)]
    photo = _photo(photo_data, 70 * mm) if photo_data else None
    if photo is not None:
        story += [photo, Spacer(1, 6 * mm)]
    else:
        story.append(Spacer(1, 20 * mm))
    story += [
        Paragraph(markup(f"{engagement.family_name} · {first:%Y年%m月%d日} 至 {last:%Y年%m月%d日}（共 {len(days)} 天）",
                         font), styles.subtitle),
        Paragraph(markup(f"月嫂 {nurse_name} · {agency_name(session, engagement)}", font), styles.subtitle),
        Spacer(1, 10 * mm),
        _figures(days, ratings, all_flags, styles),
    ]
    cover_note_at = len(story)  # what was left out is said here once the days are laid out
    story += [
        PageBreak(),
        Paragraph("每日概览", styles.heading),
    ]
    for label, per_day in _charted(days, twins):
        prefix = f"{drawable(label, font)} · " if label else ""
        story += [
            _bar_chart(f"{prefix}每日奶量", "毫升", per_day, [d.feed_ml for d in per_day], "#e88aa6", font.name),
            _bar_chart(f"{prefix}每日换尿布", "次", per_day, [d.nappies for d in per_day], "#6aa9d8", font.name),
            _bar_chart(f"{prefix}每日睡眠", "小时", per_day, [round(d.sleep_min / 60, 1) for d in per_day], "#8cc36f",
                       font.name),
        ]
    story.append(PageBreak())
    listed = chars = left_out = 0
    for summary in days:
        day = summary.date
        story.append(Paragraph(f"{day.month}月{day.day}日 星期{WEEKDAYS[day.weekday()]}", styles.heading))
        for rating in ratings.get(day, []):
            stars = "★" * rating.stars + "☆" * (5 - rating.stars)
            story.append(Paragraph(markup(f"家人评分 {stars} {rating.comment or ''}", font), styles.body))
        day_flags = flags.get(day, [])
        for flag in day_flags[:MAX_DAY_FLAGS]:
            label, style = ("紧急", styles.urgent) if flag.severity == "urgent" else ("留意", styles.watch)
            story.append(Paragraph(f"<b>● {label}</b> " + markup(flag.reason, font), style))
        if len(day_flags) > MAX_DAY_FLAGS:
            story.append(Paragraph(f"这一天另有 {len(day_flags) - MAX_DAY_FLAGS} 条提醒未列出。", styles.small))
        day_entries = entries.get(day, [])
        day_listed = 0
        for entry in day_entries:
            if day_listed >= MAX_DAY_ENTRIES or listed >= MAX_ENTRIES or chars >= MAX_CHARS:
                break
            body = entry_body(entry.kind, entry.fields, entry.text) or entry.kind
            mark = "（补记）" if is_backdated(entry) else ""
            text = markup(body, font) or escape(entry.kind)
            if entry.baby_id in labels:  # twins: whose entry it is
                text = markup(f"【{labels[entry.baby_id]}】", font) + text
            story.append(Paragraph(f"<font color='#b0486a'>{entry.occurred_at.astimezone(tz):%H:%M}</font>"
                                   f"&nbsp;&nbsp;{text}{mark}", styles.entry))
            day_listed += 1
            chars += len(body)
        listed += day_listed
        if len(day_entries) > day_listed:
            left_out += len(day_entries) - day_listed
            story.append(Paragraph(f"这一天另有 {len(day_entries) - day_listed} 条记录未列入纪念册（{_CAPS}）。",
                                   styles.small))
        if not day_entries:
            story.append(Paragraph("这一天没有记录。", styles.small))
        for label, totals in [(b.label + "：", b.summary) for b in summary.by_baby] or [("", summary)]:
            hours, minutes = divmod(totals.sleep_min, 60)
            story.append(Paragraph(markup(
                f"{label}喂奶 {totals.feeds} 次，共 {totals.feed_ml}ml；尿布 {totals.nappies} 次"
                f"（小便 {totals.wet}，大便 {totals.dirty}）；睡眠 {hours} 小时 {minutes} 分", font), styles.small))
    if left_out:
        story[cover_note_at:cover_note_at] = [Spacer(1, 6 * mm), Paragraph(
            f"纪念册列出了 {listed} 条记录，另有 {left_out} 条未列出（{_CAPS}）；完整的日记可在小程序中按天查看。",
            styles.small)]

    footer = drawable(f"{title} · {engagement.family_name}", font)

    def page_footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(font.name, 8)
        canvas.setFillColor(GREY)
        canvas.drawString(18 * mm, 10 * mm, footer)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=title, author="安心 Anxin",
                            leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm)
    doc.build(story, onLaterPages=page_footer)
    return buffer.getvalue(), doc.page


def nurse_display_name(session: Session, engagement: EngagementLike) -> str:
    from bot.lookup.profile import mask_name

    return mask_name(worker_name(session, engagement))
