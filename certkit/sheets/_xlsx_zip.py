"""Surgical edits of an .xlsx file: change a few cells of one sheet, keep every other byte.

openpyxl saves formulas without their cached values (every reader then sees empty names until a
spreadsheet program recalculates), and drops what it does not model. Here the sheet's XML is edited
as text: each status cell becomes an inline string (keeping its style), every other zip member is
copied unchanged (same name, order, date, compression), and the file keeps its permissions.
"""

from __future__ import annotations

import os
import posixpath
import re
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

from ..errors import RosterError
from ._header import column_letter
from ._local import refuse_if_open

ROW = re.compile(r"<row\b([^>]*?)(/>|>(.*?)</row>)", re.S)
CELL = re.compile(r"<c\b([^>]*?)(/>|>(.*?)</c>)", re.S)
ATTR = r'\b{}="([^"]*)"'
REF = re.compile(r"([A-Z]+)(\d+)")
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
ESCAPED = re.compile(r"_(x[0-9A-Fa-f]{4}_)")  # Excel reads "_x0041_" as "A": escape the "_"

AFTER = "The statuses are kept and written on the next run."
RESAVE = "Open the file in Excel or LibreOffice and save it as .xlsx once, then run again."
Cells = Mapping[tuple[int, int], str]  # (row, column), both 1-based -> text


class CannotEdit(RosterError):
    """The workbook's XML has a shape certkit does not edit safely (statuses stay in the ledger)."""


def _attr(attrs: str, name: str) -> str | None:
    m = re.search(ATTR.format(name), attrs)
    return m.group(1) if m else None


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _text(value: str) -> str:
    value = ESCAPED.sub(r"_x005F_\1", ILLEGAL.sub("", value))
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cell(ref: str, style: str | None, text: str) -> str:
    """A cell holding `text` as an inline string (never a formula), or an empty styled cell."""
    s = f' s="{style}"' if style is not None else ""
    if not text:
        return f'<c r="{ref}"{s}/>'
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{_text(text)}</t></is></c>'


def sheet_part(zf: zipfile.ZipFile, sheet: str) -> tuple[str, str]:
    """(zip member of the worksheet, its title): the named sheet, or the first one."""
    book = zf.read("xl/workbook.xml").decode("utf-8")
    rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    entries = re.findall(r"<(?:\w+:)?sheet\b([^>]*)/?>", book)
    if not entries:
        raise CannotEdit("The workbook lists no worksheets.")
    import html

    chosen = entries[0]
    if sheet:
        chosen = next((e for e in entries if html.unescape(_attr(e, "name") or "") == sheet), "")
    rid = re.search(r'\br:id="([^"]*)"', chosen or "") or re.search(r':id="([^"]*)"', chosen or "")
    if not rid:
        raise CannotEdit(f"The workbook has no worksheet '{sheet}'.")
    for rel in re.findall(r"<Relationship\b([^>]*)/?>", rels):
        if _attr(rel, "Id") == rid.group(1):
            target = _attr(rel, "Target") or ""
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join("xl", target))
            return part, html.unescape(_attr(chosen, "name") or "")
    raise CannotEdit("The workbook's list of worksheets points nowhere.")


def _edit_row(number: int, attrs: str, body: str, wanted: dict[int, str]) -> str:
    """One <row> with the wanted columns set, cells kept in column order."""
    cells: list[tuple[int, str]] = []
    for m in CELL.finditer(body):
        ref = _attr(m.group(1), "r")
        if ref is None or not REF.fullmatch(ref):
            raise CannotEdit(f"A cell in row {number} has no address. " + RESAVE)
        cells.append((_col_number(REF.fullmatch(ref).group(1)), m.group(0)))
    if CELL.sub("", body).strip():
        raise CannotEdit(f"Row {number} holds something other than cells. " + RESAVE)
    have = dict(cells)
    for col, text in wanted.items():
        ref = f"{column_letter(col)}{number}"
        old = have.get(col)
        if old is not None and re.search(r"<(?:\w+:)?f[\s>/]", old):
            raise CannotEdit(
                f"Cell {ref} holds a formula, but it is one of certkit's status cells. Clear the "
                "formula in that cell."
            )
        style = _attr(CELL.match(old).group(1), "s") if old is not None else None
        if old is None and not text:
            continue
        have[col] = _cell(ref, style, text)
    order = sorted(have)
    spans = _attr(attrs, "spans")
    if spans is not None and order:
        attrs = re.sub(ATTR.format("spans"), f'spans="{order[0]}:{order[-1]}"', attrs)
    return f"<row{attrs}>{''.join(have[c] for c in order)}</row>"


