"""The Sheets v4 and Drive v3 endpoints of the emulator, one small function per method."""

from __future__ import annotations

import copy
import re
import secrets
from urllib.parse import unquote

from tests import sheets_grid as grid
from tests.sheets_grid import DOC_MIME, DOCX_MIME, SHEET_MIME, ApiError, Book, bad_request, new_key

MAX_CELLS = 10_000_000


def route(emu, method: str, path: str, query: dict, data: dict, who: str):
    """Dispatch one authenticated API call: returns (status, headers, JSON or bytes)."""
    q = {k: v[-1] for k, v in query.items()}
    if path.startswith("/drive/v3/files"):
        return _drive(emu, method, path, q, data, who)
    m = re.match(r"^/v4/spreadsheets/([^/:]+)(?::batchUpdate)?$", path)
    if m:
        book = emu.book(m.group(1), who)
        if method == "GET":
            return 200, {}, _metadata(book)
        if method == "POST" and path.endswith(":batchUpdate"):
            return 200, {}, _batch_update(book, data)
    m = re.match(r"^/v4/spreadsheets/([^/:]+)/values:(batchGet|batchUpdate|batchClear)$", path)
    if m:
        book = emu.book(m.group(1), who)
        if m.group(2) == "batchGet" and method == "GET":
            ranges = query.get("ranges", [])
            return 200, {}, {"spreadsheetId": book.key, "valueRanges": [_get(book, r, q) for r in ranges]}
        if m.group(2) == "batchUpdate" and method == "POST":
            return 200, {}, _values_batch_update(book, data)
        if m.group(2) == "batchClear" and method == "POST":
            cleared = [_clear(book, r) for r in data.get("ranges", [])]
            return 200, {}, {"spreadsheetId": book.key, "clearedRanges": cleared}
    m = re.match(r"^/v4/spreadsheets/([^/:]+)/values/([^/]+?)(?::(append|clear))?$", path)
    if m:
        book, rng, verb = emu.book(m.group(1), who), unquote(m.group(2)), m.group(3)
        if method == "GET" and not verb:
            return 200, {}, _get(book, rng, q)
        if method == "PUT" and not verb:
            return 200, {}, _update(book, rng, q, data)
        if method == "POST" and verb == "append":
            return 200, {}, _append(book, rng, q, data)
        if method == "POST" and verb == "clear":
            return 200, {}, {"spreadsheetId": book.key, "clearedRange": _clear(book, rng)}
    raise ApiError(404, "NOT_FOUND", f"Method not found: {method} {path}")


def _metadata(book: Book) -> dict:
    return {
        "spreadsheetId": book.key,
        "properties": {
            "title": book.title,
            "locale": "en_US",
            "autoRecalc": "ON_CHANGE",
            "timeZone": getattr(book, "time_zone", "Etc/GMT"),  # a test may set another
        },
        "sheets": [{"properties": s.properties()} for s in book.sheets],
        "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book.key}/edit",
    }


def _get(book: Book, rng: str, q: dict) -> dict:
    box = grid.parse_range(rng, book.sheets)
    values = grid.read_box(box, q.get("valueRenderOption", "FORMATTED_VALUE"))
    major = q.get("majorDimension", "ROWS")
    if major == "COLUMNS":
        values = [[v if v is not None else "" for v in col] for col in grid.transpose(values)]
        values = [col[: max((i + 1 for i, v in enumerate(col) if v != ""), default=0)] for col in values]
    out = {"range": box.a1(), "majorDimension": major}
    if values:
        out["values"] = values
    return out


def _written(book: Book, box: grid.Box, values: list) -> dict:
    return {
        "spreadsheetId": book.key,
        "updatedRange": box.a1(),
        "updatedRows": len(values),
        "updatedColumns": max((len(r) for r in values), default=0),
        "updatedCells": sum(len(r) for r in values),
    }


def _input(q: dict) -> str:
    option = q.get("valueInputOption", "")
    if not option:
        raise bad_request("'valueInputOption' is required but not specified")
    return option


def _rows(data: dict) -> list:
    values = data.get("values", [])
    if data.get("majorDimension") == "COLUMNS" and isinstance(values, list):
        return grid.transpose(values)
    return values


def _write(book: Book, rng: str, values: list, option: str) -> grid.Box:
    box = grid.parse_range(rng, book.sheets)
    single = box.r1 == box.r2 and box.c1 == box.c2 and ":" not in rng  # a corner, not a limit
    return grid.write_box(box, values, option, bounded=not single)


def _update(book: Book, rng: str, q: dict, data: dict) -> dict:
    values = _rows(data)
    written = _write(book, rng, values, _input(q))
    book.touch()
    return _written(book, written, values)


