"""GoogleSheetSource against the Sheets API emulator, through the real gspread client over HTTP."""

from __future__ import annotations

import time

import pytest

from certkit.errors import RosterChanged, RosterError
from certkit.sheets import GoogleSheetSource, RetryPolicy, RosterSource, StatusUpdate, fingerprint

STATUS = {"certificate_id": "Certificate ID", "status": "Status", "sent_at": "Sent at", "detail": "Detail"}
IDENTITY = ["Email", "Full Name"]
HEADER = ["Full Name", "Email", "Course"]
SENT_AT = "2026-06-12T10:00:00+02:00"


def people(n: int, start: int = 1) -> list[list[str]]:
    """Roster rows for n people."""
    return [[f"Person {i:04d}", f"person{i}@example.org", "Data Analysis"] for i in range(start, start + n)]


def source(client, key: str, **kwargs) -> GoogleSheetSource:
    return GoogleSheetSource(key, status_columns=STATUS, identity=IDENTITY, client=client, **kwargs)


def cert_id(row) -> str:
    """A certificate ID derived from the email, so a test can tell whose status landed where."""
    return "C-" + row.get("Email").split("@")[0]


def sent(rows, status: str = "Sent") -> list[StatusUpdate]:
    """One status update per row, as the pipeline makes them after sending."""
    return [
        StatusUpdate(
            row.number,
            fingerprint(row, IDENTITY),
            {"certificate_id": cert_id(row), "status": status, "sent_at": SENT_AT, "detail": ""},
            certificate_id=cert_id(row),
            person={"Email": row.get("Email"), "Full Name": row.get("Full Name")},  # as Run.show
        )
        for row in rows
    ]


def table(emulator, key: str) -> list[dict[str, str]]:
    """The sheet's data rows as header -> text (the organizer's view)."""
    values = emulator.values(key)
    header = values[0]
    return [dict(zip(header, r + [""] * (len(header) - len(r)))) for r in values[1:] if r]


def assert_statuses_match_people(emulator, key: str, status: str = "Sent") -> int:
    """Every row with a Certificate ID carries its own person's ID; returns how many rows have one."""
    done = 0
    for rec in table(emulator, key):
        if rec.get("Certificate ID"):
            assert rec["Certificate ID"] == "C-" + rec["Email"].split("@")[0], rec
            assert rec["Status"] == status and rec["Sent at"] == SENT_AT
            done += 1
    return done


def test_is_a_roster_source(sheets_emulator, sheets_client):
    key = sheets_emulator.add_spreadsheet("Roster", [HEADER, *people(2)])
    assert isinstance(source(sheets_client, key), RosterSource)


def test_reads_the_whole_roster_in_one_request_as_shown(sheets_emulator, sheets_client):
    key = sheets_emulator.add_spreadsheet("Roster", [[*HEADER, "Score", "Date"], *people(3)])
    sheets_emulator.delete_rows(key, 3)  # a gap: row 3 is empty now
    sheets_emulator.insert_rows(key, 3, [[]])
    sheets_emulator.type(key, "D2", "2,000.5")
    sheets_emulator.type(key, "E2", "2026-06-12")
    sheets_emulator.type(key, "D4", "=4/2")
    src = source(sheets_client, key)
    roster = src.read()
    assert roster.header == ["Full Name", "Email", "Course", "Score", "Date"]
    assert [r.number for r in roster.rows] == [2, 4]
    assert roster.rows[0].values == {
        "Full Name": "Person 0001",
        "Email": "person1@example.org",
        "Course": "Data Analysis",
        "Score": "2,000.5",
        "Date": "2026-06-12",
    }
    assert roster.rows[1].get("Score") == "2" and roster.rows[1].get("Date") == ""
    assert sheets_emulator.count("read") == 2  # spreadsheet metadata once, then the values
    src.read()
    assert sheets_emulator.count("read") == 3 and sheets_emulator.count("write") == 0


def test_opens_by_url_key_or_title(sheets_emulator, sheets_client):
    key = sheets_emulator.add_spreadsheet("Spring course 2026", [HEADER, *people(2)])
    url = f"https://docs.google.com/spreadsheets/d/{key}/edit#gid=0"
    for ref in (url, key, "Spring course 2026"):
        assert len(source(sheets_client, ref).read().rows) == 2
    with pytest.raises(RosterError, match="No Google Sheet called 'Autumn'"):
        source(sheets_client, "Autumn").read()
    sheets_emulator.add_spreadsheet("Spring course 2026", [HEADER])
    with pytest.raises(RosterError, match="2 Google Sheets are called"):
        source(sheets_client, "Spring course 2026").read()
    with pytest.raises(RosterError, match="not the address of a Google Sheet"):
        source(sheets_client, "https://docs.google.com/document/d/").read()


