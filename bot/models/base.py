"""The declarative base every model derives from, and the UTC timestamp type they share.

Knows no Flask and no engine: ``bot.store.db`` wires engines and sessions to the app.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, TypeVar

from sqlalchemy import DateTime, FromClause, MetaData, Select
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


_S = TypeVar("_S", bound=Select[Any])


def use_index(statement: _S, table: FromClause, index: str) -> _S:
    """``statement`` reading ``table`` by ``index`` on MariaDB/MySQL (``USE INDEX``); other databases ignore it.

    Before it picks an index, MariaDB's range optimizer estimates the rows of every index whose first column the
    WHERE names by diving into it at both ends of the range. ``diary_entry`` has five that start with
    ``engagement_id``: on a big diary whose pages are not all in memory, each dive is a read from disk, and a
    cold day view made 23 to 31 page reads for its 40 rows where the one index it uses needs 1 to 3.
    For hot reads whose index is never in doubt.
    """
    hint = f"USE INDEX ({index})"
    return statement.with_hint(table, hint, "mysql").with_hint(table, hint, "mariadb")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as naive UTC and always returned timezone-aware (UTC).

    MySQL's DATETIME has no zone and SQLite has no date type at all; storing UTC
    and attaching the zone on the way out keeps both identical.
    """

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name in ("mysql", "mariadb"):
            from sqlalchemy.dialects.mysql import DATETIME

            return dialect.type_descriptor(DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column; attach a time zone")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UTCDateTime()}
