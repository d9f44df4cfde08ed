"""Edits landing exactly between a flush's read and its write (the emulator applies them just
before the values:batchUpdate): every status still ends on its own person, nobody else's row keeps
a stranger's status, and a deleted person is named."""

from __future__ import annotations

import pytest

from certkit.errors import RosterChanged

from .test_gsheets import HEADER, assert_statuses_match_people, people, sent, source, table


def started(sheets_emulator, sheets_client, n: int = 10):
    """A sheet of n people, the first four already Sent (earlier flush); the rest's updates."""
    key = sheets_emulator.add_spreadsheet("Roster", [HEADER, *people(n)])
    src = source(sheets_client, key)
    updates = sent(src.read().rows)
    src.write(updates[:4])
    return key, src, updates[4:]


def test_a_sort_between_read_and_write(sheets_emulator, sheets_client):
    key, src, rest = started(sheets_emulator, sheets_client)
    sheets_emulator.before_next("values:batchUpdate",
                                lambda: sheets_emulator.sort_rows(key, "A", reverse=True))
    src.write(rest)
    assert assert_statuses_match_people(sheets_emulator, key) == 10


def test_a_row_inserted_at_the_top_between_read_and_write(sheets_emulator, sheets_client):
    key, src, rest = started(sheets_emulator, sheets_client)
    sheets_emulator.before_next("values:batchUpdate", lambda: sheets_emulator.insert_rows(
        key, 2, [["Newcomer", "new@example.org", "Data Analysis"]]))
    src.write(rest)
    assert assert_statuses_match_people(sheets_emulator, key) == 10
    newcomer = next(r for r in table(sheets_emulator, key) if r["Email"] == "new@example.org")
    assert newcomer["Status"] == newcomer["Certificate ID"] == ""


def test_a_row_deleted_between_read_and_write(sheets_emulator, sheets_client):
    key, src, rest = started(sheets_emulator, sheets_client)
    rest[2].who = "Person 0007 <person7@example.org>"
    sheets_emulator.before_next("values:batchUpdate", lambda: sheets_emulator.delete_rows(key, 8))
    with pytest.raises(RosterChanged, match="Person 0007"):
        src.write(rest)
    assert assert_statuses_match_people(sheets_emulator, key) == 9
    assert "person7@example.org" not in {r["Email"] for r in table(sheets_emulator, key)}
