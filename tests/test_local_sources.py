"""Local roster files: XLSX edited in place, CSV rewritten with its encoding and delimiter kept."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from openpyxl.styles import Font

from certkit.errors import RosterChanged, RosterError
from certkit.sheets import CsvRosterSource, Row, StatusBoard, StatusUpdate, XlsxRosterSource, fingerprint

COLUMNS = {"certificate_id": "Certificate ID", "status": "Status", "sent_at": "Sent at",
           "detail": "Detail"}
IDENTITY = ["Email", "Name"]


def update_for(row: Row, status: str, cid: str = "", detail: str = "") -> StatusUpdate:
    """A status update for a row as read."""
    values = {"status": status, "detail": detail}
    if cid:
        values["certificate_id"] = cid
    return StatusUpdate(row.number, fingerprint(row, IDENTITY), values, certificate_id=cid)


@pytest.fixture
def workbook(tmp_path):
    """A roster with formatting, a formula column and a second sheet."""
    path = tmp_path / "roster.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "People"
    sheet.append(["Name", "Email", "Score", "Double"])
    sheet.append(["Ana", "ana@example.org", 90, "=C2*2"])
    sheet.append(["Bo", "bo@example.org", 70, "=C3*2"])
    sheet["A2"].font = Font(bold=True, color="FF0000")
    other = book.create_sheet("Notes")
    other["A1"] = "keep me"
    book.save(path)
    return path


def xlsx(path) -> XlsxRosterSource:
    """An XLSX source with the standard status columns."""
    return XlsxRosterSource(path, status_columns=COLUMNS, identity=IDENTITY)


def test_xlsx_write_touches_only_status_cells(workbook):
    source = xlsx(workbook)
    roster = source.read()
    assert roster.header == ["Name", "Email", "Score", "Double"]
    ana = roster.rows[0]
    source.write([update_for(ana, "Sent", "CK-AAAA-BBBB")])
    book = openpyxl.load_workbook(workbook)
    sheet = book["People"]
    assert [c.value for c in sheet[1]] == ["Name", "Email", "Score", "Double", "Certificate ID",
                                           "Status", "Sent at", "Detail"]
    assert sheet["D2"].value == "=C2*2" and sheet["D3"].value == "=C3*2"  # formulas intact
    assert sheet["A2"].font.bold and sheet["A2"].font.color.rgb.endswith("FF0000")
    assert sheet["E2"].value == "CK-AAAA-BBBB" and sheet["F2"].value == "Sent"
    assert sheet["F3"].value is None  # Bo untouched
    assert book["Notes"]["A1"].value == "keep me"


def test_xlsx_status_text_that_looks_like_a_formula_stays_text(workbook):
    source = xlsx(workbook)
    ana = source.read().rows[0]
    source.write([update_for(ana, "Failed", detail='=HYPERLINK("http://evil","x")')])
    cell = openpyxl.load_workbook(workbook)["People"]["H2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_existing_status_columns_are_found_by_name_wherever_they_are(tmp_path):
    path = tmp_path / "r.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Status", "Name", "Email", "Certificate ID"])
    book.active.append(["", "Ana", "ana@example.org", ""])
    book.save(path)
    source = xlsx(path)
    source.write([update_for(source.read().rows[0], "Sent", "CK-2222-3333")])
    sheet = openpyxl.load_workbook(path).active
    assert [c.value for c in sheet[1]][:4] == ["Status", "Name", "Email", "Certificate ID"]
    assert sheet["A2"].value == "Sent" and sheet["D2"].value == "CK-2222-3333"


def test_a_row_inserted_during_a_run_does_not_shift_statuses(workbook):
    source = xlsx(workbook)
    roster = source.read()
    ana, bo = roster.rows
    book = openpyxl.load_workbook(workbook)
    book["People"].insert_rows(2)  # the organizer inserts a row above Ana mid-run
    book["People"]["A2"] = "Cy"
    book["People"]["B2"] = "cy@example.org"
    book.save(workbook)
    source.write([update_for(ana, "Sent", "CK-ANA0-0000"), update_for(bo, "Failed")])
    rows = {r.get("Name"): r for r in source.read().rows}
    assert rows["Ana"].get("Status") == "Sent" and rows["Ana"].get("Certificate ID") == "CK-ANA0-0000"
    assert rows["Bo"].get("Status") == "Failed"
    assert rows["Cy"].get("Status") == ""


def test_a_deleted_row_stops_the_flush_instead_of_writing_elsewhere(workbook):
    source = xlsx(workbook)
    ana, _bo = source.read().rows
    book = openpyxl.load_workbook(workbook)
    book["People"].delete_rows(2)  # Ana is gone
    book.save(workbook)
    with pytest.raises(RosterChanged, match="row 2"):
        source.write([update_for(ana, "Sent")])
    assert source.read().rows[0].get("Status") == ""  # Bo got nothing of Ana's


@pytest.mark.parametrize(
    ("encoding", "delimiter", "bom"),
    [("utf-8", ",", False), ("utf-8", ";", True), ("cp1252", ";", False), ("utf-8", "\t", False)],
)
def test_csv_keeps_encoding_bom_and_delimiter(tmp_path, encoding, delimiter, bom):
    path = tmp_path / "r.csv"
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter)
    writer.writerows([["Name", "Email", "Note"], ["Renée Lefèvre", "renee@example.org", "a, b"]])
    data = buf.getvalue().encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    source = CsvRosterSource(path, status_columns=COLUMNS, identity=IDENTITY)
    (row,) = source.read().rows
    assert row.get("Name") == "Renée Lefèvre" and row.get("Note") == "a, b"
    source.write([update_for(row, "Sent", "CK-3333-4444", detail="=1+1")])
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == bom
    body = raw[3:] if bom else raw
    decoded = body.decode(encoding)
    assert decoded.splitlines()[0].split(delimiter)[:4] == ["Name", "Email", "Note", "Certificate ID"]
    assert "Renée Lefèvre" in decoded
    (again,) = CsvRosterSource(path, status_columns=COLUMNS, identity=IDENTITY).read().rows
    assert again.get("Status") == "Sent" and again.get("Detail") == "'=1+1"  # not a live formula


def test_header_problems_are_named(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("Name,,Email\nAna,x,ana@example.org\n", encoding="utf-8")
    with pytest.raises(RosterError, match="Column B has no name"):
        CsvRosterSource(path, status_columns=COLUMNS, identity=IDENTITY).read()
    path.write_text("Name,Email,name\n", encoding="utf-8")
    with pytest.raises(RosterError, match="Two columns are both called"):
        CsvRosterSource(path, status_columns=COLUMNS, identity=IDENTITY).read()


def test_status_board_writes_in_batches(workbook):
    source = xlsx(workbook)
    ana, bo = source.read().rows
    board = StatusBoard(source, rows=2, seconds=3600)
    assert board.put("a", update_for(ana, "Pending")) == []
    assert board.put("a", update_for(ana, "Sent")) == []  # newest per row wins, still one queued
    written = board.put("b", update_for(bo, "Sent"))
    assert len(written) == 2 and board.flushes == 1
    assert {r.get("Status") for r in source.read().rows} == {"Sent"}
