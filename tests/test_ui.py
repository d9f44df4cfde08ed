"""The notebook widgets, driven as an organizer would: set a value, click a button, read what shows.
Real parts underneath: the demo event's roster file, LibreOffice, the outbox, the ledger, aiosmtpd."""

from __future__ import annotations

import csv
import email
import email.policy
import json
import subprocess
import sys
from pathlib import Path

import keyring
import openpyxl
import pytest
from keyring.backends.fail import Keyring as NoKeyring

import certkit
from certkit import ui
from certkit.config import load_event, update_setting
from certkit.ledger import open_ledger
from certkit.run import init_event, run_demo
from certkit.sheets import GoogleOptions, GoogleSheetSource, authorize, worksheet_names
from certkit.ui import html_table, strip_html

from .conftest_sheets import FAST
from .smtp_server import Sink, start_server


@pytest.fixture
def session(event_dir, converter):
    """A notebook session on a fresh demo event, sharing the test session's LibreOffice."""
    return ui.Session(load_event(event_dir), converter=converter)


def outbox(event_dir) -> list[email.message.EmailMessage]:
    """The messages written to the event's outbox."""
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted((event_dir / "out" / "outbox").glob("*.eml"))]


def shown(widget) -> str:
    """What an HTML widget shows, as text."""
    return strip_html(widget.value)


def test_mapping_change_saves_event_toml_and_redraws_the_preview(session, event_dir):
    editor = ui.MappingEditor(session)
    assert editor.dropdowns["Course"].value == "Course"  # pre-filled by auto-mapping
    first = bytes(editor.image.value)
    assert first.startswith(b"\x89PNG") and "as it will look" in editor.preview_status.value
    editor.dropdowns["Course"].value = "Full Name"
    assert load_event(event_dir).mapping["Course"] == "Full Name"
    second = bytes(editor.image.value)
    assert second.startswith(b"\x89PNG") and second != first
    editor.dropdowns["Course"].value = ""  # "leave empty" removes it from event.toml
    assert "Course" not in load_event(event_dir).mapping
    editor.row.value = editor.row.options[2][1]  # another person: preview redrawn
    assert "Row 4" in editor.preview_status.value


def test_send_sends_nothing_without_confirmation(session, event_dir):
    panel = ui.SendPanel(session)
    panel.confirm()  # "yes" without the question: ignored
    panel.send_button.click()
    assert panel.confirm_box.layout.display == ""
    question = panel.question.value
    assert "Send 23 certificate(s)" in question and "certificates@example.org" in question
    assert "23 to send" in question and "outbox" in question
    assert panel.yes.description == "Yes, send 23 now"
    panel.no.click()
    assert panel.confirm_box.layout.display == "none" and "Nothing was sent" in shown(panel.status)
    assert outbox(event_dir) == []
    with open_ledger(event_dir) as ledger:
        assert ledger.counts().get("Sent", 0) == 0


def test_confirmed_send_mails_everyone_once_and_counts_live(session, event_dir):
    panel = ui.SendPanel(session)
    seen: list[str] = []
    panel.counts.observe(lambda change: seen.append(change["new"]), "value")
    panel.send_button.click()
    panel.yes.click()
    assert len(outbox(event_dir)) == 23
    assert "Sent: 23" in panel.counts.value
    assert any("Sent: 1" in s or "Pending: 1" in s for s in seen)  # updated while sending
    assert panel.progress.value == panel.progress.max == 23
    assert panel.progress.bar_style == "success"
    assert "23 sent" in shown(panel.status)
    assert "Amélie Dubois" in panel.result.value and "roster.xlsx" in panel.result.value
    panel.send_button.click()  # again: nobody twice
    assert "Nothing to send" in shown(panel.status)
    assert len(outbox(event_dir)) == 23


