"""The roster as certkit sees it, and the one Protocol every roster back-end implements."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol, runtime_checkable

from .._text import normalize, suggest
from ..errors import RosterError


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
    who: str = ""  # the person in words, for messages ("Ana Lopez <ana@example.org>")
    person: dict[str, str] = field(default_factory=dict)  # column -> the certificate's name / email


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
    return _fingerprint(tuple(row.get(c) for c in columns))


@lru_cache(maxsize=1 << 16)  # each status write-back reads and matches every row of the sheet again
def _fingerprint(values: tuple[str, ...]) -> str:
    """fingerprint() of the identity cells' text."""
    joined = "\x1f".join(normalize(v) for v in values)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


