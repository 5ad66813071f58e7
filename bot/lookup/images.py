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
CARD_SIZE = (640, 1000)
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
    *, code: str, masked_name: str, agency_name: str, url: str, photo: bytes | None, service_types: list[str]
) -> bytes:
    """A printable badge card: photo, masked name, agency, 扫码核验 with the QR, the code and the address (PNG, 640×1000).

    Only for a worker whose consent to publication is on record: the caller refuses the others.
    """
    card = Image.new("RGB", CARD_SIZE, "white")
    draw = ImageDraw.Draw(card)
    width, _ = CARD_SIZE
    green = (13, 110, 86)
    draw.rectangle((0, 0, width, 110), fill=green)
    draw.text((width // 2, 55), "安心家政 · 服务员工牌", font=_font(40), fill="white", anchor="mm")
    box = (width // 2 - 150, 135, width // 2 + 150, 465)
    if photo:
        with Image.open(io.BytesIO(photo)) as image:
            face = image.convert("RGB")
            face.thumbnail((box[2] - box[0], box[3] - box[1]))
            card.paste(face, (box[0] + (box[2] - box[0] - face.width) // 2, box[1] + (box[3] - box[1] - face.height) // 2))
    else:
        draw.rectangle(box, outline=(160, 160, 160), width=3)
        draw.text(((box[0] + box[2]) // 2, (box[1] + box[3]) // 2), "无照片", font=_font(36), fill=(160, 160, 160),
                  anchor="mm")
    draw.text((width // 2, 505), masked_name, font=_fitted(draw, masked_name, 52, width - 40), fill="black", anchor="mm")
    services = "、".join(service_types)
    draw.text((width // 2, 553), services, font=_fitted(draw, services, 28, width - 40), fill=(70, 70, 70), anchor="mm")
    draw.text((width // 2, 592), agency_name, font=_fitted(draw, agency_name, 28, width - 40), fill=(70, 70, 70),
              anchor="mm")
    draw.text((width // 2, 640), "扫码核验 · 微信扫一扫查看实名与证件", font=_font(28), fill=green, anchor="mm")
    qr = _qr_image(url, fit=250)  # whole-pixel modules: a resized QR would not scan reliably
    card.paste(qr, (width // 2 - qr.width // 2, 790 - qr.height // 2))
    draw.text((width // 2, 932), format_code(code), font=_font(40), fill="black", anchor="mm")
    address = f"或打开 {url}"
    draw.text((width // 2, 976), address, font=_fitted(draw, address, 20, width - 40), fill=(70, 70, 70), anchor="mm")
    out = io.BytesIO()
    card.save(out, format="PNG", optimize=True)
    return out.getvalue()
