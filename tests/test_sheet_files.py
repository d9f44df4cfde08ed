"""Roster files stay the organizer's: a LibreOffice-saved workbook keeps every byte but the status
cells (formulas keep their computed values), the file keeps its mode, an open file is not replaced,
and a row that cannot be found again does not hold back the others."""

from __future__ import annotations

import shutil
import stat
import zipfile
from pathlib import Path

import openpyxl
import pytest

from certkit.errors import RosterChanged, RosterError
from certkit.sheets import StatusUpdate, XlsxRosterSource, fingerprint

from .test_local_sources import COLUMNS, IDENTITY
from .xlsx_factory import calc_saved

WHO = ["Email", "First"]  # plain cells: an openpyxl save (the organizer's edit here) empties formulas

PEOPLE = [
    ["First", "Last", "Name", "Email", "Score"],
    ["Ada", "Lovelace", '=A2&" "&B2', "ada@example.org", "=ROUND(91.456,1)"],
    ["Alan", "Turing", '=A3&" "&B3', "alan@example.org", "=ROUND(88.04,1)"],
    ["Grace", "Hopper", '=A4&" "&B4', "grace@example.org", "=ROUND(79.95,1)"],
]


@pytest.fixture(scope="module")
def saved_by_calc(tmp_path_factory) -> Path:
    """A roster whose name and score are formulas, saved (with values) by LibreOffice Calc."""
    path = tmp_path_factory.mktemp("calc") / "roster.xlsx"
    return calc_saved(path, {"People": PEOPLE, "Notes": [["keep me", "=1+1"]]})


@pytest.fixture
def roster(saved_by_calc, tmp_path) -> Path:
    target = tmp_path / "roster.xlsx"
    shutil.copyfile(saved_by_calc, target)
    target.chmod(0o644)
    return target


def source(path: Path) -> XlsxRosterSource:
    return XlsxRosterSource(path, status_columns=COLUMNS, identity=WHO)


def update_for(row, status: str, cid: str = "", detail: str = "") -> StatusUpdate:
    values = {"status": status, "detail": detail} | ({"certificate_id": cid} if cid else {})
    return StatusUpdate(row.number, fingerprint(row, WHO), values, certificate_id=cid)


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def test_formulas_keep_their_values_and_every_other_part_is_unchanged(roster):
    before = members(roster)
    src = source(roster)
    ada, alan, _ = src.read().rows
    assert ada.get("Name") == "Ada Lovelace" and ada.get("Score") == "91.5"
    src.write([update_for(ada, "Sent", "CK-AAAA-0001"), update_for(alan, "Failed", detail='a "q" & <b>')])
    after = members(roster)
    assert list(after) == list(before)  # same parts, same order
    changed = [name for name in before if before[name] != after[name]]
    assert changed == ["xl/worksheets/sheet1.xml"]
    rows = {r.get("Email"): r for r in XlsxRosterSource(roster, status_columns=COLUMNS,
                                                         identity=IDENTITY).read().rows}
    # a fresh reader still sees the computed names and scores (openpyxl's save would drop them)
    assert rows["ada@example.org"].get("Name") == "Ada Lovelace"
    assert rows["alan@example.org"].get("Score") == "88"
    assert rows["ada@example.org"].get("Status") == "Sent"
    assert rows["ada@example.org"].get("Certificate ID") == "CK-AAAA-0001"
    assert rows["alan@example.org"].get("Detail") == 'a "q" & <b>'
    assert rows["grace@example.org"].get("Status") == ""
    book = openpyxl.load_workbook(roster)  # formulas themselves are still there
    assert book["People"]["C2"].value == '=A2&" "&B2'
    assert book["Notes"]["B1"].value == "=1+1"


def test_the_file_keeps_its_mode(roster):
    src = source(roster)
    src.write([update_for(src.read().rows[0], "Sent", "CK-AAAA-0002")])
    assert stat.S_IMODE(roster.stat().st_mode) == 0o644


@pytest.mark.parametrize("lock", ["~$roster.xlsx", ".~lock.roster.xlsx#"])
def test_a_file_open_in_excel_or_libreoffice_is_not_replaced(roster, lock):
    src = source(roster)
    ada = src.read().rows[0]
    (roster.parent / lock).write_text("someone,host,2026")
    before = roster.read_bytes()
    with pytest.raises(RosterError, match="Close the file"):
        src.write([update_for(ada, "Sent", "CK-AAAA-0003")])
    assert roster.read_bytes() == before
    (roster.parent / lock).unlink()
    src.write([update_for(ada, "Sent", "CK-AAAA-0003")])
    assert source(roster).read().rows[0].get("Status") == "Sent"


def test_one_row_that_cannot_be_found_does_not_hold_back_the_others(roster):
    src = source(roster)
    ada, alan, grace = src.read().rows
    book = openpyxl.load_workbook(roster)  # the organizer deletes Ada's row (openpyxl: plain save)
    book["People"].delete_rows(2)
    book.save(roster)
    gone = update_for(ada, "Sent", "CK-AAAA-0004")
    gone.who = "Ada Lovelace <ada@example.org>"
    with pytest.raises(RosterChanged, match=r"Ada Lovelace <ada@example\.org>.*CK-AAAA-0004"):
        src.write([gone, update_for(alan, "Sent", "CK-AAAA-0005"), update_for(grace, "Failed")])
    rows = {r.get("First"): r for r in source(roster).read().rows}
    assert rows["Alan"].get("Status") == "Sent" and rows["Grace"].get("Status") == "Failed"
    assert "CK-AAAA-0004" not in {r.get("Certificate ID") for r in rows.values()}


def test_a_save_by_the_organizer_between_flushes_is_read_again(roster):
    src = source(roster)
    ada, alan, _ = src.read().rows
    src.write([update_for(ada, "Pending", "CK-AAAA-0006")])
    book = openpyxl.load_workbook(roster)
    book["People"].insert_rows(2)  # a new person typed at the top
    book["People"]["A2"], book["People"]["D2"] = "Zoe", "zoe@example.org"
    book.save(roster)
    src.write([update_for(ada, "Sent", "CK-AAAA-0006"), update_for(alan, "Sent", "CK-AAAA-0007")])
    rows = {r.get("First"): r for r in source(roster).read().rows}
    assert rows["Zoe"].get("Status") == ""
    assert rows["Ada"].get("Status") == "Sent" and rows["Alan"].get("Certificate ID") == "CK-AAAA-0007"


def test_a_workbook_certkit_cannot_edit_safely_is_left_as_it_was_with_what_to_do(roster):
    parts = members(roster)
    sheet = parts["xl/worksheets/sheet1.xml"].decode("utf-8")
    parts["xl/worksheets/sheet1.xml"] = sheet.replace('<row r="3" ', "<row ", 1).encode("utf-8")
    with zipfile.ZipFile(roster, "w") as zf:  # a generator that leaves out row numbers
        for name, data in parts.items():
            zf.writestr(name, data)
    before = roster.read_bytes()
    src = source(roster)
    with pytest.raises(RosterError, match=r"was not changed.*save it as \.xlsx once.*kept"):
        src.write([update_for(src.read().rows[0], "Sent", "CK-AAAA-0008")])
    assert roster.read_bytes() == before
