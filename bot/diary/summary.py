"""The totals of one diary day, filled in by each entry kind's ``summarise`` hook."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class DaySummary:
    """Totals of one day, for the chat summary, the digest and the charts."""

    date: dt.date
    entries: int = 0
    feeds: int = 0
    feed_ml: int = 0
    breast_min: int = 0
    nappies: int = 0
    wet: int = 0
    dirty: int = 0
    sleep_min: int = 0
    temperatures_celsius: list[float] = field(default_factory=list)
    mother_temperatures_celsius: list[float] = field(default_factory=list)
    flags: int = 0
    # Totals of kinds added later, by the names their modules declare (``EntryKind.summary_keys``);
    # ``to_dict`` puts them beside the others.
    more: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["date"] = self.date.isoformat()
        data.update(data.pop("more"))
        return data
