"""A small stateful emulator of the Google Sheets v4 and Drive v3 REST APIs on 127.0.0.1.

Tests drive the real gspread client at it through `emulator.session()` (a requests.Session whose
adapter sends the googleapis hosts here) or through real google-auth credentials whose token_uri
points here. It keeps what hurts users in production: trimmed reads, grid limits, 404 / 403 for
unknown or unshared files, per-"minute" read and write quotas answering 429 RESOURCE_EXHAUSTED,
injectable 5xx and slow replies, RAW vs USER_ENTERED. Every request is logged for counting.
"""

from __future__ import annotations

import collections
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import HTTPAdapter

from tests import sheets_grid as grid
from tests.sheets_emulator_auth import AuthServer
from tests.sheets_emulator_routes import route
from tests.sheets_grid import DOC_MIME, DOCX_MIME, SHEET_MIME, ApiError, Book, bad_request, new_key

GOOGLE_HOSTS = ("sheets.googleapis.com", "www.googleapis.com", "oauth2.googleapis.com")
TESTER = "tester@certkit-test.iam.gserviceaccount.com"


@dataclass
class Logged:
    """One request as the emulator saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    kind: str  # read | write (Sheets quota buckets), drive, auth
    status: int
    body: dict | None = None


@dataclass
class Fault:
    """An injected failure (status) or slow reply (delay seconds) for matching requests."""

    status: int = 0
    delay: float = 0.0
    match: str = ""
    remaining: int = 1


_ERRORS = {
    500: ("INTERNAL", "Internal error encountered."),
    502: ("UNAVAILABLE", "Bad gateway."),
    503: ("UNAVAILABLE", "The service is currently unavailable."),
    429: ("RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."),
}


class SheetsEmulator:
    """The emulated Google: spreadsheets, documents, accounts, quotas, faults and a request log."""

    def __init__(self, *, reads_per_minute: int = 0, writes_per_minute: int = 0, minute: float = 60.0):
        self.books: dict[str, Book] = {}
        self.auth = AuthServer()
        self.log: list[Logged] = []
        self.faults: list[Fault] = []
        self.hooks: list[tuple] = []  # (path part, edit) run before the next matching request
        self.quota = {"read": reads_per_minute, "write": writes_per_minute}
        self.minute = minute
        self.retry_after: float | None = None  # sent with 429 replies when set
        self.disabled_apis: set[str] = set()  # "sheets" / "drive": 403 SERVICE_DISABLED
        self._used: dict[str, collections.deque] = {"read": collections.deque(), "write": collections.deque()}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    # ----- life cycle -------------------------------------------------------------------------
    def start(self) -> SheetsEmulator:
        """Serve on a free port of 127.0.0.1 in a daemon thread."""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.emulator = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        """Stop serving (slow replies in progress are cut short)."""
        self._stop.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> SheetsEmulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ----- what tests set up ------------------------------------------------------------------
    def add_spreadsheet(
        self,
        title: str = "Roster",
        rows: list[list] | None = None,
        *,
        key: str = "",
        sheet: str = "Sheet1",
        shared_with: set[str] | None = None,
        row_count: int = 1000,
        col_count: int = 26,
        option: str = "RAW",
    ) -> str:
        """Create a spreadsheet whose first sheet holds `rows` (written RAW, as an import would)."""
        rows = rows or []
        book = Book(key or new_key(), title, shared_with=shared_with)
        first = grid.Sheet(0, sheet, 0, max(row_count, len(rows)), col_count)
        book.sheets.append(first)
        grid.write_box(grid.Box(first, 1, 1, first.rows, first.cols), rows, option, bounded=False)
        self.books[book.key] = book
        return book.key

    def add_sheet(self, key: str, title: str, rows: list[list] | None = None, *, cols: int = 26) -> None:
        """Add a tab to a spreadsheet, filled with `rows`."""
        with self._lock:
            book = self.books[key]
            sheet = grid.Sheet(
                len(book.sheets) + 100, title, len(book.sheets), max(1000, len(rows or [])), cols
            )
            grid.write_box(grid.Box(sheet, 1, 1, sheet.rows, cols), rows or [], "RAW", bounded=False)
            book.sheets.append(sheet)

    def add_document(
        self,
        title: str,
        content: bytes,
        *,
        key: str = "",
        mime: str = DOC_MIME,
        shared_with: set[str] | None = None,
    ) -> str:
        """Create a Drive file: a Google Doc (exported as .docx) or an uploaded binary file."""
        book = Book(key or new_key(), title, shared_with=shared_with, mime=mime, content=content)
        self.books[book.key] = book
        return book.key

    def edit_document(self, key: str, content: bytes) -> None:
        """Someone edits the document in Google Docs."""
        with self._lock:
            self.books[key].content = content
            self.books[key].touch()

    def service_account(self, email: str = "") -> dict:
        """A service-account key file known to this emulator (token_uri points here)."""
        return self.auth.service_account(self.url, email)

    def oauth_client(self) -> dict:
        """A Desktop-app OAuth client file known to this emulator."""
        return self.auth.oauth_client(self.url)

    def fail_next(self, count: int = 1, status: int = 500, match: str = "") -> None:
        """Answer the next `count` requests whose path contains `match` with `status`."""
        self.faults.append(Fault(status=status, match=match, remaining=count))

    def slow_next(self, seconds: float, count: int = 1, match: str = "") -> None:
        """Apply the next `count` matching requests, then wait `seconds` before replying."""
        self.faults.append(Fault(delay=seconds, match=match, remaining=count))

    # ----- what the organizer does in the browser ---------------------------------------------
    def values(self, key: str, sheet: str | None = None) -> list[list[str]]:
        """The sheet's text as the organizer sees it, trimmed like the API trims it."""
        with self._lock:
            s = self.books[key].sheet(sheet)
            return grid.read_box(grid.Box(s, 1, 1, s.rows, s.cols))

    def cell(self, key: str, a1: str, option: str = "FORMATTED_VALUE", sheet: str | None = None):
        """One cell rendered as `option` (FORMATTED_VALUE, UNFORMATTED_VALUE or FORMULA)."""
        with self._lock:
            s = self.books[key].sheet(sheet)
            box = grid.parse_range(a1, [s])
            return grid.render(s.cells.get((box.r1, box.c1)), option)

    def type(self, key: str, a1: str, text: str, sheet: str | None = None) -> None:
        """Type `text` into a cell (USER_ENTERED, like the keyboard)."""
        with self._lock:
            book = self.books[key]
            grid.write_box(grid.parse_range(a1, [book.sheet(sheet)]), [[text]], "USER_ENTERED")
            book.touch()

    def insert_rows(self, key: str, before: int, rows: list[list], sheet: str | None = None) -> None:
        """Insert rows above sheet row `before` and fill them."""
        with self._lock:
            book = self.books[key]
            s = book.sheet(sheet)
            grid.shift(s, "ROWS", before, len(rows))
            grid.write_box(grid.Box(s, before, 1, s.rows, s.cols), rows, "RAW", bounded=False)
            book.touch()

    def delete_rows(self, key: str, first: int, count: int = 1, sheet: str | None = None) -> None:
        """Delete `count` sheet rows from `first` on."""
        with self._lock:
            grid.shift(self.books[key].sheet(sheet), "ROWS", first, -count)
            self.books[key].touch()

    def sort_rows(
        self, key: str, column: str, first: int = 2, reverse: bool = False, sheet: str | None = None
    ) -> None:
        """Sort the rows from `first` to the last data row by the text in `column` (Data > Sort)."""
        with self._lock:
            s = self.books[key].sheet(sheet)
            last = max((r for r, _ in s.cells), default=0)
            col = grid.col_number(column)
            rows = [{c: s.cells[(r, c)] for (rr, c) in s.cells if rr == r} for r in range(first, last + 1)]
            rows.sort(key=lambda cells: cells[col].formatted if col in cells else "", reverse=reverse)
            for k in [k for k in s.cells if k[0] >= first]:
                del s.cells[k]
            for i, cells in enumerate(rows):
                for c, cell in cells.items():
                    s.cells[(first + i, c)] = cell
            self.books[key].touch()

    # ----- request log ------------------------------------------------------------------------
    def count(
        self, kind: str | None = None, *, method: str = "", path: str = "", status: int | None = None
    ) -> int:
        """How many logged requests match."""
        return sum(
            1
            for r in self.log
            if (kind is None or r.kind == kind)
            and (not method or r.method == method)
            and path in r.path
            and (status is None or r.status == status)
        )

    def clear_log(self) -> None:
        """Forget the requests seen so far."""
        with self._lock:
            self.log.clear()

    # ----- clients ----------------------------------------------------------------------------
    def adapter(self) -> HTTPAdapter:
        """A requests adapter that sends googleapis.com traffic to this emulator."""
        return _RedirectAdapter(self.url)

    def session(self, principal: str = TESTER) -> requests.Session:
        """A requests.Session signed in as `principal`, talking to this emulator."""
        session = requests.Session()
        session.mount("https://", self.adapter())
        session.headers["Authorization"] = f"Bearer {self.auth.issue(principal, 86400)}"
        return session

    # ----- serving ----------------------------------------------------------------------------
    def handle(self, method: str, target: str, headers, body: bytes) -> tuple[int, dict, bytes]:
        """Answer one HTTP request: (status, headers, body bytes)."""
        split = urlsplit(target)
        path, query = split.path, parse_qs(split.query, keep_blank_values=True)
        kind = _kind(method, path)
        delay, reply_headers = 0.0, {}
        try:
            hook = self._take_hook(path)
            if hook is not None:
                hook()
            fault = self._take_fault(path)
            delay = fault.delay if fault else 0.0
            if fault and fault.status:
                status_word, message = _ERRORS.get(fault.status, ("UNKNOWN", "Injected failure."))
                raise ApiError(fault.status, status_word, message, "backendError")
            with self._lock:
                status, reply_headers, payload = self._dispatch(method, path, query, headers, body, kind)
        except ApiError as err:
            status, reply_headers = err.code, err.headers
            payload = err.body(drive=kind == "drive")
        parsed = _json_or_none(body)
        with self._lock:
            self.log.append(Logged(method, path, query, kind, status, parsed))
        if delay:
            self._stop.wait(delay)
        if isinstance(payload, bytes):
            return status, reply_headers, payload
        data = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        return status, {"Content-Type": "application/json; charset=UTF-8", **reply_headers}, data

    def before_next(self, match: str, edit) -> None:
        """Run `edit()` (e.g. an organizer's sort) just before the next request whose path contains
        `match` is applied: an edit landing exactly between a flush's read and its write."""
        with self._lock:
            self.hooks.append((match, edit))

    def _take_hook(self, path: str):
        with self._lock:
            for i, (match, edit) in enumerate(self.hooks):
                if match in path:
                    del self.hooks[i]
                    return edit
        return None

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.remaining > 0 and fault.match in path:
                    fault.remaining -= 1
                    return fault
        return None

    def _dispatch(self, method, path, query, headers, body, kind):
        if path == "/token" and method == "POST":
            status, payload = self.auth.token_endpoint(body, f"{self.url}/token")
            return status, {}, payload
        if path == "/o/oauth2/auth" and method == "GET":
            status, extra = self.auth.consent(query)
            return status, (extra if status == 302 else {}), (None if status == 302 else extra)
        who = self.auth.principal(headers)
        api = "drive" if kind == "drive" else "sheets"
        if api in self.disabled_apis:
            name = "Google Drive API" if api == "drive" else "Google Sheets API"
            raise ApiError(
                403,
                "PERMISSION_DENIED",
                f"{name} has not been used in project 000000000000 before or it is disabled. Enable "
                f"it by visiting https://console.developers.google.com/apis/api/{api}.googleapis.com/"
                "overview?project=000000000000 then retry.",
                "accessNotConfigured",
            )
        if kind in self.quota:
            self._spend(kind)
        data = _json_or_none(body) or {}
        return route(self, method, path, query, data, who)

    def _spend(self, kind: str) -> None:
        limit = self.quota[kind]
        if not limit:
            return
        used, now = self._used[kind], time.monotonic()
        while used and used[0] <= now - self.minute:
            used.popleft()
        if len(used) >= limit:
            metric = "Write" if kind == "write" else "Read"
            err = ApiError(
                429,
                "RESOURCE_EXHAUSTED",
                f"Quota exceeded for quota metric '{metric} requests' and limit '{metric} requests "
                "per minute per user' of service 'sheets.googleapis.com' for consumer "
                "'project_number:000000000000'.",
                "rateLimitExceeded",
            )
            if self.retry_after is not None:
                err.headers = {"Retry-After": f"{self.retry_after:g}"}
            raise err
        used.append(now)

    def book(self, key: str, who: str, *, drive: bool = False) -> Book:
        """The file `key` if `who` may open it; 404 / 403 like Google otherwise."""
        book = self.books.get(key)
        allowed = book is not None and (book.shared_with is None or who in book.shared_with)
        if drive and not allowed:
            raise ApiError(404, "NOT_FOUND", f"File not found: {key}.", "notFound")
        if book is None or (book.mime != SHEET_MIME and not drive):
            raise ApiError(404, "NOT_FOUND", "Requested entity was not found.")
        if not allowed:
            raise ApiError(403, "PERMISSION_DENIED", "The caller does not have permission")
        return book


