"""The whole confinement as a keepsake PDF: a cover, charts of the days, then every day's diary.

Domain code: a session and an engagement in, PDF bytes out. Chinese text is set in
WenQuanYi Micro Hei (文泉驿微米黑, TrueType outlines, Apache 2.0 / GPLv3 with the font exception),
which comes with the Python requirements (``paperang-p2-fonts-cjk``, pinned), and is embedded as a
subset: every machine that ran the README's set-up makes the same file, and it shows the same
everywhere. A TrueType CJK font of the system (``CJK_FONT_FILES``) is the fallback.
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
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from PIL import Image as PILImage
from PIL import ImageOps
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
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
from bot.diary import texts
from bot.diary.babies import BabyRef
from bot.diary.days import DaySummary, EntryView, baby_views, day_bounds, entry_view, ratings_of_day, summaries
from bot.diary.growth_charts import POINT as POINT_COLOUR
from bot.diary.growth_charts import (
    SEX_TEXT,
    SOURCE_NOTE,
    BabyGrowth,
    GrowthChart,
    growth,
    layout,
    percentile_text,
)
from bot.diary.kinds import AGENCY_ONLY
from bot.diary.refs import EngagementLike, agency_name, babies_of
from bot.diary.render import stars
from bot.models import Baby, DiaryEntry, DiaryFlag, DiaryPhoto, KeepsakeCache, Rating

log = logging.getLogger("anxin.diary.keepsake")

# The font the requirements install: a package's own file, found by its public resource API.
PACKAGED_FONT = ("paperang_p2_fonts_cjk", "fonts/wqy-microhei.ttc")
# TrueType-outline CJK fonts of the system (reportlab embeds TrueType, not the CFF outlines of Noto CJK), best first.
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
PHOTO_PIXELS = 1000  # the cover photo is printed 78 mm wide: 1000 px is 325 dpi
GRID_PIXELS = 900  # a photo of the grid is printed 84 mm wide: 900 px is 270 dpi
MAX_PHOTOS = 24
MAX_FLAGS = 60
# Part of every cached copy's version: change it when the layout changes, and every copy is rebuilt once.
KEEPSAKE_FORMAT = "3"
# Characters a font may lack, written as their parts (the meaning stays: 37.6℃ is 37.6°C).
SPELT_OUT = {"℃": "°C", "℉": "°F", "㎖": "ml", "㎏": "kg", "㎝": "cm"}
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
    """The CJK font the keepsake embeds: the packaged one, else the first TrueType one installed; registered once."""
    candidates = [*_packaged_font(), *CJK_FONT_FILES]
    candidates += [p for pattern in FONT_SEARCH for p in sorted(glob.glob(pattern, recursive=True))]
    for path in candidates:
        try:
            font = TTFont(FONT, path, subfontIndex=0)
        except Exception as exc:  # a missing, CFF or broken file: try the next one
            log.debug("keepsake.font_skipped", extra={"fields": {"path": path, "error": str(exc)[:120]}})
            continue
        # A code point whose glyph has no outline draws nothing (WenQuanYi Micro Hei maps ℃ to an empty glyph):
        # counted as missing, so that ``drawable`` spells it another way.
        positions = font.face.glyphPos
        glyphs = frozenset(cp for cp, glyph in font.face.charToGlyph.items()
                           if chr(cp).isspace() or positions[glyph + 1] > positions[glyph])
        if ord("月") not in glyphs:
            continue
        pdfmetrics.registerFont(font)
        return KeepsakeFont(FONT, path, glyphs)
    log.warning("keepsake.no_cjk_font", extra={"fields": {"tried": list(CJK_FONT_FILES),
                                                          "fix": "pip install -r requirements.txt"}})
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return KeepsakeFont(FALLBACK_FONT, None, frozenset())


def _packaged_font() -> list[str]:
    package, name = PACKAGED_FONT
    try:
        path = resources.files(package).joinpath(name)
    except ModuleNotFoundError:
        return []
    return [str(path)] if path.is_file() else []


def drawable(text: str, font: KeepsakeFont) -> str:
    """``text`` without what the font cannot draw (emoji and their joiners), spaces tidied."""
    spelt = "".join(ch if font.has(ch) else SPELT_OUT.get(ch, ch) for ch in _INVISIBLE.sub("", text))
    kept = "".join(ch for ch in spelt if ch in "\n\t" or font.has(ch))
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
    section: ParagraphStyle
    caption: ParagraphStyle


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
        section=_style("section", font, fontSize=13, leading=20, alignment=1, textColor=ROSE, spaceAfter=2 * mm),
        caption=_style("caption", font, fontSize=8.5, leading=12, alignment=1, textColor=GREY),
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


def _photo(data: bytes, box: float, pixels: int = PHOTO_PIXELS) -> Image | None:
    """The photo scaled to fit a square of ``box``, or None when it is not an image. Kept as JPEG: a dozen
    photos as PNG would outweigh the book."""
    try:
        with PILImage.open(io.BytesIO(data)) as picture:
            picture.load()
            upright = ImageOps.exif_transpose(picture)  # as the phone showed it, not as the sensor lay
            upright.thumbnail((pixels, pixels))
            width, height = upright.size
            jpeg = io.BytesIO()
            upright.convert("RGB").save(jpeg, "JPEG", quality=85, optimize=True)
    except (OSError, ValueError, SyntaxError):
        return None
    scale = box / max(width, height)
    jpeg.seek(0)
    return Image(jpeg, width=width * scale, height=height * scale)


@dataclass(frozen=True)
class MonthFigures:
    """The month in numbers, as the cover shows them."""

    days_served: int
    feeds: int
    feed_ml: int
    nappies: int
    sleep_h: float  # a recorded day's average
    weight_gain_g: int | None  # last weight less the first (the birth weight when known)
    rating: float | None
    ratings: int
    photos: int


def month_figures(days: Sequence[DaySummary], growth_of: Sequence[BabyGrowth], stars: Sequence[int],
                  photos: int) -> MonthFigures:
    recorded = [d for d in days if d.entries]
    gains = []
    for baby in growth_of:
        weight = next((c for c in baby.charts if c.indicator.kind == "weight"), None)
        if weight is not None and len(weight.measurements) > 1:
            gains.append(round((weight.measurements[-1].value - weight.measurements[0].value) * 1000))
    return MonthFigures(
        days_served=len(days), feeds=sum(d.feeds for d in days), feed_ml=sum(d.feed_ml for d in days),
        nappies=sum(d.nappies for d in days), sleep_h=sum(d.sleep_min for d in recorded) / 60 / max(len(recorded), 1),
        weight_gain_g=gains[0] if len(gains) == 1 else None if not gains else round(sum(gains) / len(gains)),
        rating=sum(stars) / len(stars) if stars else None, ratings=len(stars), photos=photos,
    )


def _figures(figures: MonthFigures, twins: bool, styles: Styles) -> Table:
    gain = figures.weight_gain_g
    cells = [
        (str(figures.days_served), "陪伴天数"), (str(figures.feeds), "喂奶次数"),
        (f"{figures.feed_ml / 1000:.1f}" if figures.feed_ml >= 1000 else str(figures.feed_ml),
         "奶量合计 (升)" if figures.feed_ml >= 1000 else "奶量合计 (ml)"),
        (str(figures.nappies), "换尿布次数"),
        (f"{figures.sleep_h:.1f}", "平均睡眠 (小时/天)"),
        ("—" if gain is None else f"{gain:+d}", ("平均" if twins else "") + "体重变化 (克)"),
        (f"{figures.rating:.1f}" if figures.rating is not None else "—", f"家人评分 ({figures.ratings} 次)"),
        (str(figures.photos), "照片"),
    ]
    rows = []
    for start in (0, 4):
        rows.append([Paragraph(escape(value), styles.figure) for value, _ in cells[start:start + 4]])
        rows.append([Paragraph(escape(label), styles.figure_label) for _, label in cells[start:start + 4]])
    table = Table(rows, colWidths=[42 * mm] * 4)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("BOTTOMPADDING", (0, 1), (-1, 1), 8),
                               ("LINEBELOW", (0, 1), (-1, 1), 0.5, colors.HexColor("#f0c8d4"))]))
    return table


def _growth_drawing(chart: GrowthChart, font: str, title_prefix: str = "") -> Drawing:
    """The growth chart of the day page (``growth_charts.layout``), drawn with reportlab."""
    lay = layout(chart, width=170 * mm, height=80 * mm)
    drawing = Drawing(lay.width, lay.height)

    def y(value: float) -> float:
        return lay.height - value  # the layout's y grows downwards, reportlab's upwards

    left, top, right, bottom = lay.plot
    frame = Rect(left, y(bottom), right - left, bottom - top)
    frame.fillColor, frame.strokeColor, frame.strokeWidth = colors.HexColor("#fafafa"), colors.HexColor("#e5e7eb"), 0.5
    drawing.add(frame)
    for tick in lay.y_ticks:
        drawing.add(Line(left, y(tick.at), right, y(tick.at), strokeColor=colors.HexColor("#eeeeee"), strokeWidth=0.5))
        drawing.add(String(left - 4, y(tick.at) - 3, tick.text, fontName=font, fontSize=7, fillColor=GREY,
                           textAnchor="end"))
    for tick in lay.x_ticks:
        drawing.add(String(tick.at, y(bottom) - 11, tick.text, fontName=font, fontSize=7, fillColor=GREY,
                           textAnchor="middle"))
    drawing.add(String((left + right) / 2, y(bottom) - 24, lay.x_title, fontName=font, fontSize=8, fillColor=GREY,
                       textAnchor="middle"))
    for line in lay.lines:
        points = [v for x, py in line.points for v in (x, y(py))]
        drawing.add(PolyLine(points, strokeColor=colors.HexColor(line.colour), strokeWidth=line.width,
                             strokeDashArray=[3, 2] if line.dash else [1, 0]))
        if line.label:
            x, py = line.points[-1]
            drawing.add(String(x + 3, y(py) - 2, line.label, fontName=font, fontSize=6.5, fillColor=GREY))
    for x, py, _ in lay.dots:
        dot = Circle(x, y(py), 2.6)
        dot.fillColor, dot.strokeColor = colors.HexColor(POINT_COLOUR), colors.white
        drawing.add(dot)
    drawing.add(String(left, lay.height - 12, title_prefix + lay.title, fontName=font, fontSize=11, fillColor=ROSE))
    return drawing


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
    a rating or flag changes, a photo arrives, a baby is added or corrected, or a new day begins; a few small queries."""
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
        # The babies as the cover and the growth charts show them (sex, birth): an agency may correct them later.
        session.execute(select(Baby.id, Baby.nickname, Baby.sex, Baby.born_on, Baby.born_at, Baby.birth_weight_g)
                        .where(Baby.engagement_id == eid).order_by(Baby.id)).all(),
        engagement.baby_birth_date, engagement.birth_weight_g,
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
    entries: dict[dt.date, list[EntryView]] = {}
    for row in session.scalars(
        select(DiaryEntry).where(DiaryEntry.engagement_id == engagement.id, DiaryEntry.withdrawn_at.is_(None),
                                 DiaryEntry.occurred_at >= start, DiaryEntry.occurred_at < end)
        .order_by(DiaryEntry.occurred_at, DiaryEntry.id)
    ):
        entries.setdefault(row.occurred_at.astimezone(tz).date(), []).append(entry_view(row))
    # Each family member rates for themselves: every member's rating of a day is kept and shown, named as the
    # day views name them.
    ratings = {day.date: ratings_of_day(session, engagement.id, day.date) for day in days}
    flags = list(session.scalars(select(DiaryFlag).where(
        DiaryFlag.engagement_id == engagement.id, DiaryFlag.cleared_at.is_(None),
        DiaryFlag.rule.not_in(AGENCY_ONLY)).order_by(DiaryFlag.raised_at, DiaryFlag.id)))
    photo_rows = list(session.execute(
        select(DiaryPhoto.data, DiaryPhoto.sent_at).where(
            DiaryPhoto.engagement_id == engagement.id, DiaryPhoto.status == "stored", DiaryPhoto.data.is_not(None))
        .order_by(DiaryPhoto.sent_at, DiaryPhoto.id).limit(MAX_PHOTOS + 1)))
    growth_of = growth(session, engagement, tz, until=last)

    twins = baby_views(session, engagement)  # several babies: each one named on every page
    labels = {b.id: b.label for b in twins}
    names = "、".join(drawable(b.label, font) for b in twins if drawable(b.label, font))
    baby = names or drawable(engagement.baby_nickname or "", font) or "宝宝"
    title = f"{baby}的月子日记"
    agency = agency_name(session, engagement)
    width = A4[0] - 36 * mm
    stars_given = [r.stars for day in ratings.values() for r in day]
    figures = month_figures(days, growth_of, stars_given, min(len(photo_rows), MAX_PHOTOS))

    # -- the cover: the baby or babies, the nurse, the month in numbers --
    story: list[Flowable] = [_band(width, 10 * mm), Spacer(1, 10 * mm), Paragraph(markup(title, font), styles.title),
                             Paragraph(markup(f"{engagement.family_name} · {first:%Y年%m月%d日} 至 {last:%Y年%m月%d日}",
                                              font), styles.subtitle), Spacer(1, 5 * mm)]
    cover = _photo(photo_rows[-1].data, 78 * mm) if photo_rows else None
    story += [cover, Spacer(1, 5 * mm)] if cover is not None else [Spacer(1, 12 * mm)]
    for line in _baby_lines(session, engagement, growth_of, tz):
        story.append(Paragraph(markup(line, font), styles.subtitle))
    story += [
        Spacer(1, 2 * mm),
        Paragraph(markup(f"陪伴我们的月嫂 {nurse_name} · {agency}", font), styles.subtitle),
        Spacer(1, 7 * mm),
        Paragraph("这个月的数字", styles.section),
        _figures(figures, len(twins) > 1, styles),
    ]
    cover_note_at = len(story)  # what was left out is said here once the days are laid out

    # -- how the month went: the daily charts, then growth against the WHO standard --
    story += [PageBreak(), Paragraph("每日概览", styles.heading)]
    for label, per_day in _charted(days, twins):
        prefix = f"{drawable(label, font)} · " if label else ""
        story += [
            _bar_chart(f"{prefix}每日奶量", "毫升", per_day, [d.feed_ml for d in per_day], "#e88aa6", font.name),
            _bar_chart(f"{prefix}每日换尿布", "次", per_day, [d.nappies for d in per_day], "#6aa9d8", font.name),
            _bar_chart(f"{prefix}每日睡眠", "小时", per_day, [round(d.sleep_min / 60, 1) for d in per_day], "#8cc36f",
                       font.name),
        ]
    story += [PageBreak(), *_growth_section(growth_of, font, styles)]

    # -- the nurse's photos --
    if photo_rows:
        story += [PageBreak(), Paragraph("照片", styles.heading), *_photo_grid(photo_rows[:MAX_PHOTOS], tz, width, styles)]
        if len(photo_rows) > MAX_PHOTOS:
            story.append(Paragraph(f"另有更多照片未放入纪念册（最多 {MAX_PHOTOS} 张）。", styles.small))

    # -- the family's words --
    story += [PageBreak(), Paragraph("家人的评价", styles.heading)]
    if stars_given:
        story.append(Paragraph(markup(f"共 {len(stars_given)} 次评分，平均 {sum(stars_given) / len(stars_given):.1f} 星",
                                      font), styles.body))
        for rated in days:
            for rating in ratings.get(rated.date, []):
                comment = f" “{rating.comment}”" if rating.comment else ""
                story.append(Paragraph(
                    f"<font color='#b0486a'>{rated.date.month}月{rated.date.day}日</font>&nbsp;&nbsp;"
                    + markup(f"{stars(rating.stars)} {rating.member}{comment}", font), styles.entry))
    else:
        story.append(Paragraph("这段时间家人还没有评分。", styles.small))

    # -- health: every reminder the diary raised, as advice, never the headline --
    story += [Paragraph("健康记录", styles.heading), Paragraph(
        "以下是记录中出现、按规范提醒家人留意的情况，仅供回顾，不是诊断。", styles.small)]
    if flags:
        for flag in flags[:MAX_FLAGS]:
            label, style = ("紧急", styles.urgent) if flag.severity == "urgent" else ("留意", styles.watch)
            when = flag.raised_at.astimezone(tz)
            story.append(Paragraph(f"<b>● {label}</b> {when.month}月{when.day}日 {when:%H:%M}&nbsp;&nbsp;"
                                   + markup(flag.reason, font), style))
        if len(flags) > MAX_FLAGS:
            story.append(Paragraph(f"另有 {len(flags) - MAX_FLAGS} 条提醒未列出。", styles.small))
    else:
        story.append(Paragraph("服务期间没有健康提醒。", styles.body))

    # -- every day's diary --
    story.append(PageBreak())
    listed = chars = left_out = 0
    for summary in days:
        day = summary.date
        story.append(Paragraph(f"{day.month}月{day.day}日 星期{WEEKDAYS[day.weekday()]}", styles.heading))
        for rating in ratings.get(day, []):
            story.append(Paragraph(markup(f"家人评分 {stars(rating.stars)} {rating.member} {rating.comment or ''}", font),
                                   styles.body))
        day_entries = entries.get(day, [])
        day_listed = 0
        for entry in day_entries:
            if day_listed >= MAX_DAY_ENTRIES or listed >= MAX_ENTRIES or chars >= MAX_CHARS:
                break
            body = texts.PHOTO_LINE if entry.kind == "photo" else (entry.body or entry.kind)
            text = markup(body, font) or escape(entry.kind)
            if entry.baby_id in labels:  # twins: whose entry it is
                text = markup(f"【{labels[entry.baby_id]}】", font) + text
            story.append(Paragraph(f"<font color='#b0486a'>{entry.occurred_at.astimezone(tz):%H:%M}</font>"
                                   f"&nbsp;&nbsp;{text}", styles.entry))
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


