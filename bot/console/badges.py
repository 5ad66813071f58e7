"""Badge cards: one card as PNG, and an A4 sheet of cards to print (PDF, four a page)."""

from __future__ import annotations

import io

from flask import Response, current_app, request
from flask.typing import ResponseReturnValue
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas
from sqlalchemy import func, select

from bot.agency.badges import agency_badge, badge_card
from bot.console import bp, current_agency, needs
from bot.core.errors import BadRequest
from bot.diary.keepsake import keepsake_font
from bot.lookup.images import CARD_MM
from bot.models import Badge, Worker
from bot.store.db import get_session

MAX_CARDS = 200
CARD_WIDTH, CARD_HEIGHT = CARD_MM[0] * mm, CARD_MM[1] * mm  # printed at CARD_DPI


def _card(badge: Badge) -> bytes:
    return badge_card(get_session(), badge, current_app.config["ANXIN_PUBLIC_URL"])


@bp.get("/badges/<code>/card.png")
@needs("workers.read")
def card(code: str) -> ResponseReturnValue:
    badge = agency_badge(get_session(), current_agency(), code)
    return Response(_card(badge), mimetype="image/png", headers={"Cache-Control": "private, no-store"})


@bp.get("/badges.pdf")
@needs("workers.read")
def sheet() -> ResponseReturnValue:
    """Every current badge of the agency (or of ``?worker=ID&worker=ID``) on A4, four cards a page.

    Only workers who consented to publication are printed, as for a single card; the sheet says how many
    were left out (in its first line and in the ``X-Anxin-Left-Out`` header) so the agency can follow up.
    """
    ids = request.args.getlist("worker")
    if any(not i.isdigit() or len(i) > 10 for i in ids):
        raise BadRequest("worker 应为服务员编号", code="invalid_field")
    query = (select(Badge).join(Worker, Worker.id == Badge.worker_id)
             .where(Worker.agency_id == current_agency().id, Badge.revoked_at.is_(None)).order_by(Badge.id))
    if ids:
        query = query.where(Worker.id.in_([int(i) for i in ids]))
    db = get_session()
    left_out = db.scalar(query.with_only_columns(func.count()).where(Worker.consent_signed_on.is_(None)).order_by(None))
    badges = db.scalars(query.where(Worker.consent_signed_on.is_not(None)).limit(MAX_CARDS + 1)).all()
    if len(badges) > MAX_CARDS:
        raise BadRequest(f"一次最多打印{MAX_CARDS}张，请选择服务员", code="too_many")
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setTitle("安心 · 服务员工牌")
    page_w, page_h = A4
    card_h = CARD_HEIGHT
    gap_x, gap_y = (page_w - 2 * CARD_WIDTH) / 3, (page_h - 2 * card_h) / 3
    notes = [f"{left_out} 名服务员尚未授权公开，未打印其工牌。"] if left_out else []
    notes += [] if badges else ["没有可打印的工牌。"]
    if notes:
        pdf.setFont(keepsake_font().name, 10)
        for n, note in enumerate(notes):  # in the top margin, above the first row of cards
            pdf.drawString(gap_x, page_h - 8 * mm - n * 5 * mm, note)
    for i, badge in enumerate(badges):
        if i and i % 4 == 0:
            pdf.showPage()
        col, row = i % 2, (i % 4) // 2
        x = gap_x + col * (CARD_WIDTH + gap_x)
        y = page_h - (row + 1) * (card_h + gap_y)
        pdf.drawImage(ImageReader(io.BytesIO(_card(badge))), x, y, width=CARD_WIDTH, height=card_h)
        pdf.setLineWidth(0.3)
        pdf.setDash(2, 2)
        pdf.rect(x, y, CARD_WIDTH, card_h)  # a cutting line
        pdf.setDash()
    pdf.showPage()
    pdf.save()
    return Response(out.getvalue(), mimetype="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="badges.pdf"', "Cache-Control": "private, no-store",
                             "X-Anxin-Left-Out": str(left_out or 0)})
