"""Entry kinds: one registry, filled by one module per kind family.

Each module in this package declares its kinds with ``register(EntryKind(...))``:
the label, the fields with their units and bounds, the fields it cannot go without,
a ``check`` for rules across fields, the chat keywords and the parser of a line,
its part of the day's summary and its flag rules. The package imports every module
in it, so adding a kind is adding one file (see docs/diary.md, "Adding an entry kind").

``KIND_FIELDS`` / ``REQUIRED`` are the tables derived from it (``bot.diary.schemas`` builds its models from them): the
chat parser's output and the mini-program's JSON are checked against the same one,
and the OpenAPI description is built from it, so none of them can drift apart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import pkgutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol
from zoneinfo import ZoneInfo

from bot.core.errors import BadRequest
from bot.diary import texts
from bot.diary.reading import has
from bot.diary.summary import DaySummary

if TYPE_CHECKING:
    from bot.diary.refs import EngagementLike
    from bot.models import DiaryEntry

URGENT = "urgent"
WATCH = "watch"
# Flags only the agency's supervisors receive, never the family (the safety net: a person checks a line first).
AGENCY_ONLY = frozenset({"needs_review"})
# Flags about a day's count (too few feeds, wet nappies or stools in 24 h): raised when an entry is written, but
# about none of them, so a reader's ⚠️ is not put beside the entry that happened to be last (a wet nappy).
DAY_COUNT_RULES = frozenset({"few_feeds", "few_wet", "few_stools"})


class FlagLike(Protocol):
    @property
    def entry_id(self) -> int | None: ...
    @property
    def rule(self) -> str: ...


def flagged_entries(flags: Iterable[FlagLike]) -> set[int]:
    """The entries a reader sees marked ⚠️: each flag's own entry, except for flags about a day's count."""
    return {f.entry_id for f in flags if f.entry_id is not None and f.rule not in DAY_COUNT_RULES}
# Whom a kind's entries are about: a baby (twins: each entry names which), the mother, or either (a note).
BABY = "baby"
MOTHER = "mother"
EITHER = "either"


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # integer | number | boolean | string | choice | choices
    minimum: float | None = None
    maximum: float | None = None
    options: tuple[str, ...] = ()
    max_len: int = 200


def invalid(name: str, why: str) -> BadRequest:
    """The error for one field's value, naming the field (for ``Field.read`` and ``EntryKind.check``)."""
    return BadRequest(f"字段 {name} 无效：{why} (invalid {name})", code="invalid_field")


DURATION = Field("duration_min", "integer", 0, 24 * 60)
CELSIUS = Field("celsius", "number", 30, 45)


@dataclass(frozen=True)
class Said:
    """A line's body as the kinds' parsers read it: normalised, Chinese numerals before units as digits."""

    text: str
    mother: bool  # the line speaks of the mother (产妇, 妈妈, ...)

    def has(self, *words: str) -> bool:
        return has(self.text, *words)


class Recorded(Protocol):
    """What a flag rule reads of a recorded entry: the entry itself (a ``DiaryEntry``) or a row of its timeline."""

    @property
    def id(self) -> int: ...

    @property
    def occurred_at(self) -> dt.datetime: ...

    @property
    def fields(self) -> dict[str, Any]: ...


class TimelineEntry(NamedTuple):
    """One entry of a kind's timeline, as the flag rules read it: plain values, no ORM object."""

    id: int
    occurred_at: dt.datetime
    fields: dict[str, Any]


@dataclass(frozen=True)
class Alert:
    """What a flag rule found: ``key`` is unique per engagement, so a finding is raised once."""

    key: str
    rule: str
    severity: str  # URGENT | WATCH
    reason: str
    entry: Recorded


class FlagContext(Protocol):
    """What a flag rule may look at besides its entry: the engagement, the clock and the recorded timeline."""

    @property
    def engagement(self) -> EngagementLike: ...

    @property
    def now(self) -> dt.datetime: ...

    @property
    def tz(self) -> ZoneInfo: ...

    def day_of_life(self, moment: dt.datetime) -> int | None:
        """Day 1 is the day of birth (of the entry's baby); None when the agency gave no birth date."""

    def hour_of_age(self, moment: dt.datetime) -> float | None:
        """Hours since the entry's baby was born; None unless the agency gave the time of birth."""

    @property
    def gestation_weeks(self) -> int | None:
        """The entry's baby's gestational age at birth, in completed weeks (None: not given, term is assumed)."""

    @property
    def birth_weight_g(self) -> int | None:
        """The entry's baby's birth weight (None: not given)."""

    @property
    def risk_factors(self) -> tuple[str, ...] | None:
        """The entry's baby's AAP 2022 neurotoxicity risk factors: () when none, None when nobody said."""

    def timeline(self, kind: str, start: dt.datetime, end: dt.datetime) -> list[TimelineEntry]:
        """The engagement's entries of ``kind`` from ``start`` to ``end`` (both included), in time order."""

    def diary_starts(self) -> dt.datetime | None:
        """When the engagement's first entry happened."""

    def clear(self, keys: Sequence[str]) -> None:
        """These findings no longer stand (e.g. a gap between feeds was filled in)."""


