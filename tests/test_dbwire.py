"""bot.dbwire reads every result exactly as PyMySQL does: the same descriptions and the same values.

Both connections talk to the same MariaDB with the engine's own converters; each query is asked
twice on ``bot.dbwire`` (the second time from the remembered descriptions) and compared, value
for value and type for type, with plain PyMySQL.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterator
from typing import Any

import pymysql
import pytest
from pymysql.connections import MySQLResult
from pymysql.cursors import SSCursor
from pymysql.protocol import MysqlPacket
from sqlalchemy import make_url, text

from bot import dbwire
from bot.db import _CONVERSIONS, make_engine
from tests.conftest import MYSQL_SERVER_URL, _mysql_or_skip

# Every MariaDB type the schema uses, and the edges of the row encoding: NULL, a value of 250, 251 and
# 65,536 bytes (one-, three- and four-byte lengths), binary, JSON, zero and impossible dates.
LITERALS = (
    "SELECT 1, NULL, -5, 18446744073709551615, 2.5e0, CAST(1.25 AS DECIMAL(10,3)), 'text', '中文，😀',"
    " CAST('2026-12-03 10:00:00.123456' AS DATETIME(6)), CAST('2026-12-03 10:00:00' AS DATETIME),"
    " CAST('2026-12-03' AS DATE), CAST('10:11:12' AS TIME), CAST('-838:59:59' AS TIME), X'00FF10', b'101',"
    " JSON_OBJECT('a', 1, 'b', '中'), REPEAT('x', 250), REPEAT('y', 251), REPEAT('中', 21846), ''"
)
TABLE = """CREATE TEMPORARY TABLE wire (
    id INT PRIMARY KEY AUTO_INCREMENT, small TINYINT, big BIGINT, flag BOOLEAN, amount DECIMAL(8,2),
    ratio DOUBLE, name VARCHAR(64), body TEXT, raw VARBINARY(32), blob_ BLOB, doc JSON,
    at DATETIME(6), day DATE, stamp TIMESTAMP NULL, zero DATETIME NULL, kind ENUM('a','b')
) CHARACTER SET utf8mb4"""
ROWS = [
    "(1, 9007199254740993, 1, 12.34, 0.1, '王阿姨', '喂奶 90ml', X'0001', X'FFFE', '{\"ml\": 90}',"
    " '2026-11-23 10:00:00.5', '2026-11-23', '2026-11-23 10:00:00', '2026-11-23 10:00:00', 'a')",
    "(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
    "(-1, -1, 0, -0.5, 1e300, '', REPEAT('长', 5000), '', X'', '[]', '1000-01-01 00:00:00',"
    " '9999-12-31', NULL, '0000-00-00 00:00:00', 'b')",
]


def _connect(kind: type[pymysql.connections.Connection], database: str) -> pymysql.connections.Connection:
    url = make_url(MYSQL_SERVER_URL)
    return kind(host=url.host or "127.0.0.1", port=url.port or 3306, user=url.username or "root",
                password=url.password or "", database=database, charset="utf8mb4", conv=_CONVERSIONS)


@pytest.fixture
def both() -> Iterator[tuple[pymysql.connections.Connection, pymysql.connections.Connection]]:
    server = _mysql_or_skip()
    name = f"anxin_test_wire_{uuid.uuid4().hex[:12]}"
    with server.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    plain, wire = _connect(pymysql.connections.Connection, name), _connect(dbwire.Connection, name)
    for conn in (plain, wire):
        with conn.cursor() as cursor:
            cursor.execute("SET SESSION sql_mode = ''")  # let the zero date in
            cursor.execute(TABLE)
            cursor.execute("INSERT INTO wire (small, big, flag, amount, ratio, name, body, raw, blob_, doc, at, day,"
                           " stamp, zero, kind) VALUES " + ", ".join(ROWS))
    yield plain, wire
    plain.close()
    wire.close()
    with server.cursor() as cursor:
        cursor.execute(f"DROP DATABASE `{name}`")
    server.close()


def _typed(rows: Any) -> list[list[tuple[type, Any]]]:
    return [[(type(value), value) for value in row] for row in rows]


def _ask(conn: pymysql.connections.Connection, sql: str, cursor_class: Any = None) -> tuple[Any, Any]:
    with conn.cursor(cursor_class) as cursor:
        cursor.execute(sql)
        return cursor.description, _typed(cursor.fetchall())


@pytest.mark.parametrize("sql", [
    LITERALS,
    "SELECT * FROM wire ORDER BY id",
    "SELECT id AS other_name, name AS 名字 FROM wire ORDER BY id",  # same columns, other descriptions
    "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_DEFAULT, IS_NULLABLE, DATA_TYPE,"
    " CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, COLUMN_TYPE FROM information_schema.COLUMNS"
    " ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION",
])
def test_same_descriptions_and_values_as_pymysql(both: Any, sql: str) -> None:
    plain, wire = both
    expected = _ask(plain, sql)
    assert expected[1], "the query returned rows"
    assert _ask(wire, sql) == expected
    assert _ask(wire, sql) == expected  # from the descriptions it remembered
    assert wire.described, "the descriptions were remembered"


def test_values_are_the_types_the_app_reads(both: Any) -> None:
    _, wire = both
    _, rows = _ask(wire, "SELECT * FROM wire ORDER BY id")
    first = [value for _, value in rows[0]]
    assert first[1:6] == [1, 9007199254740993, 1, decimal.Decimal("12.34"), 0.1]
    assert first[6:11] == ["王阿姨", "喂奶 90ml", b"\x00\x01", b"\xff\xfe", '{"ml": 90}']
    assert first[11:13] == [dt.datetime(2026, 11, 23, 10, 0, 0, 500000), dt.date(2026, 11, 23)]
    assert [value for _, value in rows[1]][1:] == [None] * 15
    assert [value for _, value in rows[2]][14] == "0000-00-00 00:00:00"  # PyMySQL's answer to a zero date


def test_unbuffered_reads_match(both: Any) -> None:
    plain, wire = both
    sql = "SELECT * FROM wire ORDER BY id"
    assert _ask(wire, sql, SSCursor) == _ask(plain, sql, SSCursor)


def test_errors_and_writes_still_pymysqls(both: Any) -> None:
    _, wire = both
    with wire.cursor() as cursor:
        with pytest.raises(pymysql.err.ProgrammingError):
            cursor.execute("SELECT * FROM no_such_table")
        assert cursor.execute("UPDATE wire SET small = small + 1 WHERE small IS NOT NULL") == 2
        cursor.execute("SELECT COUNT(*) FROM wire WHERE small = 2")
        assert cursor.fetchone() == (1,)


@pytest.mark.parametrize("data", [
    b"\x05hello\xfb\x0242",
    b"\xfc\x00\x01" + b"a" * 256 + b"\x01b" + b"\x0242",
    b"\xfd\x00\x00\x01" + b"c" * 65536,
    b"\xfe" + (3).to_bytes(8, "little") + b"xyz\xfb",
    b"\x02hi",  # fewer values than columns
])
def test_row_encoding_read_as_pymysql_reads_it(data: bytes) -> None:
    converters: list[tuple[str | None, Any]] = [("utf8", None), (None, None), ("ascii", int)]
    result = MySQLResult(None)
    result.converters = converters
    expected = result._read_row_from_packet(MysqlPacket(data, "utf8"))
    assert dbwire.read_row(data, converters) == expected


def test_a_truncated_row_is_refused() -> None:
    with pytest.raises(pymysql.err.InternalError):
        dbwire.read_row(b"\x09short", [("utf8", None)])


def test_the_engine_uses_it(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("PyMySQL is MariaDB's driver")
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT '月子日记'")).scalar_one() == "月子日记"
            assert isinstance(conn.connection.dbapi_connection, dbwire.Connection)
    finally:
        engine.dispose()
