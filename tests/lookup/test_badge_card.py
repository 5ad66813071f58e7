"""The printable badge card: 扫码核验 with the address, and none for a worker without consent."""

from __future__ import annotations

import io

import qrcode
from flask.testing import FlaskClient
from PIL import Image, ImageDraw
from qrcode.constants import ERROR_CORRECT_M
from sqlalchemy.orm import Session

from bot.lookup.images import CARD_DPI, CARD_SIZE, QR_BOX, QR_MIN_MM, _font
from tests.support.agency import add_worker, auth, publish
from tests.support.backends import SETTINGS
from tests.support.factories import make_agency

GREEN = (13, 110, 86)


def _dark_or(colour: tuple[int, int, int], region: Image.Image) -> int:
    raw = region.tobytes()
    return sum(1 for i in range(0, len(raw), 3) if all(abs(a - b) <= 40 for a, b in zip(raw[i:i + 3], colour, strict=True)))


def _drawn(text: str, size: int, colour: tuple[int, int, int]) -> Image.Image:
    """``text`` as the card draws it, to compare with what is on the card."""
    font = _font(size)
    left, top, right, bottom = (int(v) for v in font.getbbox(text))
    image = Image.new("RGB", (right - left, bottom - top), "white")
    ImageDraw.Draw(image).text((-left, -top), text, font=font, fill=colour)
    return image


def test_the_card_says_scan_to_verify_with_the_address(client: FlaskClient, session: Session) -> None:
    key = make_agency(session)[1]
    code = publish(client, key, add_worker(client, key))
    res = client.get(f"/admin/v1/badges/{code}/card.png", headers=auth(key))
    assert res.status_code == 200 and res.mimetype == "image/png"
    image = Image.open(io.BytesIO(res.data))
    assert image.size == CARD_SIZE == (1004, 1571)  # 85 × 133 mm at 300 dpi
    assert round(image.info["dpi"][0]) == CARD_DPI == 300
    card = image.convert("RGB")
    width = CARD_SIZE[0]
    caption = card.crop((0, 876, width, 924))
    assert _dark_or(GREEN, caption) > 600  # the caption line, in the header's green
    expected = _drawn("扫码核验 · 微信扫一扫查看实名与证件", 42, GREEN)
    assert abs(_dark_or(GREEN, caption) - _dark_or(GREEN, expected)) < 0.1 * _dark_or(GREEN, expected)
    address = card.crop((0, 1512, width, 1550))
    assert _dark_or((70, 70, 70), address) > 200  # the address under the code
    # The QR on the card is the QR of the badge's address, module for module.
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    qr.add_data(f"{SETTINGS['ANXIN_PUBLIC_URL']}/b/{code}")
    qr.make(fit=True)
    size = qr.modules_count + 8
    box = QR_BOX // size
    assert size * box >= round(QR_MIN_MM / 25.4 * CARD_DPI) == 354  # at least 30 mm across when printed
    left, top = width // 2 - size * box // 2, 930
    for row, line in enumerate(qr.get_matrix()):
        for col, dark in enumerate(line):
            pixel = card.getpixel((left + col * box + box // 2, top + row * box + box // 2))
            assert pixel == ((0, 0, 0) if dark else (255, 255, 255)), (row, col)


def test_no_card_for_a_worker_without_consent(client: FlaskClient, session: Session) -> None:
    key = make_agency(session)[1]
    code = publish(client, key, add_worker(client, key), consent=False)
    res = client.get(f"/admin/v1/badges/{code}/card.png", headers=auth(key))
    assert res.status_code == 403
    assert res.get_json()["error"]["code"] == "consent_missing"
    assert "尚未授权公开" in res.get_json()["error"]["message"]

    worker_id = add_worker(client, key, name="李桂兰")
    code = publish(client, key, worker_id)
    assert client.get(f"/admin/v1/badges/{code}/card.png", headers=auth(key)).status_code == 200
    assert client.delete(f"/admin/v1/workers/{worker_id}/consent", headers=auth(key)).status_code == 200
    assert client.get(f"/admin/v1/badges/{code}/card.png", headers=auth(key)).status_code == 403  # withdrawn
