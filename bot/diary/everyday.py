"""Everyday records told in ordinary writing, as data (``bot/diary/data/everyday.yaml``).

Mothers' blogs, Q&A pages and news features tell the mother's meals, mood and breasts, the milk she expressed and
whose sleep it was in a story rather than in the diary's words: 我把一大碗羊肚全部吃掉 is a meal eaten up,
跟母亲的沟通不良让我的心情直线掉到谷底 a low mood, 胸部硬到像石块 an engorged breast, 挤到手快抽筋也只有1ml no
feed. The words are data so a reviewer reads them without the code; the file is read once and checked at import
(a mistake stops the start with the section and field named), and every example is a real public sentence with its
source, read by ``tests/diary/test_everyday_told.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from bot.diary.datafile import read_checked

__all__ = ["EVERYDAY", "Everyday", "EverydayError", "load"]

PATH = Path(__file__).with_name("data") / "everyday.yaml"

Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
Words = Annotated[list[Word], Field(min_length=1)]
Source = Annotated[str, StringConstraints(pattern=r"^https?://")]


class EverydayError(ValueError):
    """The file cannot be used: what is wrong and where."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Example(_Strict):
    """A real public sentence and what it tells (the fields its kind reads from it, when it names them)."""

    text: Annotated[str, StringConstraints(min_length=2)]
    source: Source
    meal: str | None = None
    eaten: str | None = None
    mood: str | None = None
    conditions: list[str] | None = None


class Meals(_Strict):
    eating: Words
    servings: Words
    dishes: Words
    parts_of_day: dict[str, Words]
    eaten: dict[str, Words]
    as_time: Words
    examples: Annotated[list[Example], Field(min_length=2)]
    quiet: list[Example] = []


class Mood(_Strict):
    named: Words
    low: Words
    good: Words
    described_low: Words
    described_good: Words
    self: Words
    others: Words
    not_mood: Words
    examples: Annotated[list[Example], Field(min_length=2)]
    quiet: list[Example] = []


class Breast(_Strict):
    named: Words
    places: Words
    states: Words
    conditions: dict[str, Words]
    not_engorged: Words
    latch: Words
    examples: Annotated[list[Example], Field(min_length=2)]
    quiet: list[Example] = []


class Expressing(_Strict):
    verbs: Words
    given: Words
    examples: Annotated[list[Example], Field(min_length=1)]


class Sleep(_Strict):
    habit: Words
    writer: Words
    putting_to_sleep: Words
    examples: Annotated[list[Example], Field(min_length=2)]


class Everyday(_Strict):
    version: int
    meals: Meals
    mood: Mood
    breast: Breast
    expressing: Expressing
    sleep: Sleep


def load(path: Path = PATH) -> Everyday:
    """Read and check the file; ``EverydayError`` names what is wrong and where."""
    return read_checked(path, Everyday, EverydayError)


EVERYDAY = load()
