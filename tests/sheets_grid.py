"""The cell grid behind the Sheets API emulator: A1 ranges, RAW / USER_ENTERED input, rendering.

Behaviour follows the real Sheets v4 API where users get hurt (checked against gspread's recorded
cassettes in tests/data/gspread_cassettes.json): reads trim trailing empty cells and rows, an empty
range has no `values` key, writing or reading past the grid is a 400, USER_ENTERED turns "=..." into
a formula and "2020-01-01" into a date, RAW keeps text as typed.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import operator
import re
import secrets
from dataclasses import dataclass, field

SHEET_MIME = "application/vnd.google-apps.spreadsheet"
DOC_MIME = "application/vnd.google-apps.document"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class ApiError(Exception):
    """An error reply: HTTP status, Google's status word and message (and Drive-style reasons)."""

    def __init__(self, code: int, status: str, message: str, reason: str = "", headers=None):
        super().__init__(message)
        self.code, self.status, self.message, self.reason = code, status, message, reason
        self.headers = headers or {}

    def body(self, drive: bool = False) -> dict:
        """The JSON error body, shaped like Sheets (status) or Drive (errors[] with a reason)."""
        if drive:
            errors = [{"message": self.message, "domain": "global", "reason": self.reason or "error"}]
            return {"error": {"code": self.code, "message": self.message, "errors": errors}}
        return {"error": {"code": self.code, "message": self.message, "status": self.status}}


def bad_request(message: str) -> ApiError:
    """A 400 INVALID_ARGUMENT reply."""
    return ApiError(400, "INVALID_ARGUMENT", message, "badRequest")


@dataclass
class Cell:
    """One cell: its effective value, the formula that made it (if any) and the text shown."""

    value: str | float | bool
    formatted: str
    formula: str | None = None


@dataclass
class Sheet:
    """One worksheet (tab): properties and its non-empty cells keyed by 1-based (row, column)."""

    sheet_id: int
    title: str
    index: int
    rows: int = 1000
    cols: int = 26
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)

    def properties(self) -> dict:
        """The sheet's `properties` object as spreadsheets.get returns it."""
        return {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": self.index,
            "sheetType": "GRID",
            "gridProperties": {"rowCount": self.rows, "columnCount": self.cols},
        }


@dataclass
class Box:
    """A rectangle of one sheet, 1-based and inclusive."""

    sheet: Sheet
    r1: int
    c1: int
    r2: int
    c2: int

    def a1(self) -> str:
        """The range echoed back by the API, e.g. Sheet1!A1:D4 or 'My sheet'!A2."""
        start = f"{col_letter(self.c1)}{self.r1}"
        end = f"{col_letter(self.c2)}{self.r2}"
        return f"{quote_title(self.sheet.title)}!{start if start == end else f'{start}:{end}'}"


def col_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def col_number(letters: str) -> int:
    """A -> 1, AA -> 27."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


_SIMPLE_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CELLISH = re.compile(r"^[A-Za-z]{1,3}\d+$")
_A1 = re.compile(r"^([A-Za-z]{0,3})(\d*)(?::([A-Za-z]{0,3})(\d*))?$")


def quote_title(title: str) -> str:
    """A sheet title as the API echoes it: bare when simple, else in single quotes."""
    if _SIMPLE_TITLE.match(title) and not _CELLISH.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def _unquote(title: str) -> str:
    if len(title) >= 2 and title[0] == title[-1] == "'":
        return title[1:-1].replace("''", "'")
    return title


def parse_range(text: str, sheets: list[Sheet], *, check_grid: bool = True) -> Box:
    """Resolve an A1 range ("'Sheet1'!A1:D4", "Sheet1", "A1:1", "B:B") against the sheets."""
    by_title = {s.title: s for s in sheets}
    if "!" in text:
        title, ref = text.rsplit("!", 1)
        sheet = by_title.get(_unquote(title))
    elif _unquote(text) in by_title:
        sheet, ref = by_title[_unquote(text)], ""
    else:
        sheet, ref = sheets[0], text
    m = _A1.match(ref)
    if sheet is None or m is None or (ref and not any(m.groups())):
        raise bad_request(f"Unable to parse range: {text}")
    col1, row1, col2, row2 = m.groups()
    if not ref:
        return Box(sheet, 1, 1, sheet.rows, sheet.cols)
    if ":" not in ref and not (col1 and row1):
        raise bad_request(f"Unable to parse range: {text}")
    r1 = int(row1) if row1 else 1
    c1 = col_number(col1) if col1 else 1
    if ":" not in ref:
        r2, c2 = r1, c1
    else:
        r2 = int(row2) if row2 else sheet.rows
        c2 = col_number(col2) if col2 else sheet.cols
    r1, r2 = sorted((r1, r2))
    c1, c2 = sorted((c1, c2))
    box = Box(sheet, r1, c1, r2, c2)
    if check_grid and (r2 > sheet.rows or c2 > sheet.cols):
        raise grid_error(box)
    return box


def grid_error(box: Box) -> ApiError:
    """The 400 the API gives for a range beyond the sheet's last row or column."""
    ref = box.a1().split("!", 1)[1]
    return bad_request(
        f"Range ('{box.sheet.title}'!{ref}) exceeds grid limits. "
        f"Max rows: {box.sheet.rows}, max columns: {box.sheet.cols}"
    )


