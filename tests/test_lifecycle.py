"""A certificate's later life end to end: a corrected row is reissued (one new certificate mailed,
the old one Replaced), a certificate is revoked, and the audit trail says who did what. Real
LibreOffice, a real SMTP server on 127.0.0.1, a CSV roster on disk, the demo event, and the
Google Sheets emulator as roster."""

from __future__ import annotations

import csv
import email
import io

import openpyxl
import pytest

from certkit import cli
from certkit.config import load_event, save_setting, update_setting
from certkit.errors import CertkitError, LedgerError, RowCorrected
from certkit.ledger import open_ledger
from certkit.run import history, plan_reissue, reissue, resend, revoke, run_demo, run_event
from certkit.site import publish_site, site_page, verify

from . import test_rerun
from .conftest import use_smtp
from .smtp_server import free_port
from .test_gsheets_pipeline import demo_rows, outbox, sheet_by_email
from .test_rerun import read, run, write

small = test_rerun.small  # the fixture: a 3-person CSV event mailing through the local server


def test_a_corrected_name_is_reissued_once_and_the_old_certificate_says_replaced(
        small, smtp, converter, monkeypatch, capsys):
    sink = smtp[0]
    update_setting(small, "email", {"body": "Hello {{ name }}. LinkedIn: {{ linkedin_url }}\n"})
    run(small, converter, send=True)
    rows = read(small)
    old_id = rows[1]["Certificate ID"]
    rows[1]["Full Name"] = "Robert Ray"
    write(small, rows)

    run(small, converter, send=True)  # run notices, sends nothing, points to reissue
    assert len(sink.messages) == 3
    assert f"certkit reissue {small} --row 3" in read(small)[1]["Detail"]
    with pytest.raises(RowCorrected, match="--as-is"):
        resend(load_event(small), row=3)  # never the old PDF without a word
    monkeypatch.setattr("sys.stdin", io.StringIO())  # no terminal: nobody answers
    assert cli.main(["resend", str(small), "--row", "3"]) == 1
    out = capsys.readouterr().out
    assert "certkit reissue" in out and "--as-is" in out and "Bob Ray' -> 'Robert Ray" in out
    assert cli.main(["reissue", str(small), "--row", "3"]) == 1  # asks; no answer, nothing done
    assert len(sink.messages) == 3

    plan = plan_reissue(load_event(small), row=3)
    assert plan.record.cert_id == old_id and plan.email == "bob@example.org"
    summary = reissue(load_event(small), row=3, converter=converter)
    assert summary.count("Sent") == 1
    (mail,) = [m for m in sink.to("bob@example.org") if m["X-Certkit-Id"] != old_id]
    new_id = mail["X-Certkit-Id"]
    assert mail["To"] == "Robert Ray <bob@example.org>" and len(sink.messages) == 4
    body = mail.get_body(("plain",)).get_content()
    assert "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&" in body
    assert f"certId={new_id}" in body and f"verify%2F{new_id}" in body
    row = read(small)[1]
    assert (row["Certificate ID"], row["Status"]) == (new_id, "Sent")
    assert f"Replaces {old_id}" in row["Detail"] and "Robert Ray" in row["Detail"]
    event = load_event(small)
    with open_ledger(small) as ledger:
        old = ledger.get(old_id)
        assert (old.status, old.replaced_by) == ("Replaced", new_id)
        assert ledger.get(new_id).replaces == old_id

    run(small, converter, send=True)  # nobody twice, the note is gone
    assert len(sink.messages) == 4 and read(small)[1]["Status"] == "Sent"
    rows = read(small)
    cy_id, rows[2]["Certificate ID"] = rows[2]["Certificate ID"], old_id  # the old ID pasted
    write(small, rows)
    run(small, converter, send=True)
    after = read(small)
    assert after[1]["Status"] == "Sent" and after[1]["Certificate ID"] == new_id
    assert f"replaced by {new_id}, which row 3 holds" in after[2]["Detail"]
    after[2]["Certificate ID"] = cy_id
    write(small, after)
    run(small, converter, send=True)
    assert read(small)[2]["Status"] == "Sent" and len(sink.messages) == 4
    with pytest.raises(CertkitError, match="nothing to"):
        reissue(load_event(small), row=3, converter=converter)

    site, count = publish_site(event)
    assert count == 4
    page = (site / old_id / "index.html").read_text(encoding="utf-8")
    assert ">Replaced<" in page and f'href="../{new_id}/"' in page
    assert site_page(event, old_id.lower()) == page  # what a server sends is the published page
    assert site_page(event, "CK-NONE-XXXX") is None
    assert "Valid certificate" in (site / new_id / "index.html").read_text(encoding="utf-8")
    assert not verify(event, old_id).valid and "replaced by" in verify(event, old_id).message
    actions = [(e.cert_id, e.action) for e in history(event, new_id)]
    assert actions[0] == (old_id, "created") and (new_id, "reissued") in actions
    assert (old_id, "replaced") in actions and (new_id, "sent") in actions
    assert all(e.command == "reissue() from Python" for e in history(event, new_id)
               if e.action in ("reissued", "replaced"))


