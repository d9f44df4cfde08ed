"""The header row, read one way for every roster back-end (CSV, XLSX, Google Sheets).

One parser turns the records below `header_row` into rows keyed by column name; one lookup finds
a column by name (exact first, then ignoring case and spacing), so a CSV with a `status` column
gets no second `Status` column, just as a Google Sheet does not.
"""

from __future__ import annotations

from collections.abc import Sequence

from .._text import normalize
from ..errors import RosterError
from ._roster import Row, find_column


def parse_table(records: Sequence[Sequence[str]], header_row: int = 1) -> tuple[list[str], list[Row]]:
    """Header names (stripped, trailing blanks dropped) and every non-empty row below them.

    `records` are the sheet's rows from row 1, each a list of cell texts. Raises RosterError for
    a blank or duplicated column name, naming the cell to fix.
    """
    if len(records) < header_row:
        raise RosterError(
            f"Row {header_row} of the roster is empty: the first row must hold the column names "
            "(or set header_row in event.toml).",
            row=header_row,
        )
    header = [str(h).strip() for h in records[header_row - 1]]
    while header and not header[-1]:
        header.pop()
    check_header(header, header_row)
    width = len(header)
    rows = []
    for number, cells in enumerate(records[header_row:], start=header_row + 1):
        cells = list(cells[:width]) + [""] * (width - len(cells))
        if any(c.strip() for c in cells):
            rows.append(Row(number, dict(zip(header, cells))))
    return header, rows


def column_number(header: Sequence[str], name: str) -> int | None:
    """1-based position of the column `name` means (see find_column), or None."""
    found = find_column(header, name)
    return list(header).index(found) + 1 if found else None


def status_targets(
    header: Sequence[str], names: Sequence[str], width: int = 0
) -> tuple[dict[str, int], list[str]]:
    """Column name -> 1-based column for each of `names`, and the names to create.

    An existing column is found case-insensitively; a missing one goes after the last used
    column (`width`, at least the header's length), in the order given.
    """
    index: dict[str, int] = {}
    created: list[str] = []
    used = max(width, len(header))
    for name in names:
        if name in index:
            continue
        col = column_number(header, name)
        if col is None:
            used += 1
            col = used
            created.append(name)
        index[name] = col
    return index, created


def check_header(header: Sequence[str], header_row: int = 1) -> None:
    """Refuse blank or duplicate header names, naming the columns, before anything runs."""
    seen: dict[str, int] = {}
    last = max((i for i, h in enumerate(header) if h.strip()), default=-1)
    if last < 0:
        raise RosterError(
            f"Row {header_row} of the roster is empty: the first row must hold the column names "
            "(or set header_row in event.toml).",
            row=header_row,
        )
    for i, name in enumerate(header[: last + 1]):
        letter = column_letter(i + 1)
        if not name.strip():
            raise RosterError(
                f"Column {letter} has no name in the header row. Type a name into cell "
                f"{letter}{header_row}, or delete the column.",
                row=header_row,
            )
        key = normalize(name)
        if key in seen:
            raise RosterError(
                f"Two columns are both called '{name}' (columns {column_letter(seen[key] + 1)} and "
                f"{letter}). Rename one of them.",
                row=header_row,
                column=name,
            )
        seen[key] = i


def column_letter(index: int) -> str:
    """Spreadsheet column letters for a 1-based index (1 -> A, 27 -> AA)."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