def test_test_send_goes_to_the_organizer_only(session, event_dir):
    panel = ui.TestSend(session)
    panel.address.value = "not an address"
    panel.button.click()
    assert "is not valid" in shown(panel.status) and outbox(event_dir) == []
    panel.address.value = "organizer@example.org"
    panel.button.click()
    messages = outbox(event_dir)
    assert messages and all(m["To"].addresses[0].addr_spec == "organizer@example.org"
                            for m in messages)
    assert all(m["Subject"].startswith("TEST") for m in messages)
    assert f"{len(messages)} of {len(messages)} test message(s) sent" in shown(panel.status)
    with open_ledger(event_dir) as ledger:
        assert ledger.counts().get("Sent", 0) == 0


def test_check_report_lists_blocked_rows_as_a_table(session):
    report = ui.CheckReport(session)
    rows = {r["row"] for r in report.records if r["severity"] == "blocking"}
    assert rows == {11, 12}
    assert "2 row(s) blocked" in shown(report.status)
    assert "<table" in report.table.value and "priya.r@example" in report.table.value
    assert "priya.r@example" in report.text()


def test_roster_picker_switches_file_and_columns(session, event_dir):
    (event_dir / "people.csv").write_text("Name,E-mail,Course\nAda,ada@example.org,Maths\n",
                                          encoding="utf-8")
    picker = ui.RosterPicker(session)
    assert "25 row(s)" in shown(picker.status)
    assert set(picker.file.options) == {"people.csv", "roster.xlsx"}
    assert picker.worksheet.options == (("(the first worksheet)", ""), ("Participants",
                                                                        "Participants"))
    picker.file.value = "people.csv"
    assert picker.worksheet.layout.display == "none"  # a CSV has no worksheets
    picker.use_button.click()
    event = load_event(event_dir)
    assert (event.roster.source, event.roster.path) == ("csv", "people.csv")
    assert "1 row(s) in people.csv" in shown(picker.status)
    assert "Choose the column" in shown(picker.status)  # no 'Full Name' / 'Email' column here
    picker.name_column.value = "Name"
    picker.email_column.value = "E-mail"
    event = load_event(event_dir)
    assert (event.roster.name_column, event.roster.email_column) == ("Name", "E-mail")
    assert session.event.roster.email_column == "E-mail"  # every panel sees the change
    assert "✔" in shown(picker.status)


def test_event_picker_opens_and_creates_events(session, tmp_path):
    picker = ui.EventPicker(session, root=tmp_path)
    seen = []
    session.on_change(lambda: seen.append(session.event.folder))
    picker.folder.value = "autumn"
    picker.open_button.click()
    assert "No event.toml" in shown(picker.status) and seen == []
    picker.create_button.click()
    assert (tmp_path / "autumn" / "event.toml").exists()
    assert seen == [(tmp_path / "autumn").resolve()]
    picker.create_button.click()
    assert "never overwrites" in shown(picker.status)
    picker.folder.value = "event"
    picker.open_button.click()
    assert session.event.folder == (tmp_path / "event").resolve()


def test_find_person_history_and_resend_to_a_corrected_address(tmp_path, converter):
    run_demo(tmp_path / "demo")
    session = ui.Session(load_event(tmp_path / "demo"), converter=converter)
    panel = ui.FindPerson(session)
    panel.query.value = "nobody at all"
    panel.find_button.click()
    assert "Nobody in the participants list matches 'nobody at all'" in shown(panel.status)
    panel.query.value = "Amélie"
    panel.find_button.click()
    assert len(panel.records) == 1
    assert "amelie.dubois@example.org" in panel.details.value and "sent" in panel.details.value
    assert panel.to.value == "amelie.dubois@example.org"
    panel.to.value = "amelie@new.example.org"
    assert panel.resend_button.description == "Resend to amelie@new.example.org (corrected)"
    panel.resend_button.click()  # asks first
    panel.yes.click()
    assert "Resent certificate" in shown(panel.status)
    sent = [m for m in outbox(tmp_path / "demo") if "amelie@new.example.org" in str(m["To"])]
    assert len(sent) == 1
    sheet = openpyxl.load_workbook(tmp_path / "demo" / "roster.xlsx").worksheets[0]
    assert any(row[1] == "amelie@new.example.org" for row in sheet.iter_rows(values_only=True))
    panel.query.value = "amelie@new"
    panel.find_button.click()
    assert panel.details.value.count("<tr>") == 3  # heading, first send, resend


