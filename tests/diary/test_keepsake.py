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
from tests.support.browser import ARTIFACTS

TZ = ZoneInfo("Asia/Shanghai")
LONG_LINE = "宝宝今天很乖" * 300 + "abcdefghij" * 19  # with its time, the 2,000 characters an entry may hold
PHOTO_COLOUR = (30, 144, 255)
GRID_COLOUR = (240, 170, 40)
# Growth the nurse measured: the usual dip after birth, then gaining (the demo baby weighed 3350 g at birth).
GROWTH = {2: "体重 3200g\n身长 50cm\n头围 34.2cm", 1: "体重 3260g", 0: "体重 3330g\n头围 34.6cm"}


def _photo(colour: tuple[int, int, int] = PHOTO_COLOUR, size: tuple[int, int] = (300, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def pdf(app: Flask) -> bytes:
    font = keepsake_font()
    assert font.path is not None, "no TrueType CJK font: pip install -r requirements.txt"
    now = utcnow()
    with app.extensions["anxin_db"].new_session() as session, session.begin():
        seeded = seed(session, app.extensions["anxin_cipher"], TZ, now, fixed_key=demo_key("k"))
        engagement = seeded.engagement
        moment = now.astimezone(TZ) - dt.timedelta(hours=1)
        lines = [f"{moment:%H:%M} 体温 38.2", f"{moment:%H:%M} {LONG_LINE}", f"{moment:%H:%M} 宝宝笑了😊👨‍👩‍👧 好开心"]
        for line in lines:
            record_entries(session, engagement, NURSE_OPENID, parse_lines(line, now, TZ), now, TZ)
        for days_ago, text in GROWTH.items():
            at = now - dt.timedelta(days=days_ago, minutes=90)
            record_entries(session, engagement, NURSE_OPENID, parse_lines(text, at, TZ), at, TZ)
        for n in range(3):  # the grid's photos, then the newest (the cover's)
            session.add(DiaryPhoto(source_key=f"keepsake-grid-{n}", engagement_id=engagement.id,
                                   author_openid=NURSE_OPENID, media_id=f"g{n}", sent_at=now - dt.timedelta(days=2 - n),
                                   status="stored", content_type="image/jpeg", data=_photo(GRID_COLOUR, (200, 300))))
        session.add(DiaryPhoto(source_key="keepsake-test", engagement_id=engagement.id, author_openid=NURSE_OPENID,
                               media_id="m1", sent_at=now, status="stored", content_type="image/jpeg", data=_photo()))
        session.flush()
        return keepsake_pdf(session, engagement, TZ, now.astimezone(TZ).date(), "伍秀芳")


def _pages(pdf: bytes, out: Path) -> list[Image.Image]:
    """Every page as an image, kept under the artifacts (``keepsake/page-N.png``) to be looked at."""
    out = ARTIFACTS / "keepsake"
    out.mkdir(parents=True, exist_ok=True)
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
    assert "伍秀芳" in text and "★★★★★" in text


def test_the_font_comes_with_the_requirements_not_the_machine() -> None:
    """A fresh machine with no font package of its own makes the same PDF: the font is the pinned package's."""
    from importlib import resources

    from bot.diary.keepsake import PACKAGED_FONT

    packaged = resources.files(PACKAGED_FONT[0]).joinpath(PACKAGED_FONT[1])
    assert packaged.is_file() and keepsake_font().path == str(packaged)
    requirements = (Path(__file__).resolve().parents[2] / "requirements.txt").read_text(encoding="utf-8")
    assert "paperang-p2-fonts-cjk==" in requirements
    # ℃ has an empty glyph in this font: it is spelt °C rather than printed as nothing.
    assert ord("℃") not in keepsake_font().glyphs


def test_a_2000_character_line_is_wrapped_not_lost(pdf: bytes) -> None:
    pages = ["".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]
    # The line runs over a page break: take each page's footer out before joining them.
    text = "".join(re.sub(r"小米的月子日记·王家第\d+页", "", page) for page in pages)
    assert LONG_LINE in text


def test_the_pages_a_mother_sees(pdf: bytes, tmp_path: Path) -> None:
    pages = _pages(pdf, tmp_path)
    texts = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) >= 6  # cover, charts, growth, photos, words and health, the days
    cover_text = texts[0]
    assert "小米的月子日记" in cover_text and "伍秀芳" in cover_text and "王家" in cover_text and "至" in cover_text
    assert "出生体重 3350 克" in cover_text and "这个月的数字" in cover_text
    assert "陪伴天数" in cover_text and "喂奶次数" in cover_text and "奶量合计" in cover_text
    assert "-20" in cover_text and "体重变化" in cover_text  # 3350 g at birth, 3330 g now
    assert "紧急" not in cover_text and "留意" not in cover_text and "提醒" not in cover_text  # no flags headline
    assert _has_colour(pages[0], PHOTO_COLOUR)  # the newest photo is on the cover
    assert "每日奶量" in texts[1] and "毫升" in texts[1] and "日期" in texts[1]
    growth_page = next(i for i, text in enumerate(texts) if "生长记录" in text)
    growth = "".join(texts[growth_page:growth_page + 2])  # three charts: two pages
    assert "WHO" in growth and "体重（kg）" in growth and "身长（cm）" in growth and "头围（cm）" in growth
    assert "3.35kg（出生）" in growth and "3.33kg" in growth
    assert "性别未登记" in growth
    photo_page = next(i for i, text in enumerate(texts) if "照片" in text.splitlines())
    assert _has_colour(pages[photo_page], GRID_COLOUR, at_least=200)  # the nurse's photos, in a grid
    words = next(i for i, text in enumerate(texts) if "家人的评价" in text)
    assert "辛苦了，宝宝睡得很好" in texts[words] and "★★★★★" in texts[words]
    health = next(i for i, text in enumerate(texts) if "健康记录" in text)
    assert "● 紧急" in texts[health] and "不是诊断" in texts[health] and "°C" in texts[health]
    r, g, b = (int(c * 255) for c in URGENT.rgb())
    red = (r, g, b)
    assert _has_colour(pages[health], red, at_least=20)  # urgent flags in red, in the health section
    assert not any("● 紧急" in text for text in texts[health + 1:])  # not repeated on the day pages
    assert not any(_has_colour(pages[i], red, at_least=20) for i in range(health + 1, len(pages)))
    assert not any("补记" in text for text in texts)  # day pages without the noise
