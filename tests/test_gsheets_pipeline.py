"""The whole pipeline with a Google Sheet as roster and status board (the Sheets API emulator),
real LibreOffice and the outbox transport."""

from __future__ import annotations

import csv
import email
import io
from pathlib import Path

import docx

import certkit
from certkit.run import run_event
from certkit.sheets import GoogleSheetSource


def demo_rows() -> list[list[str]]:
    """The demo roster, as the organizer would have typed it into a Google Sheet."""
    text = (Path(certkit.__file__).parent / "data" / "roster.csv").read_text(encoding="utf-8")
    return list(csv.reader(text.splitlines()))


def sheet_by_email(emulator, key: str) -> dict[str, dict[str, str]]:
    values = emulator.values(key)
    header = values[0]
    rows = [dict(zip(header, r + [""] * (len(header) - len(r)))) for r in values[1:] if r]
    return {r["Email"] or r["Full Name"]: r for r in rows}


def outbox(event) -> dict[str, str]:
    """Certificate ID -> recipient of every .eml in the outbox."""
    found = {}
    for path in sorted(event.path(event.transport.outbox_dir).glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes())
        found[message["X-Certkit-Id"]] = message["To"]
    return found


def test_run_event_shows_statuses_in_the_google_sheet_and_sends_nobody_twice(
    event, sheets_emulator, sheets_client, converter
):
    rows = demo_rows()
    key = sheets_emulator.add_spreadsheet(
        "Bootcamp 2026", rows, option="USER_ENTERED", col_count=len(rows[0])
    )
    event.roster.source, event.roster.url, event.roster.flush_rows = "sheets", key, 5
    source = GoogleSheetSource.from_event(event, client=sheets_client)
    sheets_emulator.clear_log()

    summary = run_event(event, send=True, source=source, converter=converter)

    assert summary.count("Sent") == 23 and not summary.sheet_errors
    sent = outbox(event)
    assert len(sent) == 23
    sheet = sheet_by_email(sheets_emulator, key)
    for address, row in sheet.items():
        if row["Status"] == "Sent":
            assert address in sent[row["Certificate ID"]] and row["Sent at"]
    assert sheet["priya.r@example"]["Status"] == "Not sent"
    assert "priya.r@example" in sheet["priya.r@example"]["Detail"]
    assert sheet["Tomás Ó Súilleabháin"]["Status"] == "Not sent"
    writes = sheets_emulator.count("write", path="values:batchUpdate")
    assert 1 <= writes <= 10  # batched: 25 rows flushed every 5, never one request per cell

    sheets_emulator.sort_rows(key, "A", reverse=True)  # the organizer re-sorts between runs
    again = run_event(
        event,
        send=True,
        source=GoogleSheetSource.from_event(event, client=sheets_client),
        converter=converter,
    )
    assert again.count("Sent") == 23 and not again.sheet_errors
    assert outbox(event) == sent  # nobody got a second message
    assert sheet_by_email(sheets_emulator, key) == sheet  # every status still on its own person


def test_a_google_doc_template_is_exported_cached_and_its_changes_announced(
    event, sheets_emulator, sheets_client, converter
):
    from pypdf import PdfReader

    rows = demo_rows()[:4]
    key = sheets_emulator.add_spreadsheet("Small", rows, col_count=len(rows[0]))
    classic = event.path("template.docx").read_bytes()
    doc = sheets_emulator.add_document("Certificate", classic)
    event.roster.source, event.roster.url = "sheets", key
    event.template.path = f"https://docs.google.com/document/d/{doc}/edit"
    source = GoogleSheetSource.from_event(event, client=sheets_client)

    first = run_event(event, send=False, source=source, converter=converter)
    assert "downloaded from Google Docs" in first.to_text()
    pdf = next(event.path("out/pdf").glob("*.pdf"))
    assert "Certificate" in PdfReader(str(pdf)).pages[0].extract_text()
    assert sheets_emulator.count("drive", path="/export") == 1

    second = run_event(event, send=False, source=source, converter=converter)
    assert second.notes == [] and sheets_emulator.count("drive", path="/export") == 1

    edited = docx.Document(io.BytesIO(classic))
    edited.add_paragraph("Signed by the director")
    buf = io.BytesIO()
    edited.save(buf)
    sheets_emulator.edit_document(doc, buf.getvalue())
    third = run_event(event, send=False, source=source, converter=converter)
    assert any("changed since the last run" in n for n in third.notes)


def test_statuses_an_unreachable_sheet_missed_are_written_on_the_next_run(
    event, sheets_emulator, new_sheets_client, converter
):
    from certkit.ledger import open_ledger
    from certkit.sheets import RetryPolicy

    rows = demo_rows()
    key = sheets_emulator.add_spreadsheet("Bootcamp", rows, col_count=len(rows[0]) + 4)
    event.roster.source, event.roster.url, event.roster.flush_rows = "sheets", key, 5
    client = new_sheets_client(RetryPolicy(first_wait=0.02, max_wait=0.05, total_wait=0.2))
    source = GoogleSheetSource.from_event(event, client=client)
    sheets_emulator.fail_next(10_000, 503, match="batchUpdate")  # Google is down for writes

    summary = run_event(event, send=True, source=source, converter=converter)
    assert summary.count("Sent") == 23 and summary.sheet_errors
    assert len(outbox(event)) == 23
    assert all(not r.get("Status") for r in sheet_by_email(sheets_emulator, key).values())
    with open_ledger(event.folder) as ledger:
        assert len(ledger.unsynced()) == 23

    sheets_emulator.faults.clear()  # Google is back
    again = run_event(event, send=True, source=source, converter=converter)
    assert not again.sheet_errors and len(outbox(event)) == 23  # nobody twice
    sheet = sheet_by_email(sheets_emulator, key)
    assert sum(r["Status"] == "Sent" for r in sheet.values()) == 23
    assert sheet["amelie.dubois@example.org"]["Certificate ID"] in outbox(event)
    with open_ledger(event.folder) as ledger:
        assert ledger.unsynced() == []
