"""PyMySQL's connection, reading result sets with less Python: the engine's MySQL/MariaDB connections.

PyMySQL parses the protocol in pure Python, and on Anxin's hot paths that parsing is a tenth of a
request's CPU. Two parts of it repeat the same work on every query:

* **Column descriptions.** Every result set starts with one packet per column (catalog, schema, table,
  column name, type, charset, length, flags), which PyMySQL parses into a ``FieldDescriptorPacket``,
  a DB-API description and a decoder: six length-coded strings, four decodes and a struct per column.
  A query asked again sends the same bytes, so each connection keeps what it made of them, keyed by
  the packet's bytes (a packet that differs in any byte is parsed afresh).
* **Rows.** Each value is read through four method calls of a packet object. Here one loop walks the
  row's bytes.

Everything else (sending, packet framing and sequence numbers, errors, OK and EOF packets, several
result sets, unbuffered reads) is PyMySQL's own; what a query returns is the same, value for value
(``tests/test_dbwire.py`` compares both on every column type the schema uses).

It also saves a transaction's COMMIT its own round trip. A statement executed with the execution option
``COMMIT_WITH`` (a chat message's own row, the last statement of its transaction) goes to the server
as one packet with the COMMIT after it (connections are opened with ``CLIENT.MULTI_STATEMENTS``); when
the server has answered both, the transaction's ``commit()`` has nothing left to send and sends nothing.
Any other command on the connection in between (a statement, a rollback, a ping) cancels that, so a
``commit()`` after more work commits it. If the statement fails, the server never runs the COMMIT; if the
COMMIT fails, the statement's execution raises its error, as ``commit()`` would have.
"""

from __future__ import annotations

from typing import Any

from pymysql import converters as pymysql_converters
from pymysql.connections import TEXT_TYPES, MySQLResult
from pymysql.connections import Connection as PyMySQLConnection
from pymysql.constants import FIELD_TYPE
from pymysql.cursors import Cursor
from pymysql.err import InternalError
from pymysql.protocol import FieldDescriptorPacket

_BINARY = 63  # the charset number of binary columns (BLOB, VARBINARY): no decoding
# A connection remembers this many distinct column descriptions (the app's queries use a few hundred);
# past it, it starts again, so a stream of ad-hoc queries cannot grow it without bound.
DESCRIPTIONS_KEPT = 4096

# The execution option that sends a statement with its transaction's COMMIT (see the module's docstring).
COMMIT_WITH = "anxin_commit_with"

_Described = tuple[FieldDescriptorPacket, tuple[Any, ...], tuple[str | None, Any]]


class Connection(PyMySQLConnection):  # type: ignore[misc]  # PyMySQL ships no type information
    """A PyMySQL connection whose results are read by :class:`_Result`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.described: dict[bytes, _Described] = {}
        # The last command sent carried the transaction's COMMIT, and the server has committed it.
        self.committed = False
        super().__init__(*args, **kwargs)

    def _execute_command(self, command: int, sql: Any) -> None:
        self.committed = False  # whatever this is, a commit() after it has it to commit
        super()._execute_command(command, sql)

    def commit(self) -> None:
        if self.committed:  # the statement before was sent with this transaction's COMMIT
            self.committed = False
            return
        super().commit()

    def execute_and_commit(self, cursor: Cursor, statement: str, parameters: Any) -> None:
        """Execute ``statement`` and COMMIT in one packet; ``cursor`` holds the statement's result, as after
        ``cursor.execute`` (its rows too: an ``INSERT … RETURNING``). Raises the statement's error (nothing
        committed) or the COMMIT's."""
        cursor.execute(statement + ";COMMIT", parameters)
        # A buffered cursor has read the statement's whole result; the COMMIT's OK then replaces it.
        kept = cursor._result, cursor.description, cursor._rows, cursor.rowcount, cursor.lastrowid
        if not cursor.nextset():
            raise InternalError("the COMMIT sent after the statement gave no result")
        cursor._result, cursor.description, cursor._rows, cursor.rowcount, cursor.lastrowid = kept
        cursor.rownumber = 0
        self.committed = True

    def _read_query_result(self, unbuffered: bool = False) -> int:
        # PyMySQL's own, with the result class changed.
        self._result = None
        result = _Result(self)
        if unbuffered:
            result.init_unbuffered_query()
        else:
            result.read()
        self._result = result
        if result.server_status is not None:
            self.server_status = result.server_status
        affected: int = result.affected_rows
        return affected


class _Result(MySQLResult):  # type: ignore[misc]
    def _get_descriptions(self) -> None:
        connection: Connection = self.connection
        described = connection.described
        if len(described) > DESCRIPTIONS_KEPT:
            described.clear()
        fields, converters, description = [], [], []
        for _ in range(self.field_count):
            data: bytes = connection._read_packet().get_all_data()
            known = described.get(data)
            if known is None:
                known = described[data] = _describe(connection, data)
            fields.append(known[0])
            description.append(known[1])
            converters.append(known[2])
        self.fields, self.converters = fields, converters
        eof = connection._read_packet()
        if not eof.is_eof_packet():
            raise InternalError("Protocol error, expecting EOF")
        self.description = tuple(description)

    def _read_row_from_packet(self, packet: Any) -> tuple[Any, ...]:
        return read_row(packet.get_all_data(), self.converters)


def _describe(connection: Connection, data: bytes) -> _Described:
    """What PyMySQL's ``MySQLResult._get_descriptions`` makes of one column's packet."""
    field = FieldDescriptorPacket(data, connection.encoding)
    field_type = field.type_code
    encoding: str | None
    if not connection.use_unicode:
        encoding = None
    elif field_type == FIELD_TYPE.JSON:
        encoding = connection.encoding  # JSON is decoded with the connection's encoding whatever its charset
    elif field_type in TEXT_TYPES:
        encoding = None if field.charsetnr == _BINARY else connection.encoding
    else:
        encoding = "ascii"  # numbers, dates and times
    converter = connection.decoders.get(field_type)
    if converter is pymysql_converters.through:
        converter = None
    return field, field.description(), (encoding, converter)


def read_row(data: bytes, converters: list[tuple[str | None, Any]]) -> tuple[Any, ...]:
    """A text-protocol row: each value a length-encoded string (0xFB: NULL), decoded and converted."""
    row: list[Any] = []
    append = row.append
    end = len(data)
    pos = 0
    for encoding, converter in converters:
        if pos >= end:  # fewer values than columns: as PyMySQL, the row stops there
            break
        first = data[pos]
        if first < 0xFB:
            length = first
            pos += 1
        elif first == 0xFB:
            append(None)
            pos += 1
            continue
        elif first == 0xFC:
            length = data[pos + 1] | data[pos + 2] << 8
            pos += 3
        elif first == 0xFD:
            length = data[pos + 1] | data[pos + 2] << 8 | data[pos + 3] << 16
            pos += 4
        else:
            length = int.from_bytes(data[pos + 1:pos + 9], "little")
            pos += 9
        value: Any = data[pos:pos + length]
        pos += length
        if pos > end:
            raise InternalError(f"row packet of {end} bytes ends inside a value")
        if encoding is not None:
            value = value.decode(encoding)
        if converter is not None:
            value = converter(value)
        append(value)
    return tuple(row)
