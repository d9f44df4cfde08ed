"""'Sent at' as the sheet's owner reads it: local time, readable, sortable as text."""

from __future__ import annotations

import re

from certkit.run import run_event
from certkit.sheets import GoogleSheetSource, open_roster
from certkit.status import shown_time

from .test_gsheets_pipeline import demo_rows, sheet_by_email

READABLE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d$")


def test_shown_time_is_local_readable_and_sortable():
    assert shown_time("2026-12-01T18:41:23+00:00", "Asia/Tokyo") == "2026-12-02 03:41"
    assert shown_time("2026-12-01T18:41:23+00:00", "America/Sao_Paulo") == "2026-12-01 15:41"
    assert READABLE.match(shown_time("2026-12-01T18:41:23+00:00"))  # this computer's zone
    assert shown_time("2026-12-01T18:41:23+00:00", "Not/AZone") == shown_time(
        "2026-12-01T18:41:23+00:00")
    assert shown_time("") == "" and shown_time("yesterday") == "yesterday"
    times = ["2026-12-01T09:05:00+00:00", "2026-11-30T23:59:00+00:00", "2026-12-01T10:00:00+00:00"]
    shown = [shown_time(t, "Europe/Paris") for t in times]
    assert sorted(shown) == [shown[1], shown[0], shown[2]]  # text order is time order


def test_a_local_roster_gets_readable_sent_at(event, converter):
    run_event(event, send=True, converter=converter)
    rows = open_roster(event).read().rows
    stamps = [r.get("Sent at") for r in rows if r.get("Status") == "Sent"]
    assert len(stamps) == 23 and all(READABLE.match(s) for s in stamps), stamps[:3]


def test_a_google_sheet_gets_sent_at_in_its_own_time_zone(event, sheets_emulator, sheets_client,
                                                           converter):
    rows = demo_rows()
    key = sheets_emulator.add_spreadsheet("Bootcamp", rows, option="USER_ENTERED",
                                          col_count=len(rows[0]))
    sheets_emulator.books[key].time_zone = "Pacific/Auckland"
    event.roster.source, event.roster.url = "sheets", key
    run_event(event, send=True, source=GoogleSheetSource.from_event(event, client=sheets_client),
              converter=converter, rows=[2])
    from certkit.ledger import open_ledger

    with open_ledger(event.folder) as ledger:
        rec = next(r for r in ledger.all() if r.status == "Sent")
    shown = sheet_by_email(sheets_emulator, key)[rec.email]["Sent at"]
    assert shown == shown_time(rec.sent_at, "Pacific/Auckland") and READABLE.match(shown)
