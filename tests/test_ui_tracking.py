"""Notebook 03's bounce and statistics panels, clicked as an organizer would, on real parts:
pymap's inbox on 127.0.0.1, the outbox, the ledger and the roster file."""

from __future__ import annotations

from certkit import ui
from certkit.config import update_setting
from certkit.run import run_event

from .imap_server import PASSWORD, USER
from .test_pipeline import sheet_rows
from .test_stats import PNG, _drop_bounces


def test_bounce_button_marks_rows_and_statistics_draw_them(ready_event, imap, converter,
                                                          monkeypatch):
    monkeypatch.setenv("CERTKIT_SMTP_PASSWORD", PASSWORD)
    update_setting(ready_event, "transport", {"imap_host": "127.0.0.1", "imap_port": imap.port,
                                              "imap_security": "none", "username": USER})
    imap.clear("INBOX")
    session = ui.start(ready_event)
    run_event(session.event, send=True, converter=converter)
    panel = ui.bounces(session)
    assert "No mail came back" in panel.text()
    _drop_bounces(imap, ready_event, {5: "exchange_spam.eml"})
    report = panel.look()
    assert report is not None and len(report.bounced) == 1
    assert "refused as spam" in panel.text() and "certkit resend" in panel.text()
    assert [r["Status"] for r in sheet_rows(ready_event / "roster.xlsx").values()].count("Bounced") == 1

    stats = ui.statistics(session)
    assert bytes(stats.chart.value).startswith(PNG)
    assert "refused as spam: 1" in stats.text()
    assert (ready_event / "out" / "stats.png").exists()


def test_bounce_button_without_a_mailbox_says_what_to_set(ready_event, converter):
    session = ui.start(ready_event)
    run_event(session.event, send=True, converter=converter)
    panel = ui.bounces(session)
    panel.look()
    assert "imap_host" in panel.text()
