"""CSV rosters as organizers' programs save them: real bytes in, the same shape out."""

from __future__ import annotations

import stat

import pytest

from certkit.config import load_event, save_setting
from certkit.run import init_event
from certkit.sheets import CsvRosterSource, open_roster

from .test_local_sources import COLUMNS, IDENTITY, update_for


def source(path, **kw) -> CsvRosterSource:
    return CsvRosterSource(path, status_columns=COLUMNS, identity=IDENTITY, **kw)


def test_a_quote_in_a_status_round_trips_in_a_comma_file_without_doubled_quotes(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(b"Name,Email\nAna,ana@example.org\nBo,bo@example.org\n")
    src = source(path)
    ana, _ = src.read().rows
    src.write([update_for(ana, "Failed", detail='The server said "no such user"; try again')])
    (again, bo) = source(path).read().rows
    assert again.get("Detail") == 'The server said "no such user"; try again'
    assert bo.get("Status") == ""
    assert path.read_bytes().splitlines()[2] == b"Bo,bo@example.org"  # untouched line kept


def test_a_european_excel_export_semicolons_and_windows_1252(tmp_path):
    path = tmp_path / "r.csv"
    raw = "Name;Email;Note\r\nRenée Lefèvre;renee@example.org;a, b\r\nJürgen Groß;j@example.org;x\r\n"
    path.write_bytes(raw.encode("cp1252"))
    src = source(path)
    renee, _ = src.read().rows
    assert renee.get("Name") == "Renée Lefèvre" and renee.get("Note") == "a, b"
    assert "Windows-1252" in src.note
    src.write([update_for(renee, "Sent", "CK-EU00-0001")])
    data = path.read_bytes()
    assert data.decode("cp1252").splitlines()[0] == "Name;Email;Note;Certificate ID;Status;Sent at;Detail"
    assert data.count(b"\r\n") == 3 and b"\n" not in data.replace(b"\r\n", b"")  # CRLF kept
    assert data.splitlines()[2] == "Jürgen Groß;j@example.org;x".encode("cp1252")
    assert source(path).read().rows[0].get("Certificate ID") == "CK-EU00-0001"


@pytest.mark.parametrize("bom", [True, False])
def test_lf_bom_quoting_and_mode_survive(tmp_path, bom):
    path = tmp_path / "r.csv"
    body = '"Name","Email"\n"Ana","ana@example.org"\n"Bo","bo@example.org"\n'
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + body.encode("utf-8"))
    path.chmod(0o644)
    src = source(path)
    ana, _ = src.read().rows
    src.write([update_for(ana, "Sent", "CK-LF00-0001")])
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") == bom
    assert b"\r" not in data
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == '"Name","Email","Certificate ID","Status","Sent at","Detail"'
    assert lines[1] == '"Ana","ana@example.org","CK-LF00-0001","Sent","",""'
    assert lines[2] == '"Bo","bo@example.org"'
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_tab_files_and_the_overrides_in_event_toml(tmp_path):
    tabbed = tmp_path / "t.csv"
    tabbed.write_bytes(b"Name\tEmail\nAna\tana@example.org\n")
    assert source(tabbed).read().rows[0].get("Email") == "ana@example.org"
    folder = init_event(tmp_path / "event")
    (folder / "roster.csv").write_bytes(b"Full Name;Nick\tEmail\nAna;A\tana@example.org\n")
    save_setting(folder, "roster", {"source": "csv", "path": "roster.csv", "delimiter": "\t",
                                    "encoding": "utf-8"})
    (row,) = open_roster(load_event(folder)).read().rows  # detection alone would pick ";"
    assert row.values == {"Full Name;Nick": "Ana;A", "Email": "ana@example.org"}


def test_a_file_open_in_libreoffice_is_left_alone(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(b"Name,Email\nAna,ana@example.org\n")
    (tmp_path / ".~lock.r.csv#").write_text("x")
    src = source(path)
    with pytest.raises(Exception, match="Close the file"):
        src.write([update_for(src.read().rows[0], "Sent")])
    assert path.read_bytes() == b"Name,Email\nAna,ana@example.org\n"
