"""Notebook 03's panels, driven as an organizer would (set a value, click, read what shows), on real
parts: aiosmtpd that drops the line after DATA, pymap's Sent folder, the ledger, the outbox, the
Sheets API emulator."""

from __future__ import annotations

import sqlite3

import pytest

from certkit import ui
from certkit.config import load_event, update_setting
from certkit.ledger import open_ledger
from certkit.run import run_event
from certkit.sheets import GoogleSheetSource
from certkit.ui import safe_name

from .conftest import use_smtp
from .imap_server import PASSWORD, ImapServer
from .smtp_server import DROP, KEEP_AND_DROP
from .test_gsheets_pipeline import demo_rows, outbox, sheet_by_email
from .test_pipeline import sheet_rows
from .test_reconcile import gmail_like, point_at
from .test_ui import shown

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # loopback

ARRIVED, LOST = "amelie.dubois@example.org", "jose.alvarez@example.org"


def upload(panel: ui.CertificateCheck, name: str, data: bytes) -> None:
    """Put a file into the upload widget the way the browser's message does."""
    panel.upload.set_state({"value": [{"name": name, "type": "application/pdf", "size": len(data),
                                       "content": memoryview(data), "last_modified": 1.7e12}]})


def test_unknown_rows_are_looked_up_in_the_sent_folder_and_the_rest_resent(
        ready_event, converter, monkeypatch):
    monkeypatch.setenv("CERTKIT_SMTP_PASSWORD", PASSWORD)
    imap = ImapServer()
    sink, controller = gmail_like(imap)
    # the line goes dead after the message's last line: Amélie's was kept, José's was not
    sink.on_data = lambda msg, n, kept: (KEEP_AND_DROP if str(msg["To"]).endswith(f"<{ARRIVED}>")
                                         else DROP if str(msg["To"]).endswith(f"<{LOST}>") else None)
    try:
        point_at(ready_event, controller.port, imap)
        event = load_event(ready_event)
        assert run_event(event, send=True, converter=converter).count("Unknown") == 2
        sink.on_data = None
        session = ui.Session(event, converter=converter)
        panel = ui.unknown_rows(session)
        assert [r.row_number for r in panel.records] == [2, 3]
        assert "Amélie Dubois" in panel.table.value and "José Álvarez Núñez" in panel.text()
        assert not panel.button.disabled
        panel.button.click()
        said = shown(panel.status)
        assert "1 found in the Sent folder (row 2): they did arrive" in said
        assert "1 not found in the Sent folder (row 3): they most likely did not arrive" in said
        assert "Find a person" in said and "⚠" in said
        assert [r.row_number for r in panel.records] == [3]  # the table now lists José only
        rows = sheet_rows(ready_event / "roster.xlsx")
        assert rows["Amélie Dubois"]["Status"] == "Sent"
        assert rows["José Álvarez Núñez"]["Status"] == "Unknown"
        assert "Not in the Sent folder" in rows["José Álvarez Núñez"]["Detail"]
        finder = ui.find_person(session)  # as the panel says: resend José's with Find a person
        finder.query.value = "José"
        before = len(sink.received)
        finder.resend_button.click()  # asks first: nothing is sent by the question
        assert "Resend certificate" in shown(finder.question) and len(sink.received) == before
        finder.yes.click()
        finder.yes.click()  # a double click sends one message
        assert len(sink.received) == before + 1
        assert "Resent certificate" in shown(finder.status)
        panel.refresh()
        assert panel.records == [] and "nothing to do here" in panel.text()
        assert panel.button.disabled
    finally:
        controller.stop()
        imap.stop()
    counts = sink.per_recipient()
    assert counts[ARRIVED] == 1 and counts[LOST] == 1 and set(counts.values()) == {1}


def test_unknown_rows_without_a_sent_folder_are_left_to_the_organizer(ready_event, smtp, converter):
    sink, controller = smtp
    sink.on_data = lambda msg, n, kept: DROP if str(msg["To"]).endswith(f"<{LOST}>") else None
    use_smtp(ready_event, controller.port, retry_wait=0.01)  # no imap_host: no Sent folder
    event = load_event(ready_event)
    run_event(event, send=True, rows=[2, 3], converter=converter)
    panel = ui.UnknownRows(ui.Session(event, converter=converter))
    panel.button.click()
    assert "There is no Sent folder to look in" in shown(panel.status)
    assert [r.row_number for r in panel.records] == [3]  # still Unknown, never sent again alone


