"""End to end on the demo event: real LibreOffice, a real SMTP server, the roster file written back."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from pypdf import PdfReader

from certkit.config import load_event, save_setting
from certkit.docs import pdf_file_name
from certkit.run import run_demo, run_event

from .conftest import use_smtp


def sheet_rows(path: Path) -> dict[str, dict[str, object]]:
    """Roster rows by name, as header -> value."""
    sheet = openpyxl.load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    return {r[0]: dict(zip(header, r)) for r in rows[1:] if r[0]}


def squash(text: str) -> str:
    """Text without whitespace: a long name may wrap onto two lines in the PDF."""
    return "".join(text.split())


def pdf_text(data: bytes | Path) -> str:
    """All text of a PDF."""
    reader = PdfReader(io.BytesIO(data) if isinstance(data, bytes) else str(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_demo_makes_one_pdf_and_one_eml_per_valid_row(tmp_path, converter):
    summary = run_demo(tmp_path / "demo")
    folder = tmp_path / "demo"
    pdfs = sorted((folder / "out" / "pdf").glob("*.pdf"))
    emls = sorted((folder / "out" / "outbox").glob("*.eml"))
    assert summary.count("Sent") == 23 and len(pdfs) == 23 and len(emls) == 23
    rows = sheet_rows(folder / "roster.xlsx")
    assert rows["Priya Raghunathan"]["Status"] == "Not sent"
    assert "priya.r@example" in rows["Priya Raghunathan"]["Detail"]
    assert rows["Tomás Ó Súilleabháin"]["Status"] == "Not sent"
    assert "empty" in rows["Tomás Ó Súilleabháin"]["Detail"]
    for name in ("王小明", "Johnson & Johnson Training Team", "Siobhán O'Brien", "Zoë Müller-Lüdenscheidt"):
        row = rows[name]
        assert row["Status"] == "Sent" and row["Sent at"]
        text = pdf_text(folder / "out" / "pdf" / pdf_file_name(name, row["Certificate ID"]))
        assert squash(name) in squash(text)
    again = run_demo(folder)
    assert again.count("Sent") == 23
    assert len(list((folder / "out" / "outbox").glob("*.eml"))) == 23  # nobody twice


def test_smtp_each_recipient_gets_exactly_one_message_with_their_pdf(event_dir, smtp, converter):
    sink, controller = smtp
    use_smtp(event_dir, controller.port)
    event = load_event(event_dir)
    summary = run_event(event, send=True, converter=converter)
    assert summary.count("Sent") == 23
    assert len(sink.messages) == 23
    rows = sheet_rows(event_dir / "roster.xlsx")
    for name, row in rows.items():
        if row["Status"] != "Sent":
            continue
        got = sink.to(row["Email"])
        assert len(got) == 1, name
        pdf = next(p for p in got[0].iter_attachments() if p.get_content_type() == "application/pdf")
        assert squash(name) in squash(pdf_text(pdf.get_content()))
        assert got[0]["X-Certkit-Id"] == row["Certificate ID"]
    run_event(load_event(event_dir), send=True, converter=converter)
    assert len(sink.messages) == 23


def test_sent_rows_are_not_resent_when_the_status_cell_was_edited(event_dir, smtp, converter):
    sink, controller = smtp
    use_smtp(event_dir, controller.port)
    run_event(load_event(event_dir), send=True, converter=converter)
    book = openpyxl.load_workbook(event_dir / "roster.xlsx")
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        row[header.index("Status")].value = None  # the organizer cleared every status by hand
    book.save(event_dir / "roster.xlsx")
    run_event(load_event(event_dir), send=True, converter=converter)
    assert len(sink.messages) == 23
    assert sheet_rows(event_dir / "roster.xlsx")["Amélie Dubois"]["Status"] == "Sent"


def test_run_without_send_renders_but_marks_nothing_sent(event_dir, smtp, converter):
    sink, controller = smtp
    use_smtp(event_dir, controller.port)
    before = (event_dir / "roster.xlsx").read_bytes()
    summary = run_event(load_event(event_dir), send=False, converter=converter)
    assert sink.messages == []
    assert summary.count("Sent") == 0
    assert len(list((event_dir / "out" / "pdf").glob("*.pdf"))) == 23
    assert (event_dir / "roster.xlsx").read_bytes() == before  # a PDF-only run leaves the file be
    run_event(load_event(event_dir), send=False, converter=converter, write_sheet=True)
    rows = sheet_rows(event_dir / "roster.xlsx")
    assert {r["Status"] for r in rows.values()} == {"Not sent"}
    assert all(r["Certificate ID"] for r in rows.values() if r["Email"] and "@example.org" in r["Email"])


def test_missing_value_invalid_and_blank_email_are_named_and_stop_nothing_else(event_dir, converter):
    book = openpyxl.load_workbook(event_dir / "roster.xlsx")
    sheet = book.worksheets[0]
    sheet["C2"] = None  # Amélie's course is missing
    book.save(event_dir / "roster.xlsx")
    summary = run_event(load_event(event_dir), send=True, converter=converter)
    rows = sheet_rows(event_dir / "roster.xlsx")
    assert rows["Amélie Dubois"]["Status"] == "Not sent"
    assert "Course" in rows["Amélie Dubois"]["Detail"]
    assert rows["Priya Raghunathan"]["Status"] == "Not sent"
    assert rows["Tomás Ó Súilleabháin"]["Status"] == "Not sent"
    assert summary.count("Sent") == 22


def test_verify_url_and_sender_settings_are_used(event_dir, smtp, converter):
    sink, controller = smtp
    use_smtp(event_dir, controller.port)
    save_setting(event_dir, "email", {"sender": "office@school.example", "sender_name": "School Office",
                                      "reply_to": "help@school.example",
                                      "subject": "Certificate for {{ name }}",
                                      "body": "Hi {{ name }}, see {{ verify_url }}"})
    run_event(load_event(event_dir), send=True, converter=converter, rows=[2])
    (msg,) = sink.messages
    assert msg["From"] == "School Office <office@school.example>"
    assert msg["Reply-To"] == "help@school.example"
    assert msg["Subject"] == "Certificate for Amélie Dubois"
    assert "https://certificates.example.org/verify/CK-" in msg.get_body(("plain",)).get_content()


def test_a_certificate_that_spills_onto_a_second_page_is_held_back(event_dir, smtp, converter):
    sink, controller = smtp
    use_smtp(event_dir, controller.port)
    book = openpyxl.load_workbook(event_dir / "roster.xlsx")
    long_name = " ".join(["Maximilian Alexander Friedrich von Hohenberg-Schwarzenstein"] * 6)
    book.worksheets[0]["A3"] = long_name
    book.save(event_dir / "roster.xlsx")
    summary = run_event(load_event(event_dir), send=True, converter=converter)
    assert summary.count("Sent") == 22 and len(sink.messages) == 22
    row = sheet_rows(event_dir / "roster.xlsx")[long_name]
    assert row["Status"] == "Not sent" and "2 pages instead of 1" in row["Detail"]
    assert not sink.to(row["Email"])


def test_a_name_corrected_before_sending_is_rendered_and_recorded_anew(event_dir, converter):
    from certkit.ledger import open_ledger

    run_event(load_event(event_dir), send=False, converter=converter)  # the file stays as it was
    with open_ledger(event_dir) as ledger:
        cid = next(r.cert_id for r in ledger.all() if r.name == "Amélie Dubois")
    book = openpyxl.load_workbook(event_dir / "roster.xlsx")
    book.worksheets[0]["A2"] = "Amélie Dubois-Martin"
    book.save(event_dir / "roster.xlsx")
    summary = run_event(load_event(event_dir), send=True, converter=converter)
    assert summary.count("Sent") == 23
    row = sheet_rows(event_dir / "roster.xlsx")["Amélie Dubois-Martin"]
    assert row["Certificate ID"] == cid and row["Status"] == "Sent"  # same certificate, new name
    new_pdf = event_dir / "out" / "pdf" / pdf_file_name("Amélie Dubois-Martin", cid)
    assert "Dubois-Martin" in squash(pdf_text(new_pdf))
    assert [p.name for p in (event_dir / "out" / "pdf").glob(f"*{cid}.pdf")] == [new_pdf.name]
    with open_ledger(event_dir) as ledger:
        assert ledger.get(cid).name == "Amélie Dubois-Martin"