def test_worksheet_by_name_and_header_row(sheets_emulator, sheets_client):
    key = sheets_emulator.add_spreadsheet("Roster", [["Summary"]])
    sheets_emulator.add_sheet(key, "Attendees", [["Spring course"], [], HEADER, *people(2)])
    roster = source(sheets_client, key, worksheet="attendees", header_row=3).read()
    assert [r.number for r in roster.rows] == [4, 5]
    with pytest.raises(RosterError, match=r"no worksheet \(tab\) 'Atendees'.*Did you mean 'Attendees'"):
        source(sheets_client, key, worksheet="Atendees").read()


@pytest.mark.parametrize(
    ("rows", "kwargs", "message"),
    [
        ([["Full Name", "", "Email"]], {}, "Column B has no name"),
        ([["Full Name", "Email", "email "]], {}, "Two columns are both called"),
        ([["Spring course 2026"], [], HEADER, *people(1)], {}, "are in row 3.*header_row = 3"),
        ([[], [], ["x"]], {}, "Row 1 .* is empty"),
    ],
)
def test_header_problems_stop_before_anything_is_written(
    sheets_emulator, sheets_client, rows, kwargs, message
):
    key = sheets_emulator.add_spreadsheet("Roster", rows)
    src = source(sheets_client, key, **kwargs)
    with pytest.raises(RosterError, match=message):
        src.read()
    with pytest.raises(RosterError, match=message):
        src.write([StatusUpdate(2, "0" * 16, {"status": "Sent"})])
    assert sheets_emulator.count("write") == 0


def test_a_missing_mapped_column_suggests_the_closest_header(sheets_emulator, sheets_client):
    key = sheets_emulator.add_spreadsheet("Roster", [HEADER, *people(1)])
    with pytest.raises(RosterError, match=r"no column 'Course Name'.*Did you mean 'Course'"):
        source(sheets_client, key, required=["Course Name"]).read()


def test_status_columns_go_after_the_last_used_column_growing_a_narrow_grid(sheets_emulator, sheets_client):
    key = sheets_emulator.add_spreadsheet("Roster", [HEADER, *people(4)], col_count=4)
    sheets_emulator.type(key, "D3", "called back")  # a note in a column without a name
    src = source(sheets_client, key)
    rows = src.read().rows
    sheets_emulator.clear_log()
    src.write(sent(rows))
    grid_requests = [
        r for r in sheets_emulator.log if r.path.endswith(":batchUpdate") and "/values" not in r.path
    ]
    assert len(grid_requests) == 1
    assert grid_requests[0].body["requests"] == [
        {"appendDimension": {"sheetId": 0, "dimension": "COLUMNS", "length": 4}}
    ]
    assert sheets_emulator.values(key)[0] == [*HEADER, "", *STATUS.values()]
    assert sheets_emulator.cell(key, "D3") == "called back"
    assert assert_statuses_match_people(sheets_emulator, key) == 4
    assert sheets_emulator.count("write") == 2 and sheets_emulator.count("read") == 1


def test_columns_the_organizer_added_during_the_run_are_respected(
    sheets_emulator, sheets_client, new_sheets_client
):
    key = sheets_emulator.add_spreadsheet("Roster", [HEADER, *people(3)], col_count=3)
    src = source(sheets_client, key)
    rows = src.read().rows
    organizer = new_sheets_client(principal="organizer@example.org")
    tab = organizer.open_by_key(key).sheet1
    tab.add_cols(1)  # the organizer widens the sheet and types a new column
    tab.update([["Phone"], ["+1 555 0100"]], "D1:D2", raw=False)
    src.write(sent(rows))
    values = sheets_emulator.values(key)
    assert values[0] == [*HEADER, "Phone", *STATUS.values()]
    assert values[1][3] == "+1 555 0100"
    assert assert_statuses_match_people(sheets_emulator, key) == 3


def test_existing_status_columns_are_found_by_name_and_nothing_else_is_written(
    sheets_emulator, sheets_client
):
    header = ["status", "Full Name", "Email", "Notes", "Sent At"]
    rows = [header] + [["", *p[:2], f"note {i}", ""] for i, p in enumerate(people(3))]
    key = sheets_emulator.add_spreadsheet("Roster", rows)
    src = source(sheets_client, key)
    before = sheets_emulator.values(key)
    src.write(sent(src.read().rows))
    after = sheets_emulator.values(key)
    assert after[0] == [*header, "Certificate ID", "Detail"]
    for old, new in zip(before[1:], after[1:]):
        assert new[1:4] == old[1:4]  # name, email, notes untouched
        assert new[0] == "Sent" and new[4] == SENT_AT