def test_status_summary_counts_and_roster_text_is_escaped(tmp_path, converter):
    folder = tmp_path / "demo"
    book = openpyxl.Workbook()
    book.active.append(["Full Name", "Email", "Course", "Completion Date"])
    book.active.append(["<img src=x onerror=alert(1)>", "x@example.org", "<b>C</b>", "2026-06-12"])
    book.active.append(["Bo", "bo@example", "C", "2026-06-12"])
    init_event(folder, sample=False)
    book.save(folder / "roster.xlsx")
    run_demo(folder)
    session = ui.Session(load_event(folder), converter=converter)
    summary = ui.StatusSummary(session)
    assert "Sent: 1" in summary.text()
    finder = ui.FindPerson(session)
    finder.query.value = "img"
    finder.find_button.click()
    assert "<img" not in finder.details.value and "&lt;img src=x" in finder.details.value


def test_mail_account_test_button_says_what_is_wrong(session, event_dir, monkeypatch):
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())  # never the developer's real keyring
    monkeypatch.setenv("CERTKIT_SMTP_PASSWORD", "")  # restored after the test
    controller = start_server(Sink(), auth=("org@example.org", "right-password"))
    try:
        panel = ui.MailAccount(session)
        panel.backend.value = "smtp"
        assert panel.server_box.layout.display == ""
        panel.host.value, panel.port.value, panel.security.value = (
            "127.0.0.1", controller.port, "none")
        panel.username.value = "org@example.org"
        panel.password.value = "wrong-password"
        panel.button.click()
        assert "refused the login" in shown(panel.status)
        assert load_event(event_dir).transport.backend == "outbox"  # a failed test saves nothing
        assert "Nothing was changed" in shown(panel.status) and "nothing is sent" in shown(panel.status)
        assert panel.password.value == ""  # never left in the widget
        panel.password.value = "right-password"
        panel.button.click()
        assert "the login works" in shown(panel.status) and "session only" in shown(panel.status)
        cfg = load_event(event_dir).transport
        assert (cfg.backend, cfg.host, cfg.port) == ("smtp", "127.0.0.1", controller.port)
        assert "right-password" not in (event_dir / "event.toml").read_text(encoding="utf-8")
    finally:
        controller.stop()
        keyring.set_keyring(previous)
    panel.backend.value = "gmail"
    panel.username.value = "not-an-address"
    panel.button.click()
    assert "Gmail address" in shown(panel.status)


def test_google_account_test_button_explains_a_bad_key_file(session, tmp_path):
    panel = ui.GoogleAccount(session)
    panel.button.click()
    assert "Paste the sheet's address" in shown(panel.status)
    panel.url.value = "https://docs.google.com/spreadsheets/d/abc"
    panel.credentials.value = str(tmp_path / "missing.json")
    panel.button.click()
    assert "There is no file" in shown(panel.status)
    assert session.event.roster.source == "xlsx"  # nothing saved while the key is unusable


def test_panels_show_as_widgets_and_as_text(session):
    bundle = ui.CheckReport(session)._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"].startswith("Data check") and "Row" not in bundle["text/plain"][:10]
    assert "priya.r@example" in bundle["text/plain"]


def test_html_table_escapes_every_cell():
    out = html_table([{"a": "<script>x</script>", "b": '"&'}], [("a", "<A>"), ("b", "B")])
    assert "<script>" not in out and "&lt;script&gt;" in out and "&lt;A&gt;" in out
    assert "&quot;&amp;" in out