def test_cleared_id_and_corrected_name_point_to_reissue_instead_of_a_second_certificate(
        small, smtp, converter):
    run(small, converter, send=True)
    rows = read(small)
    ann_id = rows[0]["Certificate ID"]
    rows[0].update({"Certificate ID": "", "Full Name": "Anne Lee"})
    write(small, rows)
    run(small, converter, send=True)
    assert len(smtp[0].messages) == 3
    row = read(small)[0]
    assert row["Certificate ID"] == ann_id and "--row 2" in row["Detail"]
    with open_ledger(small) as ledger:
        assert len(ledger.all()) == 3  # no second certificate for Ann
    reissue(load_event(small), row=2, converter=converter)
    assert len(smtp[0].to("ann@example.org")) == 2
    with open_ledger(small) as ledger:
        assert ledger.get(ann_id).status == "Replaced"


def test_a_stop_during_reissue_leaves_the_new_certificate_for_the_next_run(small, smtp, converter):
    run(small, converter, send=True)
    rows = read(small)
    rows[2]["Full Name"] = "Cyrus Dee"
    write(small, rows)
    save_setting(small, "transport", {"backend": "smtp", "host": "127.0.0.1", "port": free_port(),
                                      "security": "none", "retries": 1, "retry_wait": 0.01})
    with pytest.raises(CertkitError):
        reissue(load_event(small), row=4, converter=converter)  # the server is down
    assert len(smtp[0].messages) == 3
    use_smtp(small, smtp[1].port, retry_wait=0.01)
    run(small, converter, send=True)  # the new certificate goes out, once
    (cyrus,) = [m for m in smtp[0].to("cy@example.org") if "Cyrus" in m["To"]]
    assert len(smtp[0].messages) == 4 and read(small)[2]["Certificate ID"] == cyrus["X-Certkit-Id"]
    run(small, converter, send=True)
    assert len(smtp[0].messages) == 4


def test_revoke_shows_in_sheet_page_verify_and_history_and_the_id_is_never_reused(
        small, smtp, converter, capsys):
    run(small, converter, send=True)
    cy_id = read(small)[2]["Certificate ID"]
    assert cli.main(["revoke", str(small), "--id", cy_id.lower(), "--reason", "Did not attend",
                     "--yes"]) == 0
    row = read(small)[2]
    assert row["Status"] == "Revoked" and "Did not attend" in row["Detail"]
    run(small, converter, send=True)
    assert read(small)[2]["Status"] == "Revoked" and len(smtp[0].messages) == 3
    event = load_event(small)
    with pytest.raises(CertkitError, match="revoked"):
        resend(event, row=4)
    with pytest.raises(CertkitError, match="revoked"):
        reissue(event, row=4, converter=converter)
    with open_ledger(small) as ledger, pytest.raises(LedgerError, match="already used"):
        ledger.assign("fp", 9, "x@example.org", "X", cy_id)
    site, _ = publish_site(event)
    page = (site / cy_id / "index.html").read_text(encoding="utf-8")
    assert ">Revoked<" in page and "Did not attend" in page and "linkedin" not in page
    (entry,) = [e for e in history(event, cy_id) if e.action == "revoked"]
    assert entry.command.startswith(f"certkit revoke {small} --id") and entry.detail == "Did not attend"
    target = small / "history.csv"
    assert cli.main(["history", str(small), "--csv", str(target)]) == 0
    with open(target, encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.DictReader(fh))
    assert {"issued", "sent", "revoked"} <= {r["What"] for r in lines}
    capsys.readouterr()
    assert cli.main(["history", str(small), "--id", cy_id]) == 0
    assert "revoked" in capsys.readouterr().out