def entry_ref(entry: DiaryEntry) -> str:
    """The reading, not the row: an edit that changes the values is a new reading with new flags, while an
    edit that keeps them (a typo in the text) keeps its flags and sends nobody the same alert again."""
    day = entry.occurred_at.astimezone(dt.UTC).date().isoformat()
    reading = json.dumps([entry.kind, entry.fields, day], sort_keys=True, default=str)
    return f"{entry.id}:{hashlib.sha1(reading.encode()).hexdigest()[:12]}"


def hours_text(delta: dt.timedelta) -> str:
    """A span as users read it in a flag: ``4小时30分``."""
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}小时{minutes % 60:02d}分"


def alert(entry: DiaryEntry, rule: str, severity: str, reason: str) -> Alert:
    """A finding about this one entry's reading."""
    return Alert(f"{rule}:{entry_ref(entry)}", rule, severity, reason, entry)


Parser = Callable[[Said], dict[str, Any] | None]
Describe = Callable[[Mapping[str, Any]], str]
Check = Callable[[dict[str, Any]], None]
Summarise = Callable[[DaySummary, Sequence["DiaryEntry"]], None]
SummaryLines = Callable[[DaySummary], list[str]]
FlagRule = Callable[[FlagContext, "DiaryEntry"], list[Alert]]


@dataclass(frozen=True)
class SummaryKey:
    """A total a kind adds to the day's summary (``DaySummary.more``), with its JSON Schema."""

    name: str
    default: Callable[[], Any]
    schema: dict[str, Any]


@dataclass(frozen=True)
class EntryKind:
    """Everything the diary knows about one kind of entry."""

    name: str  # stored in diary_entry.kind (at most 32 characters)
    label: str  # what users read, Simplified Chinese
    order: int  # place in lists: the API's enum of kinds, the lines of the day's summary
    fields: tuple[Field, ...] = ()
    required: tuple[str, ...] = ()
    # Rules across fields, after each field was read on its own; raise ``invalid(name, why)``.
    check: Check | None = None
    # Chat: a line holding any of ``keywords`` is offered to ``parse`` (no keywords: every line is),
    # kinds in ``priority`` order (lower first); ``parse`` returns the fields, or None to pass the line on.
    keywords: tuple[str, ...] = ()
    parse: Parser | None = None
    priority: int = 1000
    # Asked (in ``priority`` order) only once every kind's ``parse`` passed the line on: weak evidence,
    # e.g. a bare "90ml" is a feed unless a kind with a word for it (用药 … 1ml) took the line.
    fallback: Parser | None = None
    # A time range at the start of the line ("22:00-23:30 睡觉") gives ``duration_min``.
    takes_range: bool = False
    # What the nurse should know about how a line was read (the line's body in, a sentence or None out).
    hint: Callable[[str], str | None] | None = None
    # The day's summary: ``summarise`` gets the day's entries of this kind in time order.
    summary_keys: tuple[SummaryKey, ...] = ()
    summarise: Summarise | None = None
    summary_lines: SummaryLines | None = None
    # Flag rules, each called with every newly recorded (or revised) entry of this kind.
    flag_rules: tuple[FlagRule, ...] = ()
    # False: the kind only arrives by another route (a photo message), never as plain JSON.
    postable: bool = True
    # BABY, MOTHER or EITHER: in an engagement with several babies a BABY entry must say which baby.
    about: str = BABY
    # How an entry of this kind reads (``体温 36.8℃``, ``配方奶 90ml``): its fields in, one short line out. None: the
    # label and each field's value in ``fields`` order (``describe_fields``).
    describe: Describe | None = None


KINDS: dict[str, EntryKind] = {}
# Rules that read an entry's whole line whatever its kind (danger signs told in words, bot/diary/kinds/notes.py):
# a sign told beside a feed (喂奶90ml，宝宝抽搐) is found on the feed's entry.
LINE_RULES: list[FlagRule] = []


def register_line_rule(rule: FlagRule) -> FlagRule:
    LINE_RULES.append(rule)
    return rule