def _number_text(value: float) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def _plain(value):
    """A number as the JSON API gives it unformatted: integral floats become ints."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def _arith(node):
    """Evaluate + - * / over numbers only (enough for recorded formulas like =4/2)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _arith(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_arith(node.left), _arith(node.right))
    raise ValueError("not arithmetic")


_HYPERLINK = re.compile(r'^\s*HYPERLINK\s*\(\s*"([^"]*)"\s*(?:[,;]\s*"([^"]*)"\s*)?\)\s*$', re.I)


def _formula(text: str) -> Cell:
    """A USER_ENTERED formula: arithmetic and HYPERLINK evaluate, anything else is #NAME?."""
    body = text[1:]
    link = _HYPERLINK.match(body)
    if link:
        label = link.group(2) if link.group(2) is not None else link.group(1)
        return Cell(label, label, text)
    try:
        value = float(_arith(ast.parse(body.strip(), mode="eval").body))
    except (SyntaxError, ValueError, ZeroDivisionError, RecursionError):
        return Cell("#NAME?", "#NAME?", text)
    return Cell(value, _number_text(value), text)


_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_EPOCH = dt.date(1899, 12, 30)


def user_entered(text: str) -> Cell:
    """Parse a string the way typing it into the Sheets UI does (USER_ENTERED)."""
    if text.startswith("'"):
        return Cell(text[1:], text[1:])
    if text.startswith("=") and len(text) > 1:
        return _formula(text)
    if _NUMBER.match(text) and any(ch.isdigit() for ch in text):
        value = float(text.replace(",", "").lstrip("+"))
        shown = text.lstrip("+") if "," in text else _number_text(value)
        return Cell(value, shown)
    date = _DATE.match(text)
    if date:
        try:
            day = dt.date(*map(int, date.groups()))
        except ValueError:
            return Cell(text, text)
        return Cell(float((day - _EPOCH).days), text)
    if text.upper() in ("TRUE", "FALSE"):
        return Cell(text.upper() == "TRUE", text.upper())
    return Cell(text, text)


def make_cell(value, option: str) -> Cell | None:
    """The cell a JSON value makes under `option` (RAW or USER_ENTERED); None for an empty cell."""
    if isinstance(value, bool):
        return Cell(value, _number_text(value))
    if isinstance(value, int | float):
        return Cell(float(value), _number_text(value))
    text = str(value)
    if text == "":
        return None
    return Cell(text, text) if option == "RAW" else user_entered(text)


def render(cell: Cell | None, option: str):
    """A cell as values.get returns it for valueRenderOption `option`."""
    if cell is None:
        return ""
    if option == "FORMULA" and cell.formula:
        return cell.formula
    if option in ("UNFORMATTED_VALUE", "FORMULA"):
        return _plain(cell.value)
    return cell.formatted


def read_box(box: Box, option: str = "FORMATTED_VALUE") -> list[list]:
    """The box's values row by row, trailing empty cells and rows trimmed (inner empty rows: [])."""
    out: list[list] = []
    for r in range(box.r1, box.r2 + 1):
        row = [render(box.sheet.cells.get((r, c)), option) for c in range(box.c1, box.c2 + 1)]
        while row and row[-1] == "":
            row.pop()
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out