def test_ui_without_ipywidgets_says_what_to_install():
    code = ("import sys; sys.modules['ipywidgets'] = None\n"
            "from certkit.errors import ConfigError\n"
            "try:\n    import certkit.ui\nexcept ConfigError as exc:\n    print(exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         check=True).stdout
    assert "pip install 'certkit[notebook]'" in out


def google_sheet(emulator, tmp_path):
    """Open the event's Google Sheet in the emulator, signing in as event.toml says (real
    google-auth: the key's JWT is exchanged for a token at the emulator)."""
    options = GoogleOptions(transport=emulator.adapter(), policy=FAST, token_dir=tmp_path / "tokens")

    def open_source(event):
        client = authorize(event.roster, folder=event.folder, options=options)
        return GoogleSheetSource.from_event(event, client=client)

    return open_source


def test_google_sheet_connect_pick_worksheet_and_send(event_dir, sheets_emulator, tmp_path,
                                                      converter):
    robot = sheets_emulator.service_account()
    (tmp_path / "key.json").write_text(json.dumps(robot), encoding="utf-8")
    rows = list(csv.reader((Path(certkit.__file__).parent / "data" / "roster.csv")
                           .read_text(encoding="utf-8").splitlines()))
    private = sheets_emulator.add_spreadsheet("Private", rows, shared_with={"someone@example.org"})
    shared = sheets_emulator.add_spreadsheet("Bootcamp 2026", rows, shared_with={robot["client_email"]},
                                             option="USER_ENTERED", col_count=len(rows[0]))
    sheets_emulator.add_sheet(shared, "Late registrations", [rows[0]])
    session = ui.Session(load_event(event_dir), converter=converter,
                         open_source=google_sheet(sheets_emulator, tmp_path))
    account = ui.GoogleAccount(session)
    account.mode.value = "service_account"
    account.credentials.value = str(tmp_path / "key.json")
    account.url.value = f"https://docs.google.com/spreadsheets/d/{private}/edit#gid=0"
    account.button.click()
    said = shown(account.status)
    assert "✖" in said and f"The sheet must be shared with {robot['client_email']}" in said
    assert load_event(event_dir).roster.source == "xlsx"  # a failed test leaves the event as it was
    assert "the list of participants from the file roster.xlsx" in said
    account.url.value = f"https://docs.google.com/spreadsheets/d/{shared}/edit#gid=0"
    account.button.click()
    assert "Connected: 25 row(s)" in shown(account.status)
    cfg = load_event(event_dir).roster
    assert (cfg.source, cfg.auth, cfg.credentials) == ("sheets", "service_account",
                                                       str(tmp_path / "key.json"))

    picker = ui.RosterPicker(session)
    assert picker.kind.value == "sheets"
    assert [v for _, v in picker.worksheet.options] == ["", "Sheet1", "Late registrations"]
    panel = ui.SendPanel(session)
    panel.send_button.click()
    panel.yes.click()
    assert "Sent: 23" in panel.counts.value
    assert f"https://docs.google.com/spreadsheets/d/{shared}" in panel.result.value
    header, *data = sheets_emulator.values(shared)
    statuses = [dict(zip(header, r)).get("Status") for r in data]
    assert statuses.count("Sent") == 23 and statuses.count("Not sent") == 2


def test_google_worksheets_are_listed_for_the_sheet_in_event_toml(event_dir, sheets_emulator,
                                                                   sheets_client):
    key = sheets_emulator.add_spreadsheet("Roster", [["Full Name", "Email"]])
    sheets_emulator.add_sheet(key, "Attendees")
    update_setting(event_dir, "roster", {"source": "sheets", "url": key})
    source = GoogleSheetSource.from_event(load_event(event_dir), client=sheets_client)
    assert worksheet_names(load_event(event_dir), source) == ["Sheet1", "Attendees"]


def all_widgets(widget):
    """A widget and every widget inside it."""
    yield widget
    for child in getattr(widget, "children", ()):
        yield from all_widgets(child)


def test_no_two_widgets_share_a_layout(session):
    panels = [ui.EventPicker(session), ui.RosterPicker(session), ui.MappingEditor(session),
              ui.CheckReport(session), ui.TestSend(session), ui.SendPanel(session),
              ui.StatusSummary(session), ui.FindPerson(session), ui.UnknownRows(session),
              ui.VerificationSite(session), ui.CertificateCheck(session), ui.GoogleAccount(session),
              ui.MailAccount(session)]
    layouts = [w.layout.model_id for p in panels for w in all_widgets(p.widget)]
    assert len(layouts) == len(set(layouts))  # hiding one field must not hide others
    mail = panels[-1]
    mail.backend.value = "outbox"
    assert mail.username.layout.display == "none"
    assert panels[0].folder.layout.display != "none" and panels[-2].url.layout.display != "none"