def edit_sheet_xml(xml: str, cells: Cells) -> str:
    """The worksheet XML with `cells` set as inline strings; everything else as it was."""
    start = re.search(r"<sheetData\s*(/>|>)", xml)
    if start is None:
        raise CannotEdit("The worksheet uses an XML form certkit does not edit. " + RESAVE)
    if start.group(1) == "/>":
        head, body, tail = xml[: start.start()] + "<sheetData>", "", "</sheetData>" + xml[start.end():]
    else:
        end = xml.index("</sheetData>", start.end())
        head, body, tail = xml[: start.end()], xml[start.end(): end], xml[end:]
    by_row: dict[int, dict[int, str]] = {}
    for (r, c), text in cells.items():
        by_row.setdefault(r, {})[c] = text
    rows: list[tuple[int, str]] = []
    for m in ROW.finditer(body):
        number = _attr(m.group(1), "r")
        if number is None:
            raise CannotEdit("A row of the worksheet has no number. " + RESAVE)
        n = int(number)
        wanted = by_row.pop(n, None)
        rows.append((n, m.group(0) if wanted is None else _edit_row(n, m.group(1), m.group(3) or "",
                                                                    wanted)))
    if ROW.sub("", body).strip():
        raise CannotEdit("The worksheet holds something other than rows. " + RESAVE)
    for n, wanted in by_row.items():
        if any(wanted.values()):
            rows.append((n, _edit_row(n, f' r="{n}"', "", wanted)))
    rows.sort(key=lambda item: item[0])
    xml = head + "".join(text for _, text in rows) + tail
    return _grow_dimension(xml, cells)


def _grow_dimension(xml: str, cells: Cells) -> str:
    """Widen <dimension ref> to cover the written cells (readers use it to size the sheet)."""
    m = re.search(r'<dimension\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"\s*/>', xml)
    if m is None or not cells:
        return xml
    c1, r1 = _col_number(m.group(1)), int(m.group(2))
    c2, r2 = (_col_number(m.group(3)), int(m.group(4))) if m.group(3) else (c1, r1)
    c2 = max(c2, *(c for _, c in cells))
    r2 = max(r2, *(r for r, _ in cells))
    ref = f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}"
    return xml[: m.start()] + f'<dimension ref="{ref}"/>' + xml[m.end():]


def write_cells(path: Path, sheet: str, cells: Cells) -> None:
    """Set `cells` of worksheet `sheet` ("" = the first) and replace the file in one step.

    Raises RosterError when the file is open in a spreadsheet program or cannot be written,
    CannotEdit when its XML has a shape certkit does not edit (nothing is changed then).
    """
    refuse_if_open(path)
    try:
        with zipfile.ZipFile(path) as zf:
            part, _ = sheet_part(zf, sheet)
            xml = edit_sheet_xml(zf.read(part).decode("utf-8"), cells)
            mode = os.stat(path).st_mode & 0o7777
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
            try:
                with os.fdopen(fd, "wb") as out, zipfile.ZipFile(out, "w") as zout:
                    zout.comment = zf.comment
                    for info in zf.infolist():
                        data = xml.encode("utf-8") if info.filename == part else zf.read(info)
                        zout.writestr(info, data)
                os.chmod(tmp, mode)
                os.replace(tmp, path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
    except CannotEdit as exc:
        raise CannotEdit(f"{path.name} was not changed: {exc} {AFTER}") from exc
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError) as exc:
        raise CannotEdit(f"{path.name} is not a workbook certkit can edit ({exc}). {RESAVE} "
                         f"{AFTER}") from exc
    except PermissionError as exc:
        raise RosterError(
            f"{path.name} could not be saved ({exc}). Close it in Excel or LibreOffice, then run "
            "again; the statuses are kept and written on the next run."
        ) from exc
