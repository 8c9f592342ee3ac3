"""CSV for spreadsheets, shared by the desk's ``posko export`` and the central system's
statistics downloads: members of a zip archive, UTF-8 with a byte-order mark so Excel opens
them, every cell that a spreadsheet would run as a formula kept as text."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence

Row = Sequence[object]

# A cell a spreadsheet would run as a formula when the CSV is opened ("=HYPERLINK(…)" typed
# by a citizen into a report): written with a leading apostrophe, which keeps it text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_STARTS = frozenset(_FORMULA_START)
# A plain number ("-3", a stock count gone below zero) is not a formula: it stays a number.
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def inert(value: object) -> object:
    """``value``, with a leading apostrophe if it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_member(archive: zipfile.ZipFile, name: str, header: Row, rows: Iterable[Row]) -> None:
    """``name``.csv in ``archive``: ``header``, then ``rows`` as they come (streamed)."""
    with archive.open(f"{name}.csv", "w", force_zip64=True) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        out = csv.writer(text)
        out.writerow(header)
        # ``inert``, inlined: this runs for every cell of 100,000s of rows.
        out.writerows(
            [
                "'" + value
                if value.__class__ is str and value[:1] in _STARTS and not _NUMBER.fullmatch(value)
                else value
                for value in row
            ]
            for row in rows
        )
        text.flush()
        text.detach()


__all__ = ["Row", "csv_member", "inert"]
