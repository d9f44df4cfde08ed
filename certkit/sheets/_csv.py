"""A CSV roster, read as the spreadsheet program that saved it wrote it, and written back the same way.

European Excel saves `;`-separated Windows-1252 files; others use `,` or tabs, UTF-8 with or
without a BOM, LF or CRLF, quotes around every field or only where needed. certkit detects each of
these (or takes `[roster] delimiter` / `encoding`), and on write-back changes only the records it
writes: every other line keeps its bytes. Quotes are always doubled inside quoted fields, the way
Excel and LibreOffice write them (csv.Sniffer guesses "no doubling" from a sample without `""`,
and writing with that guess fails on the first `"` in a status).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import RosterChanged, RosterError
from ._header import find_column, parse_table, status_targets
from ._local import atomic_save, refuse_if_open, row_cells
from ._placing import place_rows
from ._roster import Roster, StatusUpdate

DELIMITERS = (",", ";", "\t")
BOM = b"\xef\xbb\xbf"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text: str) -> str:
    """Text that a spreadsheet program opening the CSV will not run as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


@dataclass
class CsvShape:
    """How a CSV file is written: encoding (and BOM), delimiter, quoting, line ending."""

    encoding: str = "utf-8"
    bom: bool = False
    delimiter: str = ","
    quote_all: bool = False
    newline: str = "\r\n"
    final_newline: bool = True
    note: str = ""

    def writer(self, out: io.StringIO) -> csv.Writer:  # type: ignore[name-defined]
        """A csv writer producing this shape (quotes doubled, like Excel)."""
        return csv.writer(out, delimiter=self.delimiter, quotechar='"', doublequote=True,
                          quoting=csv.QUOTE_ALL if self.quote_all else csv.QUOTE_MINIMAL,
                          lineterminator=self.newline)


def _decode(raw: bytes, name: str, encoding: str) -> tuple[str, CsvShape]:
    """The text and the encoding it was in: UTF-8 (BOM or not), else Windows-1252 with a note."""
    shape = CsvShape(bom=raw.startswith(BOM))
    body = raw[3:] if shape.bom else raw
    if encoding:
        try:
            shape.encoding = encoding
            return body.decode(encoding), shape
        except (UnicodeDecodeError, LookupError) as exc:
            raise RosterError(f"{name} cannot be read as {encoding} ({exc}). Fix [roster] encoding "
                              "in event.toml (utf-8, cp1252, ...), or remove it.") from exc
    try:
        return body.decode("utf-8"), shape
    except UnicodeDecodeError:
        shape.encoding = "cp1252"
        shape.note = (f"{name} is not UTF-8: it was read as Windows-1252 (Western European, as "
                      "Excel saves it). If some letters look wrong, set [roster] encoding in "
                      "event.toml.")
        return body.decode("cp1252", errors="replace"), shape


def _outside_quotes(line: str, char: str) -> int:
    """How often `char` appears in `line` outside double-quoted parts."""
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == char and not quoted:
            count += 1
    return count


def detect(raw: bytes, name: str, delimiter: str = "", encoding: str = "") -> tuple[str, CsvShape]:
    """The decoded text and its shape; `delimiter` / `encoding` override the detection."""
    text, shape = _decode(raw, name, encoding)
    first = next(iter(io.StringIO(text, newline="")), "")
    line = first.rstrip("\r\n")
    if delimiter:
        shape.delimiter = "\t" if delimiter in ("\\t", "tab") else delimiter
    else:
        counts = {d: _outside_quotes(line, d) for d in DELIMITERS}
        best = max(DELIMITERS, key=lambda d: counts[d])
        shape.delimiter = best if counts[best] else ","
    field = r'"(?:[^"]|"")*"'
    shape.quote_all = bool(line) and re.fullmatch(
        f"{field}(?:{re.escape(shape.delimiter)}{field})*", line) is not None
    ending = first[len(line):]
    shape.newline = ending or ("\r\n" if "\r\n" in text else "\n")
    shape.final_newline = text.endswith(("\n", "\r"))
    return text, shape


