"""One header parser and one column lookup for CSV, XLSX and Google Sheets: the same sheet reads the
same way, and a status column typed in another case is reused, never doubled."""

from __future__ import annotations

import csv

import openpyxl
import pytest

from certkit.errors import RosterError
from certkit.sheets import CsvRosterSource, Row, StatusUpdate, XlsxRosterSource, fingerprint

COLUMNS = {"certificate_id": "Certificate ID", "status": "Status", "sent_at": "Sent at",
           "detail": "Detail"}
IDENTITY = ["Email", "Name"]
TABLE = [["Name", "Email", "status", " certificate id "], ["Ana", "ana@example.org", "", ""],
         ["", "", "", ""], ["Bo", "bo@example.org", "", ""]]


def _csv(path):
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(TABLE)
    return CsvRosterSource(path, status_columns=COLUMNS, identity=IDENTITY)


def _xlsx(path):
    book = openpyxl.Workbook()
    for rec in TABLE:
        book.active.append(rec)
    book.save(path)
    return XlsxRosterSource(path, status_columns=COLUMNS, identity=IDENTITY)


def _header_after_write(source):
    roster = source.read()
    ana = roster.rows[0]
    source.write([StatusUpdate(ana.number, fingerprint(ana, IDENTITY),
                               {"status": "Sent", "certificate_id": "CK-AAAA-BBBB"},
                               certificate_id="CK-AAAA-BBBB")])
    return source.read()


@pytest.mark.parametrize("make,name", [(_csv, "r.csv"), (_xlsx, "r.xlsx")])
def test_lower_case_status_column_is_reused_not_doubled(tmp_path, make, name):
    roster = _header_after_write(make(tmp_path / name))
    assert roster.header == ["Name", "Email", "status", "certificate id", "Sent at", "Detail"]
    ana = roster.rows[0]
    assert ana.get("Status") == "Sent" and ana.get("Certificate ID") == "CK-AAAA-BBBB"
    assert [r.number for r in roster.rows] == [2, 4]  # the blank row is skipped, numbers kept


def test_column_lookup_ignores_case_and_spacing():
    row = Row(2, {"E-mail Address": "a@b.org", "Full  Name": "Ana"})
    assert row.get("full name") == "Ana" and row.get("e-mail address") == "a@b.org"
    assert row.get("Missing") == ""


@pytest.mark.parametrize("make,name", [(_csv, "r.csv"), (_xlsx, "r.xlsx")])
def test_duplicate_header_differing_in_case_is_refused(tmp_path, make, name):
    TABLE[0][2] = "email"
    try:
        with pytest.raises(RosterError, match="Two columns are both called"):
            make(tmp_path / name).read()
    finally:
        TABLE[0][2] = "status"
