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
    # Twins: each baby's own totals (its entries only), in birth order; empty for one baby.
    by_baby: list[BabyTotals] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["date"] = self.date.isoformat()
        data.update(data.pop("more"))
        del data["by_baby"]
        if self.by_baby:
            data["by_baby"] = [{"baby_id": b.baby_id, "label": b.label, **b.summary.to_dict()} for b in self.by_baby]
        return data


@dataclass
class BabyTotals:
    """One baby's share of a day (an engagement with several babies)."""

    baby_id: int
    label: str  # the nickname, or 大宝/小宝
    summary: DaySummary