def test_reissue_and_revoke_on_the_demo_event(tmp_path, converter):
    folder = tmp_path / "demo"
    run_demo(folder)
    book = openpyxl.load_workbook(folder / "roster.xlsx")
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    name_col = header.index("Full Name") + 1
    sheet.cell(row=2, column=name_col).value = "Amélie Dubois-Martin"
    book.save(folder / "roster.xlsx")
    event = load_event(folder)
    before = len(list((folder / "out" / "outbox").glob("*.eml")))
    reissue(event, row=2, converter=converter)
    mails = sorted((folder / "out" / "outbox").glob("*.eml"))
    assert len(mails) == before + 1
    newest = email.message_from_bytes(max(mails, key=lambda p: p.stat().st_mtime_ns).read_bytes())
    assert "Dubois-Martin" in newest["To"]
    with open_ledger(folder) as ledger:
        new = ledger.get(newest["X-Certkit-Id"])
        assert new.name == "Amélie Dubois-Martin" and ledger.get(new.replaces).status == "Replaced"
    revoke(event, new.cert_id, "Duplicate enrolment")
    values = {c.value: i for i, c in enumerate(openpyxl.load_workbook(folder / "roster.xlsx")
                                              .worksheets[0][1])}
    row2 = [c.value for c in openpyxl.load_workbook(folder / "roster.xlsx").worksheets[0][2]]
    assert row2[values["Status"]] == "Revoked" and row2[values["Certificate ID"]] == new.cert_id


def test_reissue_and_revoke_with_the_google_sheet_as_roster(event, sheets_emulator, sheets_client,
                                                            converter):
    from certkit.sheets import GoogleSheetSource

    rows = demo_rows()[:5]
    key = sheets_emulator.add_spreadsheet("Bootcamp", rows, col_count=len(rows[0]))
    event.roster.source, event.roster.url = "sheets", key
    source = GoogleSheetSource.from_event(event, client=sheets_client)
    run_event(event, send=True, source=source, converter=converter)
    sent = outbox(event)
    first = sheet_by_email(sheets_emulator, key)["amelie.dubois@example.org"]
    header = sheets_emulator.values(key)[0]
    col = chr(ord("A") + header.index("Full Name"))
    sheets_emulator.type(key, f"{col}2", "Amélie Dubois-Martin")

    reissue(event, row=2, source=source, converter=converter)
    after = outbox(event)
    assert len(after) == len(sent) + 1
    row = sheet_by_email(sheets_emulator, key)["amelie.dubois@example.org"]
    new_id = row["Certificate ID"]
    assert new_id != first["Certificate ID"] and new_id in after and row["Status"] == "Sent"
    assert f"Replaces {first['Certificate ID']}" in row["Detail"]

    revoke(event, new_id, "Issued in error", source=source)
    row = sheet_by_email(sheets_emulator, key)["amelie.dubois@example.org"]
    assert row["Status"] == "Revoked" and "Issued in error" in row["Detail"]
    run_event(event, send=True, source=source, converter=converter)
    assert outbox(event) == after  # nothing more sent
    assert sheet_by_email(sheets_emulator, key)["amelie.dubois@example.org"]["Status"] == "Revoked"
