"""Bounces read from a real IMAP inbox (pymap on 127.0.0.1): real-shaped DSNs from Gmail, Postfix,
Exchange and qmail, a delay notice, a vacation reply, a person's reply and unrelated mail."""

from __future__ import annotations

import re
from email.utils import format_datetime, localtime
from pathlib import Path

import pytest

from certkit import cli
from certkit.config import load_event, update_setting
from certkit.ledger import open_ledger
from certkit.run import run_event
from certkit.send import read_notice

from .conftest import use_smtp
from .imap_server import PASSWORD, USER
from .smtp_server import Sink, start_server
from .test_pipeline import sheet_rows

DSN = Path(__file__).parent / "data" / "dsn"


def fill(name: str, mid: str, to: str) -> bytes:
    """A stored notification with the original Message-ID and recipient filled in."""
    text = (DSN / name).read_text(encoding="utf-8")
    return (text.replace("{MID}", mid).replace("{TO}", to)
            .replace("{DATE}", format_datetime(localtime())).replace("\n", "\r\n").encode())


@pytest.mark.parametrize(("name", "kind", "reason"), [
    ("gmail_no_such_user.eml", "bounce", "no such address"),
    ("postfix_mailbox_full.eml", "bounce", "mailbox full"),
    ("exchange_spam.eml", "bounce", "refused as spam"),
    ("qmail_no_such_user.eml", "bounce", "no such address"),
    ("gmail_delayed.eml", "delay", ""),
    ("vacation.eml", "auto-reply", ""),
    ("person_reply.eml", "other", ""),
    ("newsletter.eml", "other", ""),
])
def test_each_notice_is_read_for_what_it_is(name, kind, reason):
    notice = read_notice(fill(name, "<certkit.CK-AB12-CD34.1@example.org>", "ann@example.com"))
    assert (notice.kind, notice.reason) == (kind, reason)
    if kind == "bounce":
        assert notice.recipients == ["ann@example.com"]
        assert notice.original_ids == ["<certkit.CK-AB12-CD34.1@example.org>"]


def _latest(ledger, cert_id: str) -> dict:
    return ledger.history(cert_id)[-1]


@pytest.fixture
def gmail_like():
    """An SMTP server that wants the same login as the IMAP mailbox, as Gmail does."""
    sink = Sink()
    controller = start_server(sink, auth=(USER, PASSWORD))
    try:
        yield sink, controller
    finally:
        controller.stop()


def test_only_bounced_rows_become_bounced_once_and_stay(ready_event, gmail_like, imap, converter,
                                                       monkeypatch, capsys):
    sink, controller = gmail_like
    monkeypatch.setenv("CERTKIT_SMTP_PASSWORD", PASSWORD)
    use_smtp(ready_event, controller.port, username=USER, imap_host="127.0.0.1", imap_port=imap.port,
             imap_security="none")
    event = load_event(ready_event)
    imap.clear("INBOX")
    assert cli.main(["bounces", str(ready_event)]) == 0
    assert "Nothing of this event was sent yet" in capsys.readouterr().out
    run_event(event, send=True, converter=converter)
    with open_ledger(ready_event) as ledger:
        recs = {r.row_number: r for r in ledger.all()}
        mid = {n: _latest(ledger, r.cert_id)["message_id"] for n, r in recs.items()}
    # rows 2-5 bounce (row 5's notice quotes no Message-ID: matched by its address); 6-9 do not
    drops = [
        fill("gmail_no_such_user.eml", mid[2], recs[2].email),
        fill("postfix_mailbox_full.eml", mid[3], recs[3].email),
        fill("exchange_spam.eml", mid[4], recs[4].email),
        fill("qmail_no_such_user.eml", "<not-ours@elsewhere.example>", recs[5].email),
        fill("gmail_delayed.eml", mid[6], recs[6].email),
        fill("vacation.eml", mid[7], recs[7].email),
        fill("person_reply.eml", mid[8], recs[8].email),
        fill("newsletter.eml", "<x@y>", "office@example.org"),
        fill("gmail_no_such_user.eml", "<certkit.CK-ZZZZ-ZZZZ.1@other.example>", "stranger@example.net")
        .replace(b"GMR@mx", b"GMR2@mx"),
    ]
    for raw in drops:
        imap.append(raw, "INBOX")
    before = imap.flags("INBOX")
    capsys.readouterr()
    assert cli.main(["bounces", str(ready_event)]) == 0
    out = capsys.readouterr().out
    assert "4 new bounce(s)" in out and "1 bounce(s) are for mail that is not from this event" in out
    assert imap.flags("INBOX") == before  # read-only: no \Seen, nothing moved or deleted

    rows = sheet_rows(ready_event / "roster.xlsx")
    by_row = {r.row_number: r.name for r in recs.values()}
    expected = {2: "no such address", 3: "mailbox full", 4: "refused as spam", 5: "no such address"}
    for n, reason in expected.items():
        shown = rows[by_row[n]]
        assert shown["Status"] == "Bounced", n
        assert shown["Detail"].startswith(reason.capitalize())
        assert f"certkit resend {event.folder} --row {n}" in shown["Detail"]
    for n in (6, 7, 8, 9):
        assert rows[by_row[n]]["Status"] == "Sent"

    # a second look changes nothing, in the ledger or the sheet
    with open_ledger(ready_event) as ledger:
        audit = ledger.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    assert cli.main(["bounces", str(ready_event)]) == 0
    assert "0 new bounce(s)" in capsys.readouterr().out
    with open_ledger(ready_event) as ledger:
        assert ledger.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == audit

    # a later run --send keeps them (nothing sent again), and with check_bounces it reads the inbox
    # itself: a bounce that arrived since then marks row 6; status lists them with the reason
    imap.append(fill("gmail_no_such_user.eml", mid[6], recs[6].email).replace(b"GMR@mx", b"GMR6@mx"),
                "INBOX")
    update_setting(ready_event, "transport", {"check_bounces": True})
    sent_before = len(sink.messages)
    summary = run_event(load_event(ready_event), send=True, converter=converter)
    assert len(sink.messages) == sent_before
    assert any("1 message(s) came back (rows 6)" in n for n in summary.notes)
    rows = sheet_rows(ready_event / "roster.xlsx")
    assert [rows[by_row[n]]["Status"] for n in (*expected, 6)] == ["Bounced"] * 5
    assert cli.main(["status", str(ready_event)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^\s*Bounced\s+5$", out, re.MULTILINE)
    assert f"row 3 {by_row[3]}: Bounced: Mailbox full (5.2.2: 552 5.2.2" in out

    # a resend to a corrected address clears it, and the old notice does not bring it back
    assert cli.main(["resend", str(ready_event), "--row", "2", "--to", "fixed@example.org",
                     "--yes"]) == 0
    assert cli.main(["bounces", str(ready_event)]) == 0
    assert sheet_rows(ready_event / "roster.xlsx")[by_row[2]]["Status"] == "Sent"
