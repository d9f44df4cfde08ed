"""The roster as certkit sees it, and the one Protocol every roster back-end implements."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from .._text import normalize, suggest
from ..errors import RosterChanged, RosterError


def find_column(header: Iterable[str], name: str) -> str:
    """The header that `name` means: exact first, then ignoring case and spacing; '' if none.

    The one column lookup of every roster back-end, the checks and the run."""
    if not name:
        return ""
    names = header if isinstance(header, (dict, set, frozenset)) else list(header)
    if name in names:
        return name
    folded = normalize(name)
    return next((h for h in names if normalize(h) == folded), "")


@dataclass(frozen=True)
class Row:
    """One roster row: its number as the organizer sees it in the sheet, and header -> text."""

    number: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        """The cell's text for `column`, its name matched as the header parser matches it
        (exact, then ignoring case and spacing); "" when the column or the cell is empty."""
        if column in self.values:
            return self.values[column] or ""
        return self.values.get(find_column(self.values, column), "") or ""


@dataclass
class Roster:
    """A whole roster: header names in sheet order, the data rows, and where it came from."""

    header: list[str]
    rows: list[Row]
    source: str
    header_row: int = 1

    def column(self, name: str) -> str:
        """The header `name` means (exact, then ignoring case and spacing), or a RosterError
        that suggests the closest one."""
        found = find_column(self.header, name)
        if found:
            return found
        raise RosterError(
            f"The roster has no column '{name}'.{suggest(name, self.header)} "
            "Fix the column name in the sheet or in event.toml.",
            column=name,
        )


@dataclass
class StatusUpdate:
    """Status cells for one row, with what is needed to find that row again safely."""

    row_number: int
    fingerprint: str
    values: dict[str, str]  # status kind (see STATUS_KINDS) -> text
    certificate_id: str = ""
    extra: dict[str, str] = field(default_factory=dict)  # other column -> text (e.g. corrected email)


@runtime_checkable
class RosterSource(Protocol):
    """Reads a roster and writes status cells back; one class per back-end (xlsx, csv, sheets)."""

    def read(self) -> Roster:
        """Read the whole roster (one request for remote sources)."""
        ...

    def write(self, updates: Sequence[StatusUpdate]) -> None:
        """Write the status cells of `updates` (one request for remote sources); raise RosterChanged
        rather than write to a row that cannot be found again."""
        ...


def fingerprint(row: Row, columns: Sequence[str]) -> str:
    """A short stable hash of the identity columns (e.g. email and name) to find a row again."""
    joined = "\x1f".join(normalize(row.get(c)) for c in columns)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


def locate_rows(
    updates: Sequence[StatusUpdate],
    rows: Sequence[Row],
    id_column: str,
    identity: Sequence[str],
) -> dict[int, int]:
    """Map each update (by index) to the row number it belongs to now, or raise RosterChanged.

    A row is found by its certificate ID first (an ID in several rows: the one that has the same
    fingerprint), then by its fingerprint; its old position is used
    only when the row there still has the same fingerprint. Ambiguity is never guessed at.
    """
    by_id: dict[str, list[int]] = {}
    by_print: dict[str, list[int]] = {}
    at: dict[int, Row] = {}
    for row in rows:
        at[row.number] = row
        cid = row.get(id_column).strip() if id_column else ""
        if cid:
            by_id.setdefault(cid, []).append(row.number)
        by_print.setdefault(fingerprint(row, identity), []).append(row.number)
    found: dict[int, int] = {}
    for i, up in enumerate(updates):
        ids = by_id.get(up.certificate_id, []) if up.certificate_id else []
        if len(ids) > 1:  # an ID pasted into another row: the row that is this person holds it
            ids = [n for n in ids if fingerprint(at[n], identity) == up.fingerprint] or ids
        if len(ids) == 1:
            found[i] = ids[0]
            continue
        if len(ids) > 1:
            raise RosterChanged(
                f"Certificate ID {up.certificate_id} appears in {len(ids)} rows "
                f"({', '.join(map(str, ids))}). Remove the copies, then run again.",
                column=id_column,
            )
        same = at.get(up.row_number)
        if same is not None and fingerprint(same, identity) == up.fingerprint:
            found[i] = up.row_number
            continue
        matches = by_print.get(up.fingerprint, [])
        if len(matches) == 1:
            found[i] = matches[0]
            continue
        raise RosterChanged(
            f"The row that was row {up.row_number} can no longer be found "
            f"({'it appears twice' if matches else 'it was changed or deleted'}). Nothing was "
            "written for it; its status is kept in the ledger and written on the next run.",
            row=up.row_number,
        )
    return found
