"""Statistics and their chart; the demo event with two bounces dropped into a real IMAP inbox."""

from __future__ import annotations

import re
from pathlib import Path

from certkit import cli
from certkit.config import load_event, update_setting
from certkit.jobs import Run
from certkit.ledger import open_ledger
from certkit.run import run_event
from certkit.send import BounceReport, apply_notices, read_notice
from certkit.sheets import open_roster
from certkit.track import event_stats, stats_chart

from .imap_server import PASSWORD, USER
from .test_bounces import fill
from .test_pipeline import sheet_rows

PNG = b"\x89PNG\r\n\x1a\n"


def _drop_bounces(imap, folder: Path, rows: dict[int, str]) -> None:
    """File a Gmail and a Postfix bounce for these rows' latest messages in the IMAP inbox."""
    with open_ledger(folder) as ledger:
        recs = {r.row_number: r for r in ledger.all()}
        for (row, shape) in zip(rows, rows.values()):
            attempt = ledger.history(recs[row].cert_id)[-1]
            imap.append(fill(shape, attempt["message_id"], recs[row].email), "INBOX")


def test_demo_event_bounces_show_in_roster_status_and_chart(ready_event, imap, converter,
                                                           monkeypatch, capsys):
    monkeypatch.setenv("CERTKIT_SMTP_PASSWORD", PASSWORD)
    update_setting(ready_event, "transport", {"imap_host": "127.0.0.1", "imap_port": imap.port,
                                              "imap_security": "none", "username": USER})
    imap.clear("INBOX")
    assert cli.main(["run", str(ready_event), "--send", "--yes"]) == 0  # the demo: outbox files
    _drop_bounces(imap, ready_event, {4: "gmail_no_such_user.eml", 9: "postfix_mailbox_full.eml"})
    assert cli.main(["bounces", str(ready_event)]) == 0
    capsys.readouterr()

    rows = sheet_rows(ready_event / "roster.xlsx")
    bounced = {n: r["Detail"] for n, r in rows.items() if r["Status"] == "Bounced"}
    assert sorted(d.split(" (")[0] for d in bounced.values()) == ["Mailbox full", "No such address"]

    assert cli.main(["status", str(ready_event)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^\s*Bounced\s+2$", out, re.MULTILINE)
    assert "Bounced: No such address (5.1.1" in out and "Bounced: Mailbox full (5.2.2" in out

    chart = ready_event / "out" / "stats.png"
    assert cli.main(["stats", str(ready_event)]) == 0
    out = capsys.readouterr().out
    assert "Bounced        2    8.0%   no such address: 1, mailbox full: 1" in out
    assert "Sent          21   84.0%" in out and "Blocked        2    8.0%" in out  # rows, as status
    assert chart.read_bytes().startswith(PNG)
    stats = event_stats(load_event(ready_event))
    assert stats.by_status == {"Sent": 21, "Bounced": 2}
    assert dict(stats.bounce_reasons) == {"no such address": 1, "mailbox full": 1}
    assert sum(stats.sends_per_day.values()) == 23


def test_chart_from_an_event_with_every_status(ready_event, tmp_path):
    event = load_event(ready_event)
    run_event(event, send=True, rows=list(range(2, 20)))  # outbox: rows 20-24 stay Not sent
    with open_ledger(ready_event) as ledger:
        sent = [r for r in ledger.all() if r.status == "Sent"]
        assert len(sent) >= 13 and any(r.status == "Not sent" for r in ledger.all())
        recs = dict(enumerate(sent))  # the n-th sent certificate
        for row in (0, 1, 2):  # people who opened their personal link
            ledger.count(recs[row].cert_id, "views", personal=True)
            ledger.count(recs[row].cert_id, "downloads", personal=True)
        ledger.count(recs[3].cert_id, "linkedin")
        for row, status in ((4, "Failed"), (5, "Unknown"), (6, "Revoked"), (7, "Replaced")):
            ledger.update(recs[row].cert_id, status=status)
    report = BounceReport()
    with open_ledger(ready_event) as ledger:
        run = Run(event, open_roster(event), ledger)
        notices = []
        for row, shape in ((8, "gmail_no_such_user.eml"), (9, "exchange_spam.eml"),
                           (10, "postfix_mailbox_full.eml"), (11, "qmail_no_such_user.eml")):
            mid = ledger.history(recs[row].cert_id)[-1]["message_id"]
            notices.append(read_notice(fill(shape, mid, recs[row].email)))
        apply_notices(run, notices, report)
        run.flush()
    stats = event_stats(event)
    assert set(stats.by_status) == {"Not sent", "Sent", "Failed", "Unknown", "Bounced", "Claimed",
                                    "Revoked", "Replaced"}
    assert stats.by_status["Bounced"] == 4 and stats.by_status["Claimed"] == 3
    assert dict(stats.bounce_reasons) == {"no such address": 2, "refused as spam": 1,
                                          "mailbox full": 1}
    assert (stats.views, stats.downloads, stats.linkedin) == (3, 3, 1)
    assert sum(stats.claims_per_day.values()) == 3
    png = stats_chart(stats, tmp_path / "every-status.png")
    assert png.read_bytes().startswith(PNG) and png.stat().st_size > 20_000
    assert "Bounced " in stats.to_text() and "no such address: 2" in stats.to_text()
