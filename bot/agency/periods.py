"""The days a list is filtered by (``from``/``to``, both included) as the instants they start and end at."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def day_span(since: dt.date | None, until: dt.date | None, tz: ZoneInfo) -> tuple[dt.datetime | None, dt.datetime | None]:
    """When ``since`` starts and ``until`` ends (the next day's start) in ``tz``; None for a day not given."""
    start = dt.datetime.combine(since, dt.time(0), tzinfo=tz) if since else None
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(0), tzinfo=tz) if until else None
    return start, end