def records_with_text(text: str, shape: CsvShape) -> Iterator[tuple[list[str], str]]:
    """Each record with the exact text it was read from (a quoted cell may span lines)."""
    taken: list[str] = []

    def lines() -> Iterator[str]:
        for piece in io.StringIO(text, newline=""):
            taken.append(piece)
            yield piece

    reader = csv.reader(lines(), delimiter=shape.delimiter, quotechar='"', doublequote=True,
                        strict=True)
    for record in reader:
        raw = "".join(taken)
        taken.clear()
        yield record, raw


class CsvRosterSource:
    """A .csv roster; records certkit writes are replaced in place, every other line is kept."""

    def __init__(self, path: Path, *, header_row: int = 1, status_columns: dict[str, str],
                 identity: Sequence[str], delimiter: str = "", encoding: str = ""):
        self.path = Path(path)
        self.header_row = header_row
        self.status_columns = status_columns
        self.identity = list(identity)
        self.delimiter = delimiter
        self.encoding = encoding
        self.shape = CsvShape()

    @property
    def note(self) -> str:
        """What the organizer should know about how the file was read ("" when nothing)."""
        return self.shape.note

    def _load(self) -> list[tuple[list[str], str]]:
        """Every record with its raw text."""
        if not self.path.exists():
            raise RosterError(f"The roster file {self.path} does not exist. Fix [roster] path.")
        text, self.shape = detect(self.path.read_bytes(), self.path.name, self.delimiter,
                                  self.encoding)
        try:
            return list(records_with_text(text, self.shape))
        except csv.Error as exc:
            raise RosterError(f"{self.path.name} is not a well-formed CSV file: {exc}.") from exc

    def read(self) -> Roster:
        """Read the header and every non-empty row below it."""
        records = [r for r, _ in self._load()]
        if len(records) < self.header_row:
            raise RosterError(f"{self.path.name} is empty: add a header row and one row per person.")
        header, rows = parse_table(records, self.header_row)
        return Roster(header, rows, self.path.name, self.header_row)

    def write(self, updates: Sequence[StatusUpdate]) -> None:
        """Write the status cells: changed records are re-encoded in the file's own shape, the
        rest keep their bytes; the file is replaced in one step and keeps its mode.

        Raises RosterError, writing nothing, while the file is open in Excel or LibreOffice;
        RosterChanged naming the people whose rows cannot be found again (the others are written).
        """
        if not updates:
            return
        refuse_if_open(self.path)
        loaded = self._load()
        records = [r for r, _ in loaded]
        header, rows = parse_table(records, self.header_row)
        id_name = self.status_columns["certificate_id"]
        found, problems = place_rows(updates, rows, find_column(header, id_name) or id_name,
                                     self.identity)
        extra = sorted({find_column(header, c) for u in updates for c in u.extra} - {""})
        targets, created = status_targets(header, [*self.status_columns.values(), *extra])
        header.extend(created)
        changed: dict[int, list[str]] = {}
        if created:
            changed[self.header_row] = header + list(records[self.header_row - 1])[len(header):]
        for i, number in found.items():
            rec = list(records[number - 1])
            rec.extend([""] * (len(header) - len(rec)))
            for name, text in row_cells(updates[i], self.status_columns, header, targets).items():
                rec[targets[name] - 1] = csv_safe(text)
            changed[number] = rec
        out = []
        for number, (_, raw) in enumerate(loaded, start=1):
            if number not in changed:
                out.append(raw)
                continue
            buf = io.StringIO(newline="")
            self.shape.writer(buf).writerow(changed[number])
            line = buf.getvalue()
            out.append(line if raw.endswith(("\n", "\r")) else line[: -len(self.shape.newline)])
        data = "".join(out).encode(self.shape.encoding, errors="replace")
        atomic_save(self.path, lambda f: Path(f).write_bytes((BOM if self.shape.bom else b"") + data))
        if problems:
            raise RosterChanged(" ".join(problems))
