"""The keepsake PDF as a mother would see it: pages rendered to PNG and looked at."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium  # type: ignore[import-untyped]  # ships no type information
import pytest
from flask import Flask
from PIL import Image
from pypdf import PdfReader

from bot.diary.entries import record_entries
from bot.diary.keepsake import URGENT, keepsake_font, keepsake_pdf
from bot.diary.parse import parse_lines
from bot.models import DiaryPhoto
from bot.ops.demo import NURSE_OPENID, demo_key, seed
from bot.store.db import utcnow

TZ = ZoneInfo("Asia/Shanghai")
LONG_LINE = "宝宝今天很乖" * 300 + "abcdefghij" * 19  # with its time, the 2,000 characters an entry may hold
PHOTO_COLOUR = (30, 144, 255)


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), PHOTO_COLOUR).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def pdf(app: Flask) -> bytes:
    font = keepsake_font()
    assert font.path is not None, "no TrueType CJK font installed: apt-get install fonts-wqy-zenhei"
    now = utcnow()
    with app.extensions["anxin_db"].new_session() as session, session.begin():
        seeded = seed(session, app.extensions["anxin_cipher"], TZ, now, fixed_key=demo_key("k"))
        engagement = seeded.engagement
        moment = now.astimezone(TZ) - dt.timedelta(hours=1)
        lines = [f"{moment:%H:%M} 体温 38.2", f"{moment:%H:%M} {LONG_LINE}", f"{moment:%H:%M} 宝宝笑了😊👨‍👩‍👧 好开心"]
        for line in lines:
            record_entries(session, engagement, NURSE_OPENID, parse_lines(line, now, TZ), now, TZ)
        session.add(DiaryPhoto(source_key="keepsake-test", engagement_id=engagement.id, author_openid=NURSE_OPENID,
                               media_id="m1", sent_at=now, status="stored", content_type="image/jpeg", data=_photo()))
        session.flush()
        return keepsake_pdf(session, engagement, TZ, now.astimezone(TZ).date(), "伍*芳")


def _pages(pdf: bytes, out: Path) -> list[Image.Image]:
    document = pdfium.PdfDocument(pdf)
    images = []
    for index in range(len(document)):
        image = document[index].render(scale=1.5).to_pil().convert("RGB")
        image.save(out / f"page-{index + 1}.png")
        images.append(image)
    document.close()
    return images


def _has_colour(image: Image.Image, colour: tuple[int, int, int], tolerance: int = 12, at_least: int = 50) -> bool:
    raw = image.resize((image.width // 2, image.height // 2), Image.Resampling.NEAREST).tobytes()
    pixels = (raw[i:i + 3] for i in range(0, len(raw), 3))
    hits = sum(1 for pixel in pixels if all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True)))
    return hits >= at_least


def test_the_font_is_embedded_as_a_subset_and_every_character_has_a_glyph(pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    fonts = {}
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for ref in resources["/Font"].values():
            font = ref.get_object()
            fonts[font["/BaseFont"]] = font
    cjk = [f for name, f in fonts.items() if "+" in name]  # a subset's name has a tag: AAAAAA+Name
    assert cjk, f"no embedded subset among {list(fonts)}"
    for font in fonts.values():
        descendant = font.get("/DescendantFonts")
        descriptor = (descendant[0].get_object() if descendant else font).get("/FontDescriptor")
        if descriptor is not None:
            assert "/FontFile2" in descriptor.get_object(), f"{font['/BaseFont']} is not embedded"
    assert not any("STSong" in name for name in fonts)

    text = "".join(page.extract_text() for page in reader.pages)
    glyphs = keepsake_font().glyphs
    missing = {ch for ch in text if not ch.isspace() and ord(ch) not in glyphs}
    assert not missing, f"drawn without a glyph (tofu): {missing}"
    assert "😊" not in text and "宝宝笑了" in text and "好开心" in text  # the emoji left out cleanly
    assert "伍*芳" in text and "★★★★★" in text


def test_a_2000_character_line_is_wrapped_not_lost(pdf: bytes) -> None:
    pages = ["".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]
    # The line runs over a page break: take each page's footer out before joining them.
    text = "".join(re.sub(r"小米的月子日记·王家第\d+页", "", page) for page in pages)
    assert LONG_LINE in text


def test_the_pages_a_mother_sees(pdf: bytes, tmp_path: Path) -> None:
    pages = _pages(pdf, tmp_path)
    assert len(pages) >= 4  # cover, charts, the days
    cover_text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "小米的月子日记" in cover_text and "伍*芳" in cover_text and "王家" in cover_text
    assert "喂奶次数" in cover_text and "奶量合计" in cover_text and "至" in cover_text
    assert _has_colour(pages[0], PHOTO_COLOUR)  # the photo is on the cover
    charts_text = PdfReader(io.BytesIO(pdf)).pages[1].extract_text()
    assert "每日奶量" in charts_text and "毫升" in charts_text and "日期" in charts_text
    r, g, b = (int(c * 255) for c in URGENT.rgb())
    red = (r, g, b)
    day_pages = list(enumerate(PdfReader(io.BytesIO(pdf)).pages))[2:]
    urgent_pages = [i for i, page in day_pages if "● 紧急" in page.extract_text()]
    assert urgent_pages, "no urgent flag printed"
    assert all(_has_colour(pages[i], red, at_least=20) for i in urgent_pages)  # urgent flags in red
    calm = [i for i, page in day_pages if "紧急" not in page.extract_text()]
    assert calm and not any(_has_colour(pages[i], red, at_least=20) for i in calm)  # and only they are
