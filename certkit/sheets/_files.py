"""Roster sources: local XLSX and CSV files (Google Sheets lives in gsheets.py), and batched write-back."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..config import Event
from ..errors import ConfigError, RosterChanged, RosterError
from ._csv import CsvRosterSource
from ._header import find_column, parse_table, status_targets
from ._local import refuse_if_open, row_cells
from ._placing import place_rows
from ._roster import Roster, RosterSource, Row, StatusUpdate
from ._xlsx_zip import write_cells


def cell_text(value: Any) -> str:
    """A spreadsheet cell's value as the organizer sees it, as text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


def _status_targets(
    header: list[str], columns: dict[str, str], extra: Sequence[str]
) -> tuple[dict[str, int], list[str]]:
    """Column name -> 1-based index for each status column, and the names added to `header`."""
    targets, created = status_targets(header, [*columns.values(), *extra])
    header.extend(created)
    return targets, created


class XlsxRosterSource:
    """An .xlsx roster, read with openpyxl; status cells written into the file's XML (_xlsx_zip)."""

    def __init__(
        self,
        path: Path,
        *,
        worksheet: str = "",
        header_row: int = 1,
        status_columns: dict[str, str],
        identity: Sequence[str],
    ):
        self.path = Path(path)
        self.worksheet = worksheet
        self.header_row = header_row
        self.status_columns = status_columns
        self.identity = list(identity)
        self.title = worksheet
        self._seen: tuple[tuple[int, int, int], Roster] | None = None  # the last read, by file stamp

    def _sheet(self, book: Any) -> Any:
        """The configured worksheet, or the first one."""
        if not self.worksheet:
            return book.worksheets[0]
        if self.worksheet not in book.sheetnames:
            raise RosterError(
                f"{self.path.name} has no worksheet '{self.worksheet}'. "
                f"It has: {', '.join(book.sheetnames)}. Fix [roster] worksheet in event.toml."
            )
        return book[self.worksheet]

    def _load(self, data_only: bool) -> Any:
        """Open the workbook, with a message that says what to do when it cannot be read."""
        import openpyxl

        if not self.path.exists():
            raise RosterError(f"The roster file {self.path} does not exist. Fix [roster] path.")
        try:
            return openpyxl.load_workbook(self.path, data_only=data_only)
        except Exception as exc:  # openpyxl raises zip, XML and value errors
            raise RosterError(
                f"{self.path.name} cannot be opened as an Excel workbook ({exc}). Save it as .xlsx."
            ) from exc

    def read(self) -> Roster:
        """Read the header and every non-empty row below it (formulas as their last computed value)."""
        stamp = _stamp(self.path)
        sheet = self._sheet(self._load(data_only=True))
        rows = [[cell_text(v) for v in values] for values in sheet.iter_rows(values_only=True)]
        if len(rows) < self.header_row:
            raise RosterError(f"{self.path.name} is empty: add a header row and one row per person.")
        header, out = parse_table(rows, self.header_row)
        self.title = sheet.title
        roster = Roster(header, out, f"{self.path.name} ({sheet.title})", self.header_row)
        self._seen = (stamp, _copy(roster))
        return roster

    def _current(self) -> Roster:
        """The roster as the file holds it now: read again only when it changed since last time."""
        if self._seen is not None and self._seen[0] == _stamp(self.path):
            return self._seen[1]
        self.read()
        assert self._seen is not None
        return self._seen[1]

    def write(self, updates: Sequence[StatusUpdate]) -> None:
        """Write the status cells into the sheet's XML and replace the file in one step; every
        other byte of the workbook (formulas with their values, styles, other sheets) stays.

        Raises RosterError, writing nothing, while the file is open in Excel or LibreOffice;
        RosterChanged naming the people whose rows cannot be found again (the others are written).
        """
        if not updates:
            return
        refuse_if_open(self.path)
        current = self._current()
        id_name = self.status_columns["certificate_id"]
        found, problems = place_rows(updates, current.rows,
                                     find_column(current.header, id_name) or id_name, self.identity)
        header = list(current.header)
        extra = sorted({find_column(header, c) for u in updates for c in u.extra} - {''})
        targets, created = _status_targets(header, self.status_columns, extra)
        cells: dict[tuple[int, int], str] = {(self.header_row, targets[name]): name for name in created}
        rows = {row.number: row for row in current.rows}
        for i, number in found.items():
            for name, text in row_cells(updates[i], self.status_columns, header, targets).items():
                cells[(number, targets[name])] = text
                rows[number].values[header[targets[name] - 1]] = text
        if cells:
            write_cells(self.path, self.title, cells)
            current.header[:] = header
            self._seen = (_stamp(self.path), current)
        if problems:
            raise RosterChanged(" ".join(problems))


