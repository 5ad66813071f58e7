"""Badge images: the QR code (PNG) and the printable badge card the worker wears."""

from __future__ import annotations

import io
import logging
from functools import lru_cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

from bot.lookup.codes import format_code

log = logging.getLogger("anxin.lookup")

CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
# The card as printed: 85 × 133 mm (a badge holder's size) at 300 dpi, its QR at least 30 mm across (354 px)
# so that a phone scans it from an arm's length.
CARD_MM = (85, 133)
CARD_DPI = 300
CARD_SIZE = (round(CARD_MM[0] / 25.4 * CARD_DPI), round(CARD_MM[1] / 25.4 * CARD_DPI))
QR_MIN_MM = 30
QR_BOX = round(42 / 25.4 * CARD_DPI)  # the room given to the QR: 42 mm; whole-pixel modules make it a little less
LIGHT_COLOURS = {"green": (22, 163, 74), "yellow": (234, 179, 8), "red": (220, 38, 38)}


def badge_url(public_url: str, code: str) -> str:
    """The address a badge's QR code encodes: ``ANXIN_PUBLIC_URL/b/CODE``."""
    return f"{public_url.rstrip('/')}/b/{code}"


def _qr_image(data: str, box_size: int = 10, fit: int | None = None) -> Image.Image:
    """The QR of ``data``; with ``fit``, the largest whole-pixel modules that fit in ``fit`` pixels."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=4)
    qr.add_data(data)
    qr.make(fit=True)
    if fit is not None:
        qr.box_size = max(1, fit // (qr.modules_count + 2 * qr.border))
    image: Image.Image = qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    return image


def qr_png(data: str, box_size: int = 10) -> bytes:
    """A QR code of ``data`` as PNG."""
    out = io.BytesIO()
    _qr_image(data, box_size).save(out, format="PNG")
    return out.getvalue()


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in CJK_FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    log.warning("lookup.no_cjk_font", extra={"fields": {"tried": list(CJK_FONTS)}})
    return ImageFont.load_default(size)


def _fitted(draw: ImageDraw.ImageDraw, text: str, size: int, width: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The card's font at ``size``, or smaller until ``text`` fits in ``width`` pixels."""
    while size > 10 and draw.textlength(text, font=_font(size)) > width:
        size -= 1
    return _font(size)


def badge_card_png(
    *, code: str, masked_name: str, agency_name: str, url: str, photo: bytes | None, service_types: list[str],
    logo: bytes | None = None,
) -> bytes:
    """A printable badge card of the agency (its name and logo on top): photo, masked name, 扫码核验 with the QR,
    the code and the address (PNG, ``CARD_SIZE`` at ``CARD_DPI``).

    Only for a worker whose consent to publication is on record: the caller refuses the others.
    """
    card = Image.new("RGB", CARD_SIZE, "white")
    draw = ImageDraw.Draw(card)
    width, height = CARD_SIZE
    green = (13, 110, 86)
    band = 200
    draw.rectangle((0, 0, width, band), fill=green)
    left = 40
    if logo:
        with Image.open(io.BytesIO(logo)) as image:
            mark = image.convert("RGBA")
            mark.thumbnail((band - 40, band - 40))
            plate = Image.new("RGBA", (mark.width + 16, mark.height + 16), (255, 255, 255, 255))
            plate.alpha_composite(mark, (8, 8))
            card.paste(plate.convert("RGB"), (left, (band - plate.height) // 2))
            left += plate.width + 24
    centre = (left + width - 40) // 2
    draw.text((centre, 78), agency_name, font=_fitted(draw, agency_name, 64, width - 40 - left), fill="white", anchor="mm")
    draw.text((centre, 152), "服务员工牌", font=_font(40), fill=(220, 240, 234), anchor="mm")
    box = (width // 2 - 200, 235, width // 2 + 200, 705)
    if photo:
        with Image.open(io.BytesIO(photo)) as image:
            face = image.convert("RGB")
            face.thumbnail((box[2] - box[0], box[3] - box[1]))
            card.paste(face, (box[0] + (box[2] - box[0] - face.width) // 2, box[1] + (box[3] - box[1] - face.height) // 2))
    else:
        draw.rectangle(box, outline=(160, 160, 160), width=4)
        draw.text(((box[0] + box[2]) // 2, (box[1] + box[3]) // 2), "无照片", font=_font(56), fill=(160, 160, 160),
                  anchor="mm")
    draw.text((width // 2, 765), masked_name, font=_fitted(draw, masked_name, 80, width - 60), fill="black", anchor="mm")
    services = "、".join(service_types)
    draw.text((width // 2, 838), services, font=_fitted(draw, services, 44, width - 60), fill=(70, 70, 70), anchor="mm")
    draw.text((width // 2, 900), "扫码核验 · 微信扫一扫查看实名与证件", font=_fitted(
        draw, "扫码核验 · 微信扫一扫查看实名与证件", 42, width - 60), fill=green, anchor="mm")
    qr = _qr_image(url, fit=QR_BOX)  # whole-pixel modules: a resized QR would not scan reliably
    card.paste(qr, (width // 2 - qr.width // 2, 930))
    draw.text((width // 2, 930 + qr.height + 40), format_code(code), font=_font(60), fill="black", anchor="mm")
    address = f"或打开 {url}"
    draw.text((width // 2, height - 40), address, font=_fitted(draw, address, 30, width - 60), fill=(70, 70, 70),
              anchor="mm")
    out = io.BytesIO()
    card.save(out, format="PNG", optimize=True, dpi=(CARD_DPI, CARD_DPI))
    return out.getvalue()
