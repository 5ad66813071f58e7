"""A list as an .xlsx download (``?format=xlsx`` on a list page), named with the agency's day."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from urllib.parse import quote

from flask import Response, request

from bot.agency.exports import XLSX_TYPE, Cell, xlsx
from bot.console import today


def wants_xlsx() -> bool:
    return request.args.get("format") == "xlsx"


def xlsx_response(title: str, headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Response:
    """The rows as a workbook, downloaded as ``<title>-<today>.xlsx`` (the Chinese name per RFC 6266)."""
    name = f"{title}-{today().isoformat()}.xlsx"
    disposition = f"attachment; filename=\"export-{today().isoformat()}.xlsx\"; filename*=UTF-8''{quote(name)}"
    return Response(xlsx(title, headers, rows), mimetype=XLSX_TYPE, headers={"Content-Disposition": disposition})