def _stamp(path: Path) -> tuple[int, int, int]:
    """What changes when anyone saves the file: modification time, size, inode."""
    try:
        st = os.stat(path)
    except OSError:
        return (0, 0, 0)
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _copy(roster: Roster) -> Roster:
    """A copy whose rows can be updated after a write without touching the caller's roster."""
    rows = [Row(r.number, dict(r.values)) for r in roster.rows]
    return Roster(list(roster.header), rows, roster.source, roster.header_row)


def open_roster(event: Event) -> RosterSource:
    """The roster back-end event.toml names: xlsx, csv or sheets."""
    cfg = event.roster
    common = {
        "header_row": cfg.header_row,
        "status_columns": event.status_columns.names(),
        "identity": event.identity_columns,
    }
    if cfg.source == "xlsx":
        return XlsxRosterSource(event.path(cfg.path), worksheet=cfg.worksheet, **common)
    if cfg.source == "csv":
        return CsvRosterSource(event.path(cfg.path), delimiter=cfg.delimiter, encoding=cfg.encoding,
                               **common)
    if cfg.source == "sheets":
        try:
            from ._google import GoogleSheetSource
        except ImportError as exc:
            raise ConfigError(
                "Google Sheets support is not installed. Run: pip install 'certkit[sheets]'"
            ) from exc
        return GoogleSheetSource.from_event(event)
    raise ConfigError(
        f"event.toml [roster] source = '{cfg.source}' is unknown. Use one of: xlsx, csv, sheets."
    )


def worksheet_names(event: Event, source: RosterSource | None = None) -> list[str]:
    """The worksheet (tab) names of the event's roster (or of `source`); [] for a CSV file.

    Raises RosterError when the file or sheet cannot be opened, AuthError when Google refuses the
    sign-in, ConfigError for an unknown source.
    """
    cfg = event.roster
    if source is None and cfg.source == "csv":
        return []
    if source is None and cfg.source == "xlsx":
        import openpyxl

        path = event.path(cfg.path)
        if not path.exists():
            raise RosterError(f"The roster file {path} does not exist. Fix [roster] path.")
        try:
            book = openpyxl.load_workbook(path, read_only=True)
        except Exception as exc:  # openpyxl raises zip, XML and value errors
            raise RosterError(
                f"{path.name} cannot be opened as an Excel workbook ({exc}). Save it as .xlsx."
            ) from exc
        try:
            return list(book.sheetnames)
        finally:
            book.close()
    names = getattr(source or open_roster(event), "worksheet_names", None)
    return list(names()) if names else []


def roster_location(event: Event) -> str:
    """Where the organizer looks at the roster: the Google Sheet's address, or the file's path."""
    cfg = event.roster
    if cfg.source == "sheets":
        url = cfg.url.strip()
        if url.startswith("https://"):
            return url
        if re.fullmatch(r"[A-Za-z0-9_-]{25,}", url):  # a spreadsheet key
            return f"https://docs.google.com/spreadsheets/d/{url}"
        return url  # a title: no address to link to
    return str(event.path(cfg.path))


class StatusBoard:
    """Queues status updates and writes them in batches: every N rows, every T seconds, at the end."""

    def __init__(self, source: RosterSource, *, rows: int = 50, seconds: float = 10.0):
        self.source = source
        self.rows = rows
        self.seconds = seconds
        self.queue: dict[str, StatusUpdate] = {}
        self.last = time.monotonic()
        self.flushes = 0

    def put(self, key: str, update: StatusUpdate) -> list[StatusUpdate]:
        """Queue one row's update (the newest per row wins); flush when due. Returns what was written."""
        self.queue[key] = update
        due = len(self.queue) >= self.rows or time.monotonic() - self.last >= self.seconds
        return self.flush() if due else []

    def flush(self) -> list[StatusUpdate]:
        """Write everything queued in one call to the source."""
        batch = list(self.queue.values())
        self.last = time.monotonic()
        if not batch:
            return []
        self.source.write(batch)
        self.queue.clear()
        self.flushes += 1
        return batch