def _baby_lines(session: Session, engagement: EngagementLike, growth_of: Sequence[BabyGrowth],
                tz: ZoneInfo) -> list[str]:
    """One line a baby for the cover: name, sex, birth day, birth weight."""
    babies = babies_of(session, engagement)
    lines = []
    for baby in babies or (None,):
        name = (baby.label if baby is not None and len(babies) > 1 else None) or engagement.baby_nickname or "宝宝"
        parts = [name]
        if baby is not None and baby.sex in SEX_TEXT:
            parts.append(SEX_TEXT[baby.sex])
        born = next((g.born_on for g in growth_of if baby is None or g.baby_id == baby.id), None)
        if born is not None:
            parts.append(f"{born:%Y年%m月%d日}出生")
        weight = (baby.birth_weight_g if baby is not None else None) or (
            engagement.birth_weight_g if len(babies) <= 1 else None)
        if weight:
            parts.append(f"出生体重 {weight} 克")
        lines.append(" · ".join(parts))
    return lines


def _growth_section(growth_of: Sequence[BabyGrowth], font: KeepsakeFont, styles: Styles) -> list[Flowable]:
    """Every baby's measurements charted against the WHO standard, with a table of the values."""
    out: list[Flowable] = [Paragraph("生长记录", styles.heading)]
    measured = [(b, c) for b in growth_of for c in b.charts]
    if not measured:
        return [*out, Paragraph("服务期间没有记录体重、身长或头围。", styles.small)]
    for baby, chart in measured:
        prefix = f"{drawable(baby.label, font)} · " if baby.label else ""
        if chart.charted and chart.born_on is not None:
            out.append(_growth_drawing(chart, font.name, prefix))
        values = "；".join(
            f"{m.on.month}/{m.on.day} {m.value:.{chart.indicator.digits}f}{chart.indicator.unit}"
            + ("（出生）" if m.birth else "") + (f" {percentile_text(m)}" if percentile_text(m) else "")
            for m in chart.measurements)
        out.append(Paragraph(markup(f"{prefix}{chart.indicator.label}：{values}", font), styles.body))
        for note in chart.notes:
            out.append(Paragraph(markup(note, font), styles.small))
        out.append(Spacer(1, 3 * mm))
    out.append(Paragraph(markup(SOURCE_NOTE + "。虚线为 P3、P15、P85、P97，实线为 P50；黑点为测量值。曲线仅供参考，不是诊断。",
                                font), styles.small))
    return out


def _photo_grid(rows: Sequence[Any], tz: ZoneInfo, width: float, styles: Styles) -> list[Flowable]:
    """The nurse's photos two a row, each with the day and time it was sent."""
    cell = (width - 6 * mm) / 2
    images = []
    for data, sent_at in rows:
        picture = _photo(data, cell - 4 * mm, GRID_PIXELS)
        if picture is not None:
            when = sent_at.astimezone(tz) if sent_at.tzinfo else sent_at.replace(tzinfo=dt.UTC).astimezone(tz)
            images.append([picture, Paragraph(f"{when.month}月{when.day}日 {when:%H:%M}", styles.caption)])
    grid = [[images[i], images[i + 1] if i + 1 < len(images) else ""] for i in range(0, len(images), 2)]
    if not grid:
        return []
    table = Table(grid, colWidths=[cell + 3 * mm] * 2)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 8)]))
    return [table]