# Derived from KINDS, kept up to date by ``register``: the fields of each postable kind in ``order``...
KIND_FIELDS: dict[str, tuple[Field, ...]] = {}
# ... and the fields a kind cannot be recorded without.
REQUIRED: dict[str, tuple[str, ...]] = {}
_IN_ORDER: list[EntryKind] = []
_BY_PRIORITY: list[EntryKind] = []


def celsius_text(value: float) -> str:
    """A temperature as every reader sees it, one decimal always: ``37.0℃``, ``36.8℃``."""
    return f"{float(value):.1f}℃"


def minutes_text(minutes: int) -> str:
    """A span of minutes as people say it: ``45分钟``, ``2小时``, ``1小时30分``."""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest}分钟"
    return f"{hours}小时" + (f"{rest}分" if rest else "")


def value_text(name: str, value: Any) -> str | None:
    """One field's value as readers see it (None: nothing to show, e.g. a false flag)."""
    if value is None or value is False or value == [] or value == "":
        return None
    if value is True:
        return texts.TRUE_LABELS.get(name, name)
    if isinstance(value, list):
        return "、".join(texts.VALUE_LABELS.get(name, {}).get(str(v), str(v)) for v in value)
    if name == "celsius" and isinstance(value, int | float):
        return celsius_text(value)
    if name == "duration_min" and isinstance(value, int | float):
        return minutes_text(int(value))
    if isinstance(value, int | float):
        return f"{value:g}{texts.UNIT_SUFFIXES.get(name, '')}"
    return texts.VALUE_LABELS.get(name, {}).get(str(value), str(value))


def field_parts(kind: EntryKind, fields: Mapping[str, Any], skip: Sequence[str] = ()) -> list[str]:
    """Each field's value as shown, in the kind's ``fields`` order, leaving out ``skip``."""
    return [text for f in kind.fields if f.name not in skip
            if (text := value_text(f.name, fields.get(f.name))) is not None]


def spaced(label: str, parts: Sequence[str]) -> str:
    """``体温 36.8℃``: a label and what follows it, one space apart."""
    return " ".join([label, *parts])


def describe_fields(kind: EntryKind, fields: Mapping[str, Any]) -> str:
    """The plain way an entry reads: its kind's label, then each field's value."""
    return spaced(kind.label, field_parts(kind, fields))


def describe(kind_name: str, fields: Mapping[str, Any]) -> str:
    """An entry as every reader sees it, built from its kind and fields (the kind's own ``describe`` if it has one)."""
    kind = KINDS.get(kind_name)
    if kind is None:
        return kind_name
    return kind.describe(fields) if kind.describe is not None else describe_fields(kind, fields)


def register(kind: EntryKind) -> EntryKind:
    """Add a kind to the registry (each module of this package calls it for its kinds)."""
    if kind.name in KINDS:
        raise ValueError(f"entry kind {kind.name!r} registered twice")
    if len(kind.name) > 32:
        raise ValueError(f"entry kind {kind.name!r} is longer than diary_entry.kind allows")
    names = {f.name for f in kind.fields}
    if not set(kind.required) <= names:
        raise ValueError(f"entry kind {kind.name!r} requires fields it does not have")
    KINDS[kind.name] = kind
    _derive()
    return kind


def unregister(name: str) -> None:
    """Take a kind out again (for tests that register one of their own)."""
    del KINDS[name]
    _derive()


def _derive() -> None:
    ordered = sorted(KINDS.values(), key=lambda k: (k.order, k.name))
    _IN_ORDER[:] = ordered
    _BY_PRIORITY[:] = sorted((k for k in ordered if k.parse is not None), key=lambda k: (k.priority, k.name))
    KIND_FIELDS.clear()
    KIND_FIELDS.update({k.name: k.fields for k in ordered if k.postable})
    REQUIRED.clear()
    REQUIRED.update({k.name: k.required for k in ordered if k.required})


def in_order() -> tuple[EntryKind, ...]:
    """Every kind, in ``order``."""
    return tuple(_IN_ORDER)


def by_priority() -> tuple[EntryKind, ...]:
    """The kinds a chat line is offered to, in the order they are asked."""
    return tuple(_BY_PRIORITY)


def fallbacks() -> tuple[EntryKind, ...]:
    """The kinds that read a line no kind took, in the order they are asked."""
    return tuple(k for k in _BY_PRIORITY if k.fallback is not None)


def field_names(kind: str) -> set[str]:
    return {f.name for f in KIND_FIELDS[kind]}


def _load() -> None:
    """Import every module of this package: each registers its kinds."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        importlib.import_module(f"{__name__}.{info.name}")


_load()
# Kinds that only arrive by other routes (a photo message), never as plain JSON.
NOT_POSTABLE = tuple(k.name for k in in_order() if not k.postable)
