"""The whole confinement as a keepsake PDF: a cover, charts of the days, then every day's diary.

Domain code: a session and an engagement in, PDF bytes out. Chinese text uses
reportlab's built-in CID font (STSong-Light), so no font file is needed; characters
outside it (emoji) are dropped rather than printed as empty boxes.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.diary.days import DaySummary, day_bounds, summaries
from bot.diary.entries import is_backdated
from bot.diary.parse import body_of
from bot.models import DiaryEntry, DiaryFlag, Engagement, Rating, Worker

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

TITLE = ParagraphStyle("title", fontName=FONT, fontSize=26, leading=34, alignment=1, spaceAfter=8 * mm)
SUBTITLE = ParagraphStyle("subtitle", fontName=FONT, fontSize=13, leading=20, alignment=1)
HEADING = ParagraphStyle("heading", fontName=FONT, fontSize=15, leading=22, spaceBefore=5 * mm, spaceAfter=2 * mm,
                         textColor=colors.HexColor("#b0486a"))
BODY = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=15)
SMALL = ParagraphStyle("small", fontName=FONT, fontSize=9, leading=13, textColor=colors.HexColor("#666666"))
WEEKDAYS = "一二三四五六日"


def printable(text: str) -> str:
    """Text the CID font can print, escaped for reportlab's mini-markup."""
    return escape("".join(ch for ch in text if ord(ch) <= 0xFFFF and not 0xD800 <= ord(ch) <= 0xDFFF))


def _bar_chart(title: str, days: list[DaySummary], values: list[float], colour: str) -> Drawing:
    drawing = Drawing(170 * mm, 62 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = round(12 * mm), round(10 * mm), round(150 * mm), round(42 * mm)
    chart.data = [list(values) or [0.0]]
    chart.bars[0].fillColor = colors.HexColor(colour)
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = "Helvetica"
    chart.categoryAxis.categoryNames = [d.date.strftime("%m-%d") if i % max(len(days) // 10, 1) == 0 else ""
                                        for i, d in enumerate(days)] or [""]
    chart.categoryAxis.labels.fontName = "Helvetica"
    chart.categoryAxis.labels.fontSize = 7
    drawing.add(chart)
    drawing.add(String(12 * mm, 56 * mm, title, fontName=FONT, fontSize=11))
    return drawing


def keepsake_pdf(session: Session, engagement: Engagement, tz: ZoneInfo, today: dt.date, nurse_name: str) -> bytes:
    """The engagement's diary from its first day to its last (or today), as a PDF."""
    last = min(engagement.ends_on, today)
    first = engagement.starts_on if engagement.starts_on <= last else last
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
    ratings = {r.day: r for r in session.scalars(select(Rating).where(Rating.engagement_id == engagement.id))}
    flags: dict[dt.date, list[DiaryFlag]] = {}
    for flag in session.scalars(select(DiaryFlag).where(DiaryFlag.engagement_id == engagement.id,
                                                        DiaryFlag.cleared_at.is_(None)).order_by(DiaryFlag.id)):
        flags.setdefault(flag.day, []).append(flag)

    baby = engagement.baby_nickname or "宝宝"
    story: list[Any] = [
        Spacer(1, 40 * mm),
        Paragraph(printable(f"{baby}的月子日记"), TITLE),
        Paragraph(printable(f"{engagement.family_name} · {first.isoformat()} 至 {last.isoformat()}"), SUBTITLE),
        Paragraph(printable(f"月嫂 {nurse_name} · {engagement.agency.name}"), SUBTITLE),
        Spacer(1, 12 * mm),
        Paragraph(printable(
            f"共 {len(days)} 天，{sum(d.entries for d in days)} 条记录，喂奶 {sum(d.feeds for d in days)} 次，"
            f"换尿布 {sum(d.nappies for d in days)} 次。"), SUBTITLE),
        PageBreak(),
        Paragraph("每日概览", HEADING),
        _bar_chart("每日奶量 (ml)", days, [d.feed_ml for d in days], "#f2a7bb"),
        _bar_chart("每日换尿布 (次)", days, [d.nappies for d in days], "#9cc7e6"),
        _bar_chart("每日睡眠 (小时)", days, [round(d.sleep_min / 60, 1) for d in days], "#b5d99c"),
        PageBreak(),
    ]
    for summary in days:
        day = summary.date
        story.append(Paragraph(f"{day.month}月{day.day}日 星期{WEEKDAYS[day.weekday()]}", HEADING))
        rating = ratings.get(day)
        if rating:
            stars = "★" * rating.stars + "☆" * (5 - rating.stars)
            story.append(Paragraph(printable(f"家人评分 {stars} {rating.comment or ''}"), BODY))
        rows = []
        for entry in entries.get(day, []):
            mark = "（补记）" if is_backdated(entry) else ""
            rows.append([entry.occurred_at.astimezone(tz).strftime("%H:%M"),
                         Paragraph(printable(body_of(entry.text) or entry.kind) + mark, BODY)])
        if rows:
            table = Table(rows, colWidths=[18 * mm, 150 * mm])
            table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                       ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#eeeeee"))]))
            story.append(table)
        else:
            story.append(Paragraph("这一天没有记录。", SMALL))
        hours, minutes = divmod(summary.sleep_min, 60)
        figures = (f"喂奶 {summary.feeds} 次，共 {summary.feed_ml}ml；尿布 {summary.nappies} 次"
                   f"（小便 {summary.wet}，大便 {summary.dirty}）；睡眠 {hours} 小时 {minutes} 分")
        story.append(Paragraph(printable(figures), SMALL))
        for flag in flags.get(day, []):
            story.append(Paragraph(printable(f"提醒：{flag.reason}"), SMALL))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=f"{baby}的月子日记", author="安心 Anxin",
                            leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm)
    doc.build(story)
    return buffer.getvalue()


def nurse_display_name(session: Session, engagement: Engagement) -> str:
    from bot.lookup.profile import mask_name

    worker = session.get(Worker, engagement.worker_id)
    return mask_name(worker.name) if worker else ""