def test_1000_rows_in_one_flush_is_one_read_and_one_write(sheets_emulator, sheets_client):
    key = sheets_emulator.add_spreadsheet("Roster", [HEADER, *people(1000)])
    src = source(sheets_client, key)
    rows = src.read().rows
    sheets_emulator.clear_log()
    src.write(sent(rows))
    assert sheets_emulator.count("write") == 1 and sheets_emulator.count("read") == 1
    assert assert_statuses_match_people(sheets_emulator, key) == 1000


def test_1000_rows_flushed_every_50_rows(sheets_emulator, sheets_client):
    key = sheets_emulator.add_spreadsheet("Roster", [HEADER, *people(1000)], col_count=len(HEADER))
    src = source(sheets_client, key)
    rows = src.read().rows
    sheets_emulator.clear_log()
    updates = sent(rows)
    for start in range(0, 1000, 50):
        src.write(updates[start : start + 50])
    reads, writes = sheets_emulator.count("read"), sheets_emulator.count("write")
    print(f"\n1,000 rows, flush every 50: {reads} reads, {writes} writes")
    assert (reads, writes) == (20, 21)  # 20 flushes; the first one also grows the narrow grid
    assert sheets_emulator.count("write", path="values:batchUpdate") == 20
    assert assert_statuses_match_people(sheets_emulator, key) == 1000


def test_formula_looking_text_is_written_as_text(sheets_emulator, sheets_client):
    evil = '=HYPERLINK("http://evil.example","x")'
    key = sheets_emulator.add_spreadsheet("Roster", [HEADER, [evil, "a@example.org", "Course"]])
    src = source(sheets_client, key)
    row = src.read().rows[0]
    assert row.get("Full Name") == evil  # read as the text it is
    update = StatusUpdate(
        row.number,
        fingerprint(row, IDENTITY),
        {"status": "Failed", "detail": evil, "certificate_id": "+123"},
        extra={"Course": "=1+1", "Phone": "=2+2"},
    )
    src.write([update])
    for cell, text in (("G2", evil), ("D2", "+123"), ("C2", "=1+1")):
        assert sheets_emulator.cell(key, cell) == text
        assert sheets_emulator.cell(key, cell, "FORMULA") == text  # stored as text, not a formula
    assert "Phone" not in sheets_emulator.values(key)[0]  # extra cells only where the column exists
    sheets_emulator.type(key, "H2", evil)  # the same text typed in as USER_ENTERED becomes a formula
    assert sheets_emulator.cell(key, "H2") == "x"


def test_rows_inserted_mid_run_do_not_shift_statuses(sheets_emulator, sheets_client):
    key = sheets_emulator.add_spreadsheet("Roster", [HEADER, *people(10)])
    src = source(sheets_client, key)
    updates = sent(src.read().rows)
    src.write(updates[:5])
    sheets_emulator.insert_rows(key, 4, people(1, start=900))  # the organizer adds latecomers
    sheets_emulator.insert_rows(key, 2, people(1, start=901))
    src.write(updates[5:])
    assert assert_statuses_match_people(sheets_emulator, key) == 10
    late = [r for r in table(sheets_emulator, key) if r["Email"].startswith("person90")]
    assert len(late) == 2 and all(r["Status"] == "" for r in late)


def test_rows_sorted_mid_run_keep_their_statuses(sheets_emulator, sheets_client):
    key = sheets_emulator.add_spreadsheet("Roster", [HEADER, *people(10)])
    src = source(sheets_client, key)
    updates = sent(src.read().rows)
    src.write(updates[:4])
    sheets_emulator.sort_rows(key, "A", reverse=True)
    src.write(updates[4:])
    assert assert_statuses_match_people(sheets_emulator, key) == 10


def test_a_row_deleted_mid_run_is_named_and_the_others_are_still_written(sheets_emulator,
                                                                        sheets_client):
    key = sheets_emulator.add_spreadsheet("Roster", [HEADER, *people(6)])
    src = source(sheets_client, key)
    updates = sent(src.read().rows)
    updates[2].who = "Person 0003 <person3@example.org>"
    sheets_emulator.delete_rows(key, 4)
    with pytest.raises(RosterChanged, match=r"Person 0003 <person3@example\.org> \(was row 4\)"):
        src.write(updates)
    assert assert_statuses_match_people(sheets_emulator, key) == 5  # nobody else held back


def test_rows_are_found_again_by_certificate_id_after_edits(sheets_emulator, sheets_client):
    key = sheets_emulator.add_spreadsheet("Roster", [HEADER, *people(5)])
    src = source(sheets_client, key)
    updates = sent(src.read().rows)
    src.write(updates)
    sheets_emulator.type(key, "B3", "person2@example.net")  # an email corrected by hand ...
    sheets_emulator.sort_rows(key, "B")  # ... and the sheet re-sorted
    bounce = updates[1]
    bounce.values = {"status": "Bounced", "detail": "550 5.1.1 no such user"}
    src.write([bounce])
    row = next(r for r in table(sheets_emulator, key) if r["Certificate ID"] == bounce.certificate_id)
    assert (row["Email"], row["Status"]) == ("person2@example.net", "Bounced")
    assert row["Detail"] == "550 5.1.1 no such user" and row["Sent at"] == SENT_AT


