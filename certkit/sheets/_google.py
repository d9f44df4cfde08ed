"""A Google Sheet as roster and status board, behind the same RosterSource as the XLSX/CSV files.

Reading is one request (the whole worksheet, as the organizer sees it). A flush of statuses is one
read of the current sheet plus one values:batchUpdate (RAW, so a name like "=HYPERLINK(...)" stays
text); rows are found again by certificate ID or fingerprint (place_rows), never by position
alone, and the write's reply shows who is in each written row, so a sort, insert or delete landing
between the read and the write is repaired at once (_google_check). Missing status columns are
added after the last used column, growing the grid first with an appendDimension request when the
sheet is too narrow.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from gspread.exceptions import APIError, NoValidUrlKeyFound
from gspread.utils import a1_to_rowcol, extract_id_from_url

from .._text import normalize, suggest
from ..config import Event
from ..errors import ConfigError, RosterChanged, RosterError
from ._google_check import ROUNDS, checked_range, misplaced
from ._google_http import account_of, google_errors, share_hint
from ._header import column_letter, column_number, parse_table, status_targets
from ._placing import place_rows
from ._roster import Roster, Row, StatusUpdate

KEY = re.compile(r"^[A-Za-z0-9_-]{40,}$")
HEADER_SCAN = 30  # rows searched for the column names when they are not where event.toml says


class GoogleSheetSource:
    """Reads the roster from a Google Sheet and writes each row's status back into it."""

    def __init__(
        self,
        spreadsheet: str,
        *,
        worksheet: str = "",
        header_row: int = 1,
        status_columns: dict[str, str],
        identity: Sequence[str],
        client: Any,
        required: Sequence[str] = (),  # columns read() insists on, besides the identity columns
    ):
        self.spreadsheet = spreadsheet.strip()
        self.worksheet = worksheet
        self.header_row = header_row
        self.status_columns = dict(status_columns)
        self.identity = list(identity)
        self.required = list(dict.fromkeys([*self.identity, *required]))
        self.client = client
        self.key = ""
        self.title = ""
        self.time_zone = ""  # the spreadsheet's own time zone (IANA name), read with its metadata
        self.sheet: dict[str, Any] = {}  # the worksheet's properties (title, sheetId, grid size)

    @classmethod
    def from_event(cls, event: Event, client: Any = None) -> GoogleSheetSource:
        """The sheet event.toml names, signed in as [roster] auth says (unless `client` is given)."""
        cfg = event.roster
        if not cfg.url.strip():
            raise ConfigError(
                "event.toml [roster] url is empty: paste the Google Sheet's address (from the browser's "
                'address bar) there, e.g. url = "https://docs.google.com/spreadsheets/d/...".'
            )
        if client is None:
            from ._google_auth import authorize

            client = authorize(cfg, folder=event.folder)
        return cls(
            cfg.url,
            worksheet=cfg.worksheet,
            header_row=cfg.header_row,
            status_columns=event.status_columns.names(),
            identity=event.identity_columns,
            client=client,
        )

    # ----- opening --------------------------------------------------------------------------
    @property
    def label(self) -> str:
        """The sheet in words, for messages."""
        return f"the Google Sheet '{self.title}'" if self.title else f"the Google Sheet {self.spreadsheet!r}"

    @contextmanager
    def _errors(self) -> Iterator[None]:
        with google_errors(self.label, account_of(self.client)):
            yield

    def _resolve_key(self) -> str:
        """The spreadsheet's key from a URL, a key, or a title (a Drive search)."""
        ref = self.spreadsheet
        if ref.startswith(("http://", "https://")) or "docs.google.com" in ref:
            try:
                return extract_id_from_url(ref)
            except NoValidUrlKeyFound:
                raise RosterError(
                    f"{ref} is not the address of a Google Sheet. Open the sheet in the browser and copy "
                    "the address (it contains /spreadsheets/d/...) into event.toml [roster] url."
                ) from None
        if KEY.match(ref):
            return ref
        if '"' in ref:
            raise RosterError(f"Open the sheet by its address, not by a name with quotes ({ref}).")
        found = [f for f in self.client.list_spreadsheet_files(title=ref) if f.get("name") == ref]
        if not found:
            raise RosterError(
                f"No Google Sheet called '{ref}' is shared with certkit: "
                f"{share_hint(account_of(self.client))}, or put the sheet's address (URL) in "
                "event.toml [roster] url instead of its name."
            )
        if len(found) > 1:
            raise RosterError(
                f"{len(found)} Google Sheets are called '{ref}'. Put the address (URL) of the right one in "
                "event.toml [roster] url."
            )
        return found[0]["id"]

    def _open(self, by_id: bool = False) -> dict[str, Any]:
        """Find the spreadsheet and the worksheet (one metadata read, remembered for the run)."""
        if self.sheet and not by_id:
            return self.sheet
        with self._errors():
            self.key = self.key or self._resolve_key()
            meta = self.client.http_client.fetch_sheet_metadata(self.key)
        self.title = meta.get("properties", {}).get("title", "")
        self.time_zone = meta.get("properties", {}).get("timeZone", "")  # for 'Sent at' times
        sheets = [s["properties"] for s in meta.get("sheets", [])]
        chosen = None
        if by_id and self.sheet:
            chosen = next((s for s in sheets if s.get("sheetId") == self.sheet.get("sheetId")), None)
        elif not self.worksheet:
            chosen = sheets[0] if sheets else None
        else:
            chosen = next((s for s in sheets if s["title"] == self.worksheet), None) or next(
                (s for s in sheets if normalize(s["title"]) == normalize(self.worksheet)), None
            )
        if chosen is None:
            names = ", ".join(f"'{s['title']}'" for s in sheets)
            wanted = self.worksheet or self.sheet.get("title", "")
            close = suggest(wanted, [s["title"] for s in sheets])
            raise RosterError(
                f"{self.label} has no worksheet (tab) '{wanted}'.{close} "
                f"Its tabs are: {names}. Fix [roster] worksheet in event.toml."
            )
        self.sheet = chosen
        return chosen

    def worksheet_names(self) -> list[str]:
        """The spreadsheet's worksheet (tab) titles in order: one metadata read."""
        with self._errors():
            self.key = self.key or self._resolve_key()
            meta = self.client.http_client.fetch_sheet_metadata(self.key)
        self.title = meta.get("properties", {}).get("title", "")
        return [s["properties"]["title"] for s in meta.get("sheets", [])]

    def _fetch(self) -> tuple[list[list[str]], int]:
        """The whole worksheet as shown (one request) and the grid's column count."""
        props = self._open()
        params = {"valueRenderOption": "FORMATTED_VALUE", "majorDimension": "ROWS"}
        with self._errors():
            try:
                reply = self.client.http_client.values_get(self.key, _quote(props["title"]), params=params)
            except APIError as exc:
                if exc.response.status_code != 400:
                    raise
                props = self._open(by_id=True)  # the tab was renamed during the run: find it by id
                reply = self.client.http_client.values_get(self.key, _quote(props["title"]), params=params)
        values = [["" if v is None else str(v) for v in row] for row in reply.get("values", [])]
        return values, _grid_columns(reply.get("range", ""), props)

    # ----- reading --------------------------------------------------------------------------
    def _parse(self, values: list[list[str]]) -> tuple[list[str], list[Row]]:
        """Header and non-empty rows; header problems raise RosterError naming the fix."""
        self._check_header_row(values)
        return parse_table(values, self.header_row)

    def _check_header_row(self, values: list[list[str]]) -> None:
        """Point at the right header_row when the column names sit in another row."""

        def has_identity(row: list[str]) -> bool:
            names = {normalize(c) for c in row if c.strip()}
            return bool(self.identity) and all(normalize(c) in names for c in self.identity)

        here = values[self.header_row - 1] if len(values) >= self.header_row else []
        if has_identity(here):
            return
        for number, row in enumerate(values[:HEADER_SCAN], start=1):
            if number != self.header_row and has_identity(row):
                raise RosterError(
                    f"The column names ({', '.join(self.identity)}) are in row {number} of {self.label}, not "
                    f"in row {self.header_row}. Set header_row = {number} in event.toml [roster], or delete "
                    f"the rows above the column names.",
                    row=number,
                )
        if not any(c.strip() for c in here):
            raise RosterError(
                f"Row {self.header_row} of {self.label} is empty: it must hold the column names "
                "(or set header_row in event.toml [roster]).",
                row=self.header_row,
            )

    def read(self) -> Roster:
        """The whole roster in one request; raises RosterError for unusable headers or a missing column."""
        values, _ = self._fetch()
        header, rows = self._parse(values)
        roster = Roster(header, rows, f"{self.label} (tab '{self.sheet['title']}')", self.header_row)
        for name in self.required:
            if column_number(header, name) is None:
                roster.column(name)  # raises, suggesting the closest header
        return roster

    # ----- writing --------------------------------------------------------------------------
    def ensure_status_columns(self) -> list[str]:
        """Create missing status columns now (one grid request at most, one values write); return them."""
        values, grid_cols = self._fetch()
        header, _ = self._parse(values)
        index, created = self._targets(header, values)
        self._grow(index, grid_cols)
        data = self._header_cells(index, created)
        if data:
            self._send(data)
        return created

    def write(self, updates: Sequence[StatusUpdate]) -> None:
        """Write the status cells of `updates`: one read and one checked write per round (plus
        one grid request if the sheet is too narrow for new status columns).

        Each row's write reports who is in that row at the moment it is applied; a row that was
        moved by a sort, insert or delete in between is put right in another round (see
        _google_check). Raises RosterChanged naming the people whose rows cannot be found again
        (everyone else is written), or when the sheet keeps changing round after round.
        """
        pending, problems = list(updates), []
        for _ in range(ROUNDS):
            if not pending:
                break
            pending = self._write_round(pending, problems)
        if pending:
            problems.append(
                f"The sheet kept changing while certkit wrote {len(pending)} statuses; they are "
                "kept and written on the next run.")
        if problems:
            raise RosterChanged(" ".join(problems))

    def _write_round(self, pending: list[StatusUpdate], problems: list[str]) -> list[StatusUpdate]:
        """Read, place, write with the check; return the updates that must go again."""
        values, grid_cols = self._fetch()
        header, rows = self._parse(values)
        id_name = self.status_columns.get("certificate_id", "")
        id_at = column_number(header, id_name)
        found, lost = place_rows(pending, rows, header[id_at - 1] if id_at else id_name,
                                 self.identity)
        problems.extend(lost)
        index, created = self._targets(header, values)
        data = self._header_cells(index, created)
        check = [c for c in (column_number(header, n) for n in self.identity) if c]
        checks = []
        title = _quote(self.sheet["title"])
        for i, number in found.items():
            update = pending[i]
            cells: dict[int, str] = {}
            for kind, text in update.values.items():
                name = self.status_columns.get(kind)
                if name:
                    cells[index[name]] = text
            for name, text in update.extra.items():
                col = column_number(header, name)
                if col:
                    cells[col] = text
            if not cells:
                continue
            if check and not set(check) & set(cells):
                item = checked_range(title, number, cells, check)
                checks.append((len(data), update, item))
                data.append(item)
            else:  # it corrects a name or an address itself: written as before, unchecked
                data.extend(self._runs(number, cells))
        self._grow(index, grid_cols)
        replies = self._send(data, check=bool(checks))
        names = {kind: header[index[name] - 1] if index[name] <= len(header) else ""
                 for kind, name in self.status_columns.items()}
        return misplaced(checks, replies, header, rows, pending, self.identity, names)

    def _targets(self, header: list[str], values: list[list[str]]) -> tuple[dict[str, int], list[str]]:
        """Status column name -> 1-based column; missing ones go after the last used column."""
        used = max((len(r) for r in values[self.header_row - 1 :]), default=0)
        return status_targets(header, list(self.status_columns.values()), used)

    def _header_cells(self, index: dict[str, int], created: list[str]) -> list[dict[str, Any]]:
        return [c for name in created for c in self._runs(self.header_row, {index[name]: name})]

    def _runs(self, row: int, cells: dict[int, str]) -> list[dict[str, Any]]:
        """Ranges for one row's cells, adjacent columns merged into one range."""
        out: list[dict[str, Any]] = []
        for col in sorted(cells):
            last = out[-1] if out else None
            if last and last["_end"] == col - 1:
                last["values"][0].append(cells[col])
                last["_end"] = col
            else:
                out.append({"_start": col, "_end": col, "values": [[cells[col]]]})
        title = _quote(self.sheet["title"])
        return [
            {
                "range": f"{title}!{column_letter(r['_start'])}{row}:{column_letter(r['_end'])}{row}",
                "values": r["values"],
            }
            for r in out
        ]

    def _grow(self, index: dict[str, int], grid_cols: int) -> None:
        """Widen the grid when a status column falls beyond it (appendDimension: no stale size)."""
        missing = max(index.values(), default=0) - grid_cols
        if missing <= 0:
            return
        body = {
            "requests": [
                {
                    "appendDimension": {
                        "sheetId": self.sheet["sheetId"],
                        "dimension": "COLUMNS",
                        "length": missing,
                    }
                }
            ]
        }
        with self._errors():
            self.client.http_client.batch_update(self.key, body)

    def _send(self, data: list[dict[str, Any]], check: bool = False) -> list[dict[str, Any]]:
        """One values:batchUpdate with RAW input: text is stored as typed, never run as a formula.
        With `check`, the reply shows each range as it is after the write (one reply per range)."""
        if not data:
            return []
        body: dict[str, Any] = {"valueInputOption": "RAW",
                                "data": [{k: v for k, v in d.items() if not k.startswith("_")}
                                         for d in data]}
        if check:
            body.update(includeValuesInResponse=True, responseValueRenderOption="FORMATTED_VALUE")
        with self._errors():
            reply = self.client.http_client.values_batch_update(self.key, body=body)
        return list(reply.get("responses", [])) if isinstance(reply, dict) else []


def _quote(title: str) -> str:
    """A sheet title for an A1 range: always quoted, inner quotes doubled."""
    return "'" + title.replace("'", "''") + "'"


def _grid_columns(echoed: str, props: dict[str, Any]) -> int:
    """The grid's column count from the range a whole-sheet read echoes (e.g. Sheet1!A1:Z1000)."""
    end = echoed.rsplit("!", 1)[-1].split(":")[-1]
    try:
        return a1_to_rowcol(end)[1]
    except Exception:  # gspread raises IncorrectCellLabel and others for odd echoes
        return int(props.get("gridProperties", {}).get("columnCount", 26))
