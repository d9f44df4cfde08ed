"""Notebook 03's reissue/revoke panel, clicked as an organizer would, on the real pipeline (LibreOffice,
the outbox transport, an .xlsx roster)."""

from __future__ import annotations

import openpyxl

from certkit import ui
from certkit.config import load_event
from certkit.ledger import open_ledger
from certkit.run import run_event

from .test_pipeline import sheet_rows
from .test_ui import shown


def test_reissue_and_revoke_from_the_notebook_ask_first_and_are_in_the_history(ready_event, converter):
    event = load_event(ready_event)
    run_event(event, send=True, converter=converter)
    outbox = ready_event / "out" / "outbox"
    sent = len(list(outbox.glob("*.eml")))
    book = openpyxl.load_workbook(ready_event / "roster.xlsx")
    header = [c.value for c in book.worksheets[0][1]]
    book.worksheets[0].cell(row=4, column=header.index("Full Name") + 1).value = "Xiaoming Wang-Li"
    book.save(ready_event / "roster.xlsx")
    old_id = sheet_rows(ready_event / "roster.xlsx")["Xiaoming Wang-Li"]["Certificate ID"]

    session = ui.Session(event, converter=converter)
    finder = ui.find_person(session)
    finder.query.value = "xiaoming.wang@"
    finder.resend_button.click()
    finder.yes.click()  # the row was corrected: it says so instead of mailing the old PDF
    assert len(list(outbox.glob("*.eml"))) == sent
    assert "Reissue below with row 4" in shown(finder.status)
    assert finder.resend_button.description == "Resend the old one as it is"
    finder.resend_button.click()
    finder.yes.click()
    sent += 1
    assert len(list(outbox.glob("*.eml"))) == sent and "Resent certificate" in shown(finder.status)

    panel = ui.lifecycle(session)
    panel.reissue_button.click()  # disabled until the row is checked: nothing happens
    assert len(list(outbox.glob("*.eml"))) == sent
    panel.row.value = 3
    panel.check_button.click()
    assert "nothing to correct" in shown(panel.status)
    assert panel.reissue_button.disabled
    panel.row.value = 4
    panel.check_button.click()
    assert "'王小明' -> 'Xiaoming Wang-Li'" in shown(panel.status)
    assert panel.reissue_button.description == "Yes, reissue and send to xiaoming.wang@example.org"
    panel.reissue_button.click()
    assert len(list(outbox.glob("*.eml"))) == sent + 1
    row = sheet_rows(ready_event / "roster.xlsx")["Xiaoming Wang-Li"]
    assert row["Status"] == "Sent" and row["Certificate ID"] != old_id
    assert f"Replaces {old_id}" in row["Detail"] and "sent" in shown(panel.status)

    panel.cert_id.value, panel.reason.value = row["Certificate ID"], "Enrolled twice"
    assert panel.revoke() is False  # the first click asks
    assert "Click again" in shown(panel.status)
    panel.revoke_button.click()
    assert sheet_rows(ready_event / "roster.xlsx")["Xiaoming Wang-Li"]["Status"] == "Revoked"
    with open_ledger(ready_event) as ledger:
        assert ledger.get(old_id).status == "Replaced"
    assert "notebook 03: Revoke" in panel.trail.value and "notebook 03: Reissue row 4" in panel.trail.value