def test_a_renamed_tab_is_found_again(sheets_emulator, sheets_client, new_sheets_client):
    key = sheets_emulator.add_spreadsheet("Roster", [HEADER, *people(3)])
    src = source(sheets_client, key)
    rows = src.read().rows
    organizer = new_sheets_client(principal="organizer@example.org")
    organizer.open_by_key(key).sheet1.update_title("Participants")
    src.write(sent(rows))
    assert assert_statuses_match_people(sheets_emulator, key) == 3


def test_ensure_status_columns_creates_them_once(sheets_emulator, sheets_client):
    key = sheets_emulator.add_spreadsheet("Roster", [[*HEADER, "Status"], *people(2)], col_count=4)
    src = source(sheets_client, key)
    assert src.ensure_status_columns() == ["Certificate ID", "Sent at", "Detail"]
    assert sheets_emulator.count("write") == 2  # one grid request, one values write
    assert sheets_emulator.values(key)[0] == [*HEADER, "Status", "Certificate ID", "Sent at", "Detail"]
    assert src.ensure_status_columns() == []
    assert sheets_emulator.count("write") == 2


def test_quota_of_60_writes_a_minute_with_429_bursts_loses_nothing(sheets_emulator, new_sheets_client):
    # A "minute" of 4 s keeps the test short; 90 one-row flushes (~100/s here, 15/s would do) run
    # into the 60-request limit within the first window, so 429 bursts happen even on a slow machine.
    sheets_emulator.quota = {"read": 60, "write": 60}
    sheets_emulator.minute = 4.0
    key = sheets_emulator.add_spreadsheet("Roster", [HEADER, *people(90)])
    client = new_sheets_client()
    src = source(client, key)
    updates = sent(src.read().rows)
    started = time.monotonic()
    for update in updates:
        src.write([update])
    refused = sheets_emulator.count(status=429)
    print(f"\n{refused} replies were 429 RESOURCE_EXHAUSTED")
    assert refused > 0  # the quota really bit
    assert client.http_client.retries >= refused
    assert assert_statuses_match_people(sheets_emulator, key) == 90
    assert sheets_emulator.count("write", status=200) == 90  # every flush written once, none dropped
    assert time.monotonic() - started < 60


def test_retry_after_is_honoured(sheets_emulator, new_sheets_client):
    sheets_emulator.quota = {"read": 0, "write": 1}
    sheets_emulator.minute = 1.0
    sheets_emulator.retry_after = 1.0
    key = sheets_emulator.add_spreadsheet("Roster", [HEADER, *people(2)])
    client = new_sheets_client()  # its own backoff never waits more than 0.5 s
    src = source(client, key)
    updates = sent(src.read().rows)
    src.write(updates[:1])
    src.write(updates[1:])
    assert sheets_emulator.count(status=429) >= 1
    assert client.http_client.waited >= 1.0
    assert assert_statuses_match_people(sheets_emulator, key) == 2


def test_server_errors_and_slow_replies_are_retried(sheets_emulator, sheets_client):
    key = sheets_emulator.add_spreadsheet("Roster", [HEADER, *people(20)])
    src = source(sheets_client, key)
    updates = sent(src.read().rows)
    sheets_emulator.fail_next(2, 500, match="values:batchUpdate")
    sheets_emulator.slow_next(3.0, match="values:batchUpdate")  # longer than the 2 s read timeout
    sheets_emulator.fail_next(1, 503, match="/values/")
    src.write(updates)
    assert sheets_emulator.count(path="values:batchUpdate") == 4
    assert sheets_emulator.count(status=500) == 2 and sheets_emulator.count(status=503) == 1
    assert assert_statuses_match_people(sheets_emulator, key) == 20


@pytest.mark.parametrize(("status", "message"), [(429, "too many requests"), (503, "servers kept failing")])
def test_retries_stop_after_the_total_wait_with_a_clear_message(
    sheets_emulator, status, message, new_sheets_client
):
    key = sheets_emulator.add_spreadsheet("Roster", [HEADER, *people(2)])
    client = new_sheets_client(RetryPolicy(first_wait=0.05, max_wait=0.1, total_wait=0.3))
    src = source(client, key)
    updates = sent(src.read().rows)
    sheets_emulator.fail_next(1000, status)
    with pytest.raises(RosterError, match=f"{message}.*Nothing was lost"):
        src.write(updates)
    assert 2 <= sheets_emulator.count(status=status) < 20
