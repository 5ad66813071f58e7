"""Ending an engagement (下户) as the agency does: its last day is moved to the day given."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import update

from bot.models import Engagement


def end_engagement(app: Flask, engagement_id: int, on: dt.date) -> None:
    """The engagement's last day of service is ``on`` (the agency ended it then, or it ran its course)."""
    with app.extensions["anxin_db"].new_session() as session, session.begin():
        session.execute(update(Engagement).where(Engagement.id == engagement_id).values(ends_on=on))
