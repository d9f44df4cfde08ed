"""Choosing rows for a preview or a test send: a representative sample, or rows typed as "3,7-9"."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from .._text import clean_text
from ..config import Event
from ..docs import slot_of
from ..errors import ConfigError
from ..findings import Report
from ..sheets import Roster, Row
from ._eligibility import eligible_rows

MAX_ROWS = 100_000
_PART = re.compile(r"^(\d+)(?:\s*[-–]\s*(\d+))?$")



def parse_rows(spec: str) -> list[int]:
    """Sheet row numbers from text like "3,7-9" (-> [3, 7, 8, 9]); ConfigError saying what is wrong."""
    numbers: set[int] = set()
    parts = [p.strip() for p in spec.replace(";", ",").split(",")]
    if not any(parts):
        raise ConfigError("No rows given. Write row numbers as in the sheet, like 3,7-9.")
    for part in parts:
        if not part:
            continue
        m = _PART.match(part)
        if not m:
            raise ConfigError(f"'{part}' in '{spec}' is not a row number or a range. "
                              "Write rows like 3,7-9 (numbers as in the sheet).")
        first = int(m.group(1))
        last = int(m.group(2)) if m.group(2) else first
        if first < 1:
            raise ConfigError(f"Row {first} does not exist: rows are numbered from 1, as in the "
                              "sheet.")
        if last < first:
            raise ConfigError(f"The range '{part}' runs backwards; write {last}-{first}.")
        if last - first >= MAX_ROWS:
            raise ConfigError(f"The range '{part}' is too long; give at most {MAX_ROWS} rows.")
        numbers.update(range(first, last + 1))
    return sorted(numbers)


def check_selection(roster: Roster, rows: Iterable[int]) -> list[int]:
    """The selected row numbers, or ConfigError naming those that are not data rows."""
    present = {r.number for r in roster.rows}
    chosen = sorted(set(rows))
    header = [n for n in chosen if n == roster.header_row]
    if header:
        raise ConfigError(f"Row {header[0]} is the header row (the column names); choose data "
                          "rows.")
    missing = [n for n in chosen if n not in present]
    if missing:
        span = (f"rows {min(present)}-{max(present)}" if present else "no rows")
        raise ConfigError(f"Row(s) {', '.join(map(str, missing[:10]))} are not in the roster "
                          f"(it has {span}).")
    return chosen


def representative_sample(
    roster: Roster, event: Event, n: int, *, report: Report | None = None
) -> list[Row]:
    """Up to `n` eligible rows that show the template's hard cases: longest name, non-Latin
    scripts, accents, optional fields empty and filled, longest value per column."""
    return [row for row, _ in sample_reasons(roster, event, n, report=report)]


def sample_reasons(
    roster: Roster, event: Event, n: int, *, report: Report | None = None
) -> list[tuple[Row, str]]:
    """The representative sample with why each row was picked."""
    if n < 1:
        raise ConfigError("The sample size must be 1 or more.")
    kept, _ = eligible_rows(event, roster)
    blocked = report.blocking_rows() if report else {}
    rows = [r for r in kept if r.number not in blocked]
    name_col = event.roster.name_column
    picks: dict[int, tuple[Row, str]] = {}

    def pick(row: Row | None, why: str) -> None:
        if row is not None and row.number not in picks and len(picks) < n:
            picks[row.number] = (row, why)

    def text(row: Row, col: str) -> str:
        return clean_text(row.get(col))

    if not rows:
        return []
    pick(max(rows, key=lambda r: len(text(r, name_col))), "longest name")
    for kind, why in (("asian", "Chinese/Japanese/Korean name"),
                      ("complex", "right-to-left or complex-script name"),
                      ("accent", "name with accents or other non-ASCII letters")):
        pick(next((r for r in rows if _script(text(r, name_col)) == kind), None), why)
    columns = _used_columns(event, roster.header)
    for col in columns:
        filled = [r for r in rows if text(r, col)]
        if filled and len(filled) < len(rows):
            pick(next(r for r in rows if not text(r, col)), f"'{col}' empty")
            pick(filled[0], f"'{col}' filled")
    for col in columns:
        if col != name_col:
            pick(max(rows, key=lambda r, c=col: len(text(r, c))), f"longest '{col}'")
    for row in rows:
        pick(row, "first rows")
    return list(picks.values())


def _script(name: str) -> str:
    """'asian', 'complex', 'accent' (other non-ASCII letters) or '' for a plain ASCII name."""
    slots = {slot_of(ch) for ch in name if ch.isalpha()}
    if "asian" in slots:
        return "asian"
    if "complex" in slots:
        return "complex"
    return "accent" if any(ord(ch) > 127 for ch in name if ch.isalpha()) else ""


def _used_columns(event: Event, header: Sequence[str]) -> list[str]:
    """The columns certificates use: mapped placeholders, date fields, optional fields."""
    cols = list(event.mapping.values()) + [d.column for d in event.dates.values()]
    cols += [event.mapping.get(p, p) for p in event.template.optional]
    return [c for c in dict.fromkeys(cols) if c in header]