def _kind(method: str, path: str) -> str:
    if path.startswith("/v4/"):
        return "read" if method == "GET" else "write"
    if path.startswith("/drive/"):
        return "drive"
    return "auth"


def _json_or_none(body: bytes):
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = -1  # headers and body leave in one write ...
    disable_nagle_algorithm = True  # ... at once (no 40 ms delayed-ACK stall per reply)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            status, headers, data = self.server.emulator.handle(self.command, self.path, self.headers, body)  # type: ignore[attr-defined]
        except Exception as exc:  # a bug in the emulator: answer 500 and say what it was
            status, headers, data = 500, {"Content-Type": "text/plain"}, repr(exc).encode()
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client gave up waiting (a slow reply): nothing to do

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    def log_message(self, *args) -> None:
        pass


class _RedirectAdapter(HTTPAdapter):
    """Sends https://*.googleapis.com/... to the emulator's http://127.0.0.1:port/... instead."""

    def __init__(self, base: str):
        super().__init__()
        self.base = base

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        if parts.hostname in GOOGLE_HOSTS:
            request.url = self.base + parts.path + (f"?{parts.query}" if parts.query else "")
        return super().send(request, **kwargs)


__all__ = ["DOCX_MIME", "DOC_MIME", "SHEET_MIME", "TESTER", "ApiError", "SheetsEmulator", "bad_request"]