def _values_batch_update(book: Book, data: dict) -> dict:
    option = _input(data)
    saved = copy.deepcopy(book.sheets)  # the real API applies all ranges or none
    replies = []
    try:
        for item in data.get("data", []):
            values = _rows(item)
            replies.append(_written(book, _write(book, item.get("range", ""), values, option), values))
    except ApiError:
        book.sheets = saved
        raise
    book.touch()
    if data.get("includeValuesInResponse"):  # the whole requested range, as it is now
        render = data.get("responseValueRenderOption", "FORMATTED_VALUE")
        for reply, item in zip(replies, data.get("data", [])):
            box = grid.parse_range(item.get("range", ""), book.sheets)
            values = grid.read_box(box, render)
            reply["updatedData"] = {"range": box.a1(), "majorDimension": "ROWS",
                                    **({"values": values} if values else {})}
    return {
        "spreadsheetId": book.key,
        "totalUpdatedRows": sum(r["updatedRows"] for r in replies),
        "totalUpdatedColumns": max((r["updatedColumns"] for r in replies), default=0),
        "totalUpdatedCells": sum(r["updatedCells"] for r in replies),
        "totalUpdatedSheets": len({r["updatedRange"].rsplit("!", 1)[0] for r in replies}),
        "responses": replies,
    }


def _append(book: Book, rng: str, q: dict, data: dict) -> dict:
    values = _rows(data)
    option = _input(q)
    box = grid.parse_range(rng, book.sheets)
    first, last, last_col = grid.last_data_row(box)
    reply: dict = {"spreadsheetId": book.key}
    start = box.r1
    if last:
        reply["tableRange"] = grid.Box(box.sheet, first, box.c1, last, max(last_col, box.c1)).a1()
        start = last + 1
    grow = start + len(values) - 1 - box.sheet.rows
    if grow > 0:
        grid.resize(box.sheet, rows=box.sheet.rows + grow)
    written = grid.write_box(
        grid.Box(box.sheet, start, box.c1, box.sheet.rows, box.sheet.cols), values, option
    )
    book.touch()
    reply["updates"] = _written(book, written, values)
    return reply


def _clear(book: Book, rng: str) -> str:
    box = grid.parse_range(rng, book.sheets)
    grid.clear_box(box)
    book.touch()
    return box.a1()


def _find_sheet(book: Book, sheet_id) -> grid.Sheet:
    for s in book.sheets:
        if s.sheet_id == sheet_id:
            return s
    raise bad_request(f"No grid with id: {sheet_id}")


def _batch_update(book: Book, data: dict) -> dict:
    saved = copy.deepcopy(book.sheets)
    replies = []
    try:
        for i, request in enumerate(data.get("requests", [])):
            ((name, body),) = request.items()
            handler = _REQUESTS.get(name)
            if handler is None:
                raise bad_request(
                    f"Invalid JSON payload received. Unknown name \"{name}\" at 'requests[{i}]': "
                    "Cannot find field."
                )
            replies.append(handler(book, body))
            if sum(s.rows * s.cols for s in book.sheets) > MAX_CELLS:
                raise bad_request(
                    f"Invalid requests[{i}].{name}: This action would increase the number of cells "
                    f"in the workbook above the limit of {MAX_CELLS} cells."
                )
    except ApiError:
        book.sheets = saved
        raise
    book.touch()
    return {"spreadsheetId": book.key, "replies": replies}


def _update_sheet_properties(book: Book, body: dict) -> dict:
    props = body.get("properties", {})
    sheet = _find_sheet(book, props.get("sheetId", 0))
    fields = {f.strip().replace(".", "/") for f in body.get("fields", "").split(",") if f.strip()}
    gridp = props.get("gridProperties", {})
    rows, cols = sheet.rows, sheet.cols
    if fields & {"*", "gridProperties", "gridProperties/rowCount"} and "rowCount" in gridp:
        rows = gridp["rowCount"]
    if fields & {"*", "gridProperties", "gridProperties/columnCount"} and "columnCount" in gridp:
        cols = gridp["columnCount"]
    if rows < 1 or cols < 1:
        raise bad_request(
            "Invalid requests[0].updateSheetProperties: a sheet needs at least one row and column."
        )
    grid.resize(sheet, rows, cols)
    if fields & {"*", "title"} and "title" in props:
        sheet.title = props["title"]
    return {}


def _append_dimension(book: Book, body: dict) -> dict:
    sheet = _find_sheet(book, body.get("sheetId", 0))
    length = int(body.get("length", 0))
    if length < 1:
        raise bad_request("Invalid requests[0].appendDimension: length must be at least 1.")
    if body.get("dimension") == "COLUMNS":
        grid.resize(sheet, cols=sheet.cols + length)
    elif body.get("dimension") == "ROWS":
        grid.resize(sheet, rows=sheet.rows + length)
    else:
        raise bad_request("Invalid requests[0].appendDimension: dimension must be ROWS or COLUMNS.")
    return {}