def test_verification_site_button_writes_the_site_and_says_where_to_upload_it(ready_event,
                                                                               converter):
    session = ui.Session(load_event(ready_event), converter=converter)
    panel = ui.verification_site(session)
    panel.button.click()  # nothing issued yet
    assert "No certificate has been issued yet" in shown(panel.status)
    run_event(session.event, send=True, converter=converter)
    panel.button.click()
    site = ready_event / "out" / "verify-site"
    assert panel.folder == site and len(list(site.glob("CK-*/index.html"))) == 23
    said = shown(panel.status)
    assert f"23 certificate page(s) written to {site}" in said
    assert "so that its address is https://certificates.example.org/verify" in said
    assert "still the example https://" in said  # the demo's address must be changed before use
    toml = ready_event / "event.toml"  # the organizer sets her own website's address
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        "https://certificates.example.org/verify", "https://certs.my-club.org/verify"),
        encoding="utf-8")
    session.reload()
    panel.button.click()
    assert "certs.my-club.org/verify/<certificate ID>/" in shown(panel.status)
    assert "still the example" not in shown(panel.status)


def test_checker_says_valid_for_a_real_pdf_and_not_for_an_altered_one(ready_event, converter):
    event = load_event(ready_event)
    run_event(event, send=True, converter=converter)
    with open_ledger(ready_event) as ledger:
        amelie = next(r for r in ledger.all() if r.name == "Amélie Dubois")
    real = event.path(amelie.pdf).read_bytes()
    panel = ui.check_certificate(ui.Session(event, converter=converter))
    upload(panel, "Amélie's certificate.pdf", real)
    assert panel.verdict.valid and panel.upload.value == ()  # ready for the next file
    assert "is the certificate issued to Amélie Dubois; it is valid" in shown(panel.status)
    assert f"https://certificates.example.org/verify/{amelie.cert_id}/" in panel.status.value
    altered = bytearray(real)
    altered[len(real) // 2] ^= 0x01  # one bit changed inside the PDF
    upload(panel, "<img src=x onerror=alert(1)>.pdf", bytes(altered))
    assert not panel.verdict.valid and "<img" not in panel.status.value
    assert "does not match any certificate" in shown(panel.status) and "altered" in panel.text()
    panel.button.click()
    assert "Type the certificate ID" in shown(panel.status)
    panel.cert_id.value = amelie.cert_id.lower()  # typed, then Enter
    assert panel.verdict.valid and f"{amelie.cert_id} was issued to Amélie Dubois" in panel.text()
    panel.cert_id.value = "CK-0000-0000"
    assert "No certificate with ID 'CK-0000-0000'" in shown(panel.status)
    # an uploaded file's name never becomes a path
    assert [safe_name(n) for n in ("../../etc/passwd", r"C:\Users\a.pdf", "..", "")] == [
        "passwd", "a.pdf", "uploaded.pdf", "uploaded.pdf"]


def test_notebook_03_settles_and_resends_with_the_roster_in_a_google_sheet(
        event, sheets_emulator, sheets_client, converter):
    rows = demo_rows()
    key = sheets_emulator.add_spreadsheet("Bootcamp 2026", rows, option="USER_ENTERED",
                                          col_count=len(rows[0]))
    update_setting(event.folder, "roster", {"source": "sheets", "url": key})
    session = ui.Session(load_event(event.folder), converter=converter,
                         open_source=lambda e: GoogleSheetSource.from_event(e, client=sheets_client))
    run_event(session.event, send=True, source=session.source(), converter=converter)
    with open_ledger(event.folder) as ledger:
        amelie = next(r for r in ledger.all() if r.email == ARRIVED).cert_id
    db = sqlite3.connect(event.folder / "certkit.db")
    with db:  # as if killed after Amélie's .eml was written but before "sent" was recorded
        db.execute("UPDATE attempts SET state = 'unknown' WHERE cert_id = ?", (amelie,))
        db.execute("UPDATE certificates SET status = 'Unknown' WHERE cert_id = ?", (amelie,))
    db.close()
    unknown = ui.unknown_rows(session)
    unknown.button.click()  # the sheet is updated through the session's Google source
    assert "1 found in the outbox folder (row 2)" in shown(unknown.status)
    finder = ui.find_person(session)
    finder.query.value = LOST
    finder.to.value = "jose.alvarez.nunez@example.org"
    finder.resend_button.click()
    finder.yes.click()
    assert "Resent certificate" in shown(finder.status)
    sheet = sheet_by_email(sheets_emulator, key)
    assert LOST not in sheet
    jose = sheet["jose.alvarez.nunez@example.org"]
    assert jose["Full Name"] == "José Álvarez Núñez" and jose["Status"] == "Sent"
    assert jose["Detail"].startswith("Resent to jose.alvarez.nunez@example.org (was "
                                     f"{LOST}); the sheet's email column now shows it")
    assert sum("jose.alvarez.nunez@example.org" in to for to in outbox(session.event).values()) == 1
    assert len(sheet) == 25  # nobody else moved
    assert sheet[ARRIVED]["Status"] == "Sent" and "Found in the Sent folder" in sheet[ARRIVED]["Detail"]