def write_box(box: Box, values: list[list], option: str, *, bounded: bool = True) -> Box:
    """Write `values` from the box's top-left corner; returns the box actually written."""
    if option not in ("RAW", "USER_ENTERED"):
        raise bad_request(f"Invalid valueInputOption: {option!r}")
    if not isinstance(values, list) or not all(isinstance(row, list) for row in values):
        shown = json.dumps(values, ensure_ascii=False)
        raise bad_request(
            f"Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue), {shown}"
        )
    height = len(values)
    width = max((len(row) for row in values), default=0)
    written = Box(box.sheet, box.r1, box.c1, box.r1 + max(height, 1) - 1, box.c1 + max(width, 1) - 1)
    if bounded and (written.r2 > box.r2 or written.c2 > box.c2):
        raise bad_request(
            f"Requested writing within range [{box.a1()}], but tried writing to "
            + (f"row [{written.r2}]" if written.r2 > box.r2 else f"column [{col_letter(written.c2)}]")
        )
    if written.r2 > box.sheet.rows or written.c2 > box.sheet.cols:
        raise grid_error(written)
    for i, row in enumerate(values):
        for j, value in enumerate(row):
            if value is None:
                continue  # null leaves the cell as it is
            cell = make_cell(value, option)
            key = (box.r1 + i, box.c1 + j)
            if cell is None:
                box.sheet.cells.pop(key, None)
            else:
                box.sheet.cells[key] = cell
    return written


def transpose(values: list[list]) -> list[list]:
    """Columns-major values to rows-major (majorDimension=COLUMNS)."""
    width = max((len(col) for col in values), default=0)
    return [[col[i] if i < len(col) else None for col in values] for i in range(width)]


def clear_box(box: Box) -> None:
    """Remove every cell in the box."""
    for key in [k for k in box.sheet.cells if box.r1 <= k[0] <= box.r2 and box.c1 <= k[1] <= box.c2]:
        del box.sheet.cells[key]


def last_data_row(box: Box) -> tuple[int, int, int]:
    """(first row, last row, last column) holding data inside the box's columns; zeros if none."""
    rows = [r for (r, c) in box.sheet.cells if box.c1 <= c <= box.c2 and r >= box.r1]
    cols = [c for (r, c) in box.sheet.cells if box.c1 <= c <= box.c2 and r >= box.r1]
    return (min(rows), max(rows), max(cols)) if rows else (0, 0, 0)


def shift(sheet: Sheet, dimension: str, start: int, count: int) -> None:
    """Insert (count > 0) or delete (count < 0) rows/columns at 1-based `start`, moving cells."""
    axis = 0 if dimension == "ROWS" else 1
    moved: dict[tuple[int, int], Cell] = {}
    for key, cell in sheet.cells.items():
        pos = key[axis]
        if count < 0 and start <= pos < start - count:
            continue
        if pos >= start:
            pos += count
        moved[(pos, key[1]) if axis == 0 else (key[0], pos)] = cell
    sheet.cells = moved
    if axis == 0:
        sheet.rows += count
    else:
        sheet.cols += count


def resize(sheet: Sheet, rows: int | None = None, cols: int | None = None) -> None:
    """Set the grid size, dropping cells that fall outside it."""
    sheet.rows = rows if rows is not None else sheet.rows
    sheet.cols = cols if cols is not None else sheet.cols
    sheet.cells = {k: v for k, v in sheet.cells.items() if k[0] <= sheet.rows and k[1] <= sheet.cols}


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_key() -> str:
    """A 44-character file ID like Google's."""
    return "1" + secrets.token_urlsafe(33)[:43]


@dataclass
class Book:
    """One spreadsheet (or, with `content`, one Drive document) and who may open it."""

    key: str
    title: str
    sheets: list[Sheet] = field(default_factory=list)
    shared_with: set[str] | None = None  # None: anyone signed in
    mime: str = SHEET_MIME
    content: bytes = b""
    created: str = field(default_factory=_now)
    modified: str = field(default_factory=_now)
    version: int = 1

    def touch(self) -> None:
        """Record a change (Drive's modifiedTime and version)."""
        self.modified, self.version = _now(), self.version + 1

    def sheet(self, title: str | None = None) -> Sheet:
        """The sheet called `title`, or the first one."""
        return next(s for s in self.sheets if title in (None, s.title))