def _dimension(book: Book, body: dict, sign: int) -> dict:
    rng = body.get("range", {})
    sheet = _find_sheet(book, rng.get("sheetId", 0))
    start, end = int(rng.get("startIndex", 0)), int(rng.get("endIndex", 0))
    if end <= start:
        raise bad_request("Invalid dimension range: endIndex must be greater than startIndex.")
    grid.shift(sheet, rng.get("dimension", "ROWS"), start + 1, sign * (end - start))
    return {}


def _add_sheet(book: Book, body: dict) -> dict:
    props = body.get("properties", {})
    title = props.get("title") or f"Sheet{len(book.sheets) + 1}"
    if any(s.title == title for s in book.sheets):
        raise bad_request(
            f'Invalid requests[0].addSheet: A sheet with the name "{title}" already exists. '
            "Please enter another name."
        )
    gridp = props.get("gridProperties", {})
    sheet = grid.Sheet(
        props.get("sheetId", secrets.randbelow(2**31 - 1)),
        title,
        len(book.sheets),
        gridp.get("rowCount", 1000),
        gridp.get("columnCount", 26),
    )
    book.sheets.append(sheet)
    return {"addSheet": {"properties": sheet.properties()}}


def _delete_sheet(book: Book, body: dict) -> dict:
    sheet = _find_sheet(book, body.get("sheetId"))
    if len(book.sheets) == 1:
        raise bad_request("Invalid requests[0].deleteSheet: You can't remove all the sheets in a document.")
    book.sheets.remove(sheet)
    for i, s in enumerate(book.sheets):
        s.index = i
    return {}


_REQUESTS = {
    "updateSheetProperties": _update_sheet_properties,
    "appendDimension": _append_dimension,
    "insertDimension": lambda book, body: _dimension(book, body, +1),
    "deleteDimension": lambda book, body: _dimension(book, body, -1),
    "addSheet": _add_sheet,
    "deleteSheet": _delete_sheet,
}


def _fields(item: dict, fields: str) -> dict:
    """Keep only the comma-separated top-level `fields` of a Drive resource (all if none)."""
    wanted = [f.strip() for f in fields.split(",") if f.strip()]
    return {k: v for k, v in item.items() if not wanted or k in wanted}


def _file(book: Book) -> dict:
    return {
        "kind": "drive#file",
        "id": book.key,
        "name": book.title,
        "mimeType": book.mime,
        "createdTime": book.created,
        "modifiedTime": book.modified,
        "version": str(book.version),
    }


def _drive(emu, method: str, path: str, q: dict, data: dict, who: str):
    m = re.match(r"^/drive/v3/files(?:/([^/]+))?(/export)?$", path)
    if not m:
        raise ApiError(404, "NOT_FOUND", "Not Found", "notFound")
    key, export = m.group(1), m.group(2)
    if key is None and method == "GET":
        return 200, {}, _list(emu, q, who)
    if key is None and method == "POST":
        book = Book(new_key(), data.get("name", "Untitled spreadsheet"), shared_with={who})
        book.sheets.append(grid.Sheet(0, "Sheet1", 0))
        emu.books[book.key] = book
        return 200, {}, {"kind": "drive#file", "id": book.key, "name": book.title, "mimeType": SHEET_MIME}
    book = emu.book(key, who, drive=True)
    if method == "DELETE" and not export:
        del emu.books[key]
        return 204, {}, None
    if export:
        if book.mime != DOC_MIME:
            raise ApiError(
                403, "PERMISSION_DENIED", "Export only supports Docs Editors files.", "fileNotExportable"
            )
        if q.get("mimeType") != DOCX_MIME:
            raise bad_request("The requested conversion is not supported.")
        return 200, {"Content-Type": DOCX_MIME}, book.content
    if q.get("alt") == "media":
        if book.mime in (DOC_MIME, SHEET_MIME):
            raise ApiError(
                403,
                "PERMISSION_DENIED",
                "Only files with binary content can be downloaded. Use Export with Docs Editors files.",
                "fileNotDownloadable",
            )
        return 200, {"Content-Type": book.mime}, book.content
    return 200, {}, _fields(_file(book), q.get("fields", ""))


def _list(emu, q: dict, who: str) -> dict:
    query = q.get("q", "")
    name = re.search(r"name\s*=\s*([\"'])(.*?)\1", query)
    mime = re.search(r"mimeType\s*=\s*([\"'])(.*?)\1", query)
    wanted = re.search(r"files\(([^)]*)\)", q.get("fields", ""))
    files = [
        _fields(_file(b), wanted.group(1) if wanted else "id,name,mimeType,kind")
        for b in emu.books.values()
        if (b.shared_with is None or who in b.shared_with)
        and (not name or b.title == name.group(2))
        and (not mime or b.mime == mime.group(2))
    ]
    return {"kind": "drive#fileList", "files": files}
