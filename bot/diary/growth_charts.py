"""Growth against the WHO Child Growth Standards: weight, length and head circumference by age, with P3–P97.

Domain code: a session and an engagement in, plain values out. The standard is data
(``data/who_growth_0_13_weeks.json``: the WHO tables' LMS parameters for each completed week from
birth to 13 weeks, by sex, with the WHO pages and table names they come from); a percentile curve is
``M * (1 + L*S*z) ** (1/L)`` at the percentile's z, as WHO computes its percentile tables.

A chart needs the baby's age: measurements of a baby whose birth date nobody gave are listed, not
charted. A baby whose sex nobody gave is charted against both the boys' and the girls' curves, and the
chart says so: neither table alone is right for every baby, and an average of the two is no WHO standard.

``layout`` turns a chart into lines and dots in a box; ``svg`` draws it for the day page and the
mini-program, the keepsake draws the same layout with reportlab.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.diary.babies import BabyRef
from bot.diary.refs import EngagementLike, babies_of
from bot.models import DiaryEntry

PATH = Path(__file__).with_name("data") / "who_growth_0_13_weeks.json"
# The percentiles WHO tabulates for this age, and their z (WHO: P3 = -1.881, P15 = -1.036).
PERCENTILES = (("P3", -1.881), ("P15", -1.036), ("P50", 0.0), ("P85", 1.036), ("P97", 1.881))
SEXES = ("male", "female")
SEX_TEXT = {"male": "男孩", "female": "女孩"}
MAX_WEEK = 13
MIN_WEEKS_SHOWN = 6  # a month's service: the chart spans at least six weeks of age
UNKNOWN_SEX_NOTE = "性别未登记：同时画出男孩（蓝）和女孩（粉）的 WHO 标准曲线"
NO_BIRTH_DATE_NOTE = "未登记出生日期，无法按月龄对照 WHO 标准；只列出测量值"
BEYOND_NOTE = "满 13 周以后的测量超出本图范围，未画出"
SOURCE_NOTE = "参考：世界卫生组织（WHO）儿童生长标准，出生至13周，P3/P15/P50/P85/P97"


@dataclass(frozen=True)
class Indicator:
    key: str  # the data file's table
    kind: str  # the diary entry kind that measures it
    field: str  # the entry's field
    scale: float  # field value × scale = the table's unit
    label: str
    unit: str
    digits: int


INDICATORS = (
    Indicator("weight_kg", "weight", "grams", 0.001, "体重", "kg", 2),
    Indicator("length_cm", "length", "cm", 1.0, "身长", "cm", 1),
    Indicator("head_cm", "head", "cm", 1.0, "头围", "cm", 1),
)
BY_KIND = {i.kind: i for i in INDICATORS}


@lru_cache(maxsize=1)
def standard() -> dict[str, dict[str, list[tuple[int, float, float, float]]]]:
    """The WHO LMS tables: indicator → sex → [(week, L, M, S)], checked once."""
    data = json.loads(PATH.read_text(encoding="utf-8"))
    tables: dict[str, dict[str, list[tuple[int, float, float, float]]]] = {}
    for indicator in INDICATORS:
        tables[indicator.key] = {}
        for sex in SEXES:
            rows = [(int(w), float(lv), float(m), float(s)) for w, lv, m, s in data["tables"][indicator.key][sex]]
            if [r[0] for r in rows] != list(range(MAX_WEEK + 1)):
                raise ValueError(f"{PATH.name}: {indicator.key}.{sex} must list weeks 0 to {MAX_WEEK}")
            tables[indicator.key][sex] = rows
    return tables


def sources() -> dict[str, Any]:
    """The WHO pages and table names the data come from (as the data file says)."""
    return dict(json.loads(PATH.read_text(encoding="utf-8"))["sources"])


def lms_value(lv: float, m: float, s: float, z: float) -> float:
    """The measurement at ``z`` for LMS parameters (WHO's formula; L = 0 is the log-normal limit)."""
    if lv == 0:
        return m * math.exp(s * z)
    return float(m * (1 + lv * s * z) ** (1 / lv))


def _lms_at(key: str, sex: str, weeks: float) -> tuple[float, float, float]:
    rows = standard()[key][sex]
    low = min(max(math.floor(weeks), 0), MAX_WEEK)
    high = min(low + 1, MAX_WEEK)
    t = min(max(weeks - low, 0.0), 1.0) if high > low else 0.0
    return tuple(a + (b - a) * t for a, b in zip(rows[low][1:], rows[high][1:], strict=True))  # type: ignore[return-value]


def percentile_of(key: str, sex: str, weeks: float, value: float) -> float:
    """Where ``value`` at ``weeks`` of age stands among children of ``sex`` (0–100), from the LMS z-score."""
    lv, m, s = _lms_at(key, sex, weeks)
    z = math.log(value / m) / s if lv == 0 else ((value / m) ** lv - 1) / (lv * s)
    return 50.0 * (1 + math.erf(float(z) / math.sqrt(2)))


def curves(key: str, sex: str, last_week: int) -> dict[str, list[tuple[int, float]]]:
    """Each percentile's value at every completed week from birth to ``last_week``."""
    return {name: [(week, lms_value(lv, m, s, z)) for week, lv, m, s in standard()[key][sex][:last_week + 1]]
            for name, z in PERCENTILES}


@dataclass(frozen=True)
class Measurement:
    on: dt.date
    value: float  # in the indicator's unit
    age_days: int | None  # None: birth date unknown
    percentile: float | None  # None: no age, no sex, or beyond 13 weeks
    birth: bool = False  # the birth weight the agency gave, not a diary entry


@dataclass
class GrowthChart:
    indicator: Indicator
    sex: str | None
    born_on: dt.date | None
    measurements: list[Measurement]
    last_week: int = MIN_WEEKS_SHOWN
    notes: list[str] = field(default_factory=list)

    @property
    def charted(self) -> list[Measurement]:
        return [m for m in self.measurements if m.age_days is not None and m.age_days <= MAX_WEEK * 7]

    def reference(self) -> dict[str, dict[str, list[tuple[int, float]]]]:
        """The percentile curves drawn: the baby's sex, or both when it is unknown."""
        if self.born_on is None:
            return {}
        return {sex: curves(self.indicator.key, sex, self.last_week) for sex in ((self.sex,) if self.sex else SEXES)}


@dataclass
class BabyGrowth:
    baby_id: int | None
    label: str  # the baby's name on the chart ("" for the only baby)
    sex: str | None
    born_on: dt.date | None
    charts: list[GrowthChart]  # only the indicators measured


def _born_on(baby: BabyRef | None, engagement: EngagementLike, tz: ZoneInfo) -> dt.date | None:
    if baby is not None:
        if baby.born_on is not None:
            return baby.born_on
        if baby.born_at is not None:
            return baby.born_at.astimezone(tz).date()
    return engagement.baby_birth_date


def growth(session: Session, engagement: EngagementLike, tz: ZoneInfo, until: dt.date | None = None) -> list[BabyGrowth]:
    """Every baby's measurements (up to ``until``, local day) and the WHO curves they are read against."""
    babies = babies_of(session, engagement)
    query = select(DiaryEntry.baby_id, DiaryEntry.kind, DiaryEntry.fields, DiaryEntry.occurred_at).where(
        DiaryEntry.engagement_id == engagement.id, DiaryEntry.kind.in_(list(BY_KIND)),
        DiaryEntry.withdrawn_at.is_(None)).order_by(DiaryEntry.occurred_at, DiaryEntry.id)
    rows = [r for r in session.execute(query) if until is None or r.occurred_at.astimezone(tz).date() <= until]
    several = len(babies) > 1
    out = []
    for baby in (babies if babies else (None,)):
        born = _born_on(baby, engagement, tz)
        sex = baby.sex if baby is not None and baby.sex in SEXES else None
        own = [r for r in rows if not several or (baby is not None and r.baby_id == baby.id)]
        birth_weight = baby.birth_weight_g if baby is not None and baby.birth_weight_g else engagement.birth_weight_g
        charts = []
        for indicator in INDICATORS:
            values = []
            if indicator.kind == "weight" and birth_weight and born is not None:
                values.append((born, birth_weight * indicator.scale, True))
            for r in own:
                raw = (r.fields or {}).get(indicator.field)
                if r.kind == indicator.kind and isinstance(raw, int | float) and not isinstance(raw, bool):
                    values.append((r.occurred_at.astimezone(tz).date(), raw * indicator.scale, False))
            if not any(not birth for _, _, birth in values):
                continue  # nothing measured during the service: no chart
            charts.append(_chart(indicator, sex, born, values))
        out.append(BabyGrowth(baby.id if baby else None, baby.label if baby and several else "", sex, born, charts))
    return out


def _chart(indicator: Indicator, sex: str | None, born: dt.date | None,
           values: Sequence[tuple[dt.date, float, bool]]) -> GrowthChart:
    measurements = []
    for on, value, birth in values:
        age = (on - born).days if born is not None else None
        if age is not None and age < 0:
            age = None  # a measurement dated before the birth: the birth date is wrong, the value is kept
        known = age is not None and sex is not None and age <= MAX_WEEK * 7 and value > 0
        share = percentile_of(indicator.key, sex, age / 7, value) if known and sex and age is not None else None
        measurements.append(Measurement(on, round(value, indicator.digits + 1), age, share, birth))
    chart = GrowthChart(indicator, sex, born, measurements)
    ages = [m.age_days for m in chart.charted if m.age_days is not None]
    chart.last_week = min(MAX_WEEK, max(MIN_WEEKS_SHOWN, math.ceil(max(ages, default=0) / 7) + 1))
    if born is None:
        chart.notes.append(NO_BIRTH_DATE_NOTE)
    else:
        if sex is None:
            chart.notes.append(UNKNOWN_SEX_NOTE)
        if len(chart.charted) < sum(1 for m in measurements if m.age_days is not None):
            chart.notes.append(BEYOND_NOTE)
    return chart


# ---- drawing: one layout, drawn as SVG (web, mini-program) and with reportlab (keepsake) ----

COLOURS = {"male": "#3b82c4", "female": "#d0487a"}
POINT = "#1f2937"


@dataclass(frozen=True)
class Line:
    points: tuple[tuple[float, float], ...]
    colour: str
    width: float
    dash: bool
    label: str  # P3 … P97 at its right end


@dataclass(frozen=True)
class Tick:
    at: float
    text: str


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    plot: tuple[float, float, float, float]  # left, top, right, bottom
    lines: tuple[Line, ...]
    dots: tuple[tuple[float, float, str], ...]  # x, y, value text
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    title: str
    x_title: str
    notes: tuple[str, ...]


def layout(chart: GrowthChart, width: float = 340, height: float = 230) -> Layout:
    """The chart in a ``width`` × ``height`` box (y grows downwards, as in SVG)."""
    ind = chart.indicator
    ref = chart.reference()
    left, top, right, bottom = 38.0, 24.0, width - 30.0, height - 34.0
    points = [(m.age_days / 7, m.value) for m in chart.charted if m.age_days is not None]
    values = [v for lines in ref.values() for curve in lines.values() for _, v in curve] + [v for _, v in points]
    low, high = min(values), max(values)
    pad = (high - low) * 0.06 or 1.0
    low, high = low - pad, high + pad
    span_x = float(chart.last_week)

    def at(weeks: float, value: float) -> tuple[float, float]:
        return (round(left + (right - left) * weeks / span_x, 1),
                round(bottom - (bottom - top) * (value - low) / (high - low), 1))

    lines = []
    for sex, per in ref.items():
        colour = COLOURS[sex]  # the baby's sex's colour; both, each its own, when the sex is unknown
        for name, curve in per.items():
            if chart.sex is None and name in ("P15", "P85"):
                continue  # both sexes' five curves would be ten lines: the outer and middle ones suffice
            lines.append(Line(tuple(at(w, v) for w, v in curve), colour, 1.6 if name == "P50" else 0.9,
                              name not in ("P50",), name if chart.sex is not None or sex == "male" else ""))
    dots = tuple((*at(x, v), f"{v:.{ind.digits}f}") for x, v in points)
    step = 1 if chart.last_week <= 8 else 2
    x_ticks = tuple(Tick(at(w, low)[0], str(w)) for w in range(0, chart.last_week + 1, step))
    y_step = _nice_step((high - low) / 5)
    first = math.ceil(low / y_step) * y_step
    y_ticks = tuple(Tick(at(0, v)[1], f"{v:g}") for v in _frange(first, high, y_step))
    who = "" if chart.sex is None else f"（{SEX_TEXT[chart.sex]}）"
    return Layout(width, height, (left, top, right, bottom), tuple(lines), dots, x_ticks, y_ticks,
                  f"{ind.label}（{ind.unit}）· WHO 标准{who}", "月龄（周）", tuple(chart.notes))


def _nice_step(raw: float) -> float:
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    return next(s * power for s in (1, 2, 2.5, 5, 10) if s * power >= raw)


def _frange(start: float, stop: float, step: float) -> list[float]:
    out, value = [], start
    while value <= stop + 1e-9:
        out.append(round(value, 6))
        value += step
    return out


def svg(chart: GrowthChart, element_id: str = "") -> str:
    """The chart as an inline SVG (fonts of the page; no script, no external reference)."""
    if not chart.charted or chart.born_on is None:
        return ""
    lay = layout(chart)
    left, top, right, bottom = lay.plot
    ident = f' id="{escape(element_id)}"' if element_id else ""
    parts = [f'<svg{ident} class="growth-chart" viewBox="0 0 {lay.width:g} {lay.height:g}" width="100%" role="img" '
             f'aria-label="{escape(lay.title)}" xmlns="http://www.w3.org/2000/svg">',
             f'<text x="{left}" y="14" class="g-title">{escape(lay.title)}</text>',
             f'<rect x="{left}" y="{top}" width="{right - left:g}" height="{bottom - top:g}" fill="#fafafa" '
             'stroke="#e5e7eb"/>']
    for tick in lay.y_ticks:
        parts.append(f'<line x1="{left}" x2="{right}" y1="{tick.at}" y2="{tick.at}" stroke="#eeeeee"/>'
                     f'<text x="{left - 4}" y="{tick.at + 3}" text-anchor="end">{tick.text}</text>')
    for tick in lay.x_ticks:
        parts.append(f'<text x="{tick.at}" y="{bottom + 13}" text-anchor="middle">{tick.text}</text>')
    parts.append(f'<text x="{(left + right) / 2}" y="{bottom + 27}" text-anchor="middle">{escape(lay.x_title)}</text>')
    for line in lay.lines:
        path = " ".join(f"{x},{y}" for x, y in line.points)
        dash = ' stroke-dasharray="4 3"' if line.dash else ""
        parts.append(f'<polyline points="{path}" fill="none" stroke="{line.colour}" stroke-width="{line.width}"{dash}/>')
        if line.label:
            x, y = line.points[-1]
            parts.append(f'<text x="{x + 3}" y="{y + 3}" class="g-label">{line.label}</text>')
    for x, y, text in lay.dots:
        parts.append(f'<circle cx="{x}" cy="{y}" r="3.5" fill="{POINT}"><title>{escape(text)}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


def as_json(babies: Sequence[BabyGrowth]) -> dict[str, Any]:
    """The mini-program's growth data: every baby's measurements, the curves and the chart as SVG."""
    out = []
    for baby in babies:
        charts = []
        for chart in baby.charts:
            charts.append({
                "indicator": chart.indicator.key, "label": chart.indicator.label, "unit": chart.indicator.unit,
                "measurements": [{"date": m.on.isoformat(), "value": m.value, "age_days": m.age_days,
                                  "percentile": None if m.percentile is None else round(m.percentile, 1),
                                  "birth": m.birth} for m in chart.measurements],
                "percentiles": {sex: {name: [[w, round(v, 3)] for w, v in curve] for name, curve in per.items()}
                                for sex, per in chart.reference().items()},
                "notes": chart.notes, "svg": svg(chart),
            })
        out.append({"baby_id": baby.baby_id, "label": baby.label, "sex": baby.sex,
                    "born_on": baby.born_on.isoformat() if baby.born_on else None, "charts": charts})
    return {"babies": out, "standard": SOURCE_NOTE, "sources": sources()}


def percentile_text(m: Measurement) -> str:
    """约 P42 (the measurement's place among its sex's children), or "" when it cannot be said."""
    if m.percentile is None:
        return ""
    return f"约 P{max(1, min(99, round(m.percentile)))}"
