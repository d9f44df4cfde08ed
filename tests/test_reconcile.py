"""Unknown rows settled against a real IMAP Sent folder (pymap on 127.0.0.1), or the outbox folder."""

from __future__ import annotations

import sqlite3

import pytest

from certkit import cli
from certkit.config import load_event
from certkit.run import run_event
from certkit.send import parse_list, reconcile

from .conftest import use_smtp
from .imap_server import PASSWORD, USER, ImapServer
from .smtp_server import DROP, KEEP_AND_DROP, Sink, start_server
from .test_pipeline import sheet_rows

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # loopback


def gmail_like(imap: ImapServer, **kwargs):
    """An SMTP server with login whose accepted mail lands in the IMAP Sent folder, like Gmail."""
    imap.clear()
    sink = Sink(on_accept=imap.append, **kwargs)
    return sink, start_server(sink, auth=(USER, PASSWORD))


def point_at(folder, smtp_port: int, imap: ImapServer) -> None:
    """event.toml: send through the SMTP server, look for sent mail over IMAP."""
    use_smtp(folder, smtp_port, username=USER, retry_wait=0.01, imap_host="127.0.0.1",
             imap_port=imap.port, imap_security="none")


def test_unknown_rows_found_in_sent_become_sent_and_the_rest_are_resent_once(
        ready_event, imap, converter, monkeypatch, capsys):
    monkeypatch.setenv("CERTKIT_SMTP_PASSWORD", PASSWORD)
    arrived, lost = "amelie.dubois@example.org", "jose.alvarez@example.org"
    sink, controller = gmail_like(imap)
    sink.on_data = lambda msg, n, kept: (KEEP_AND_DROP if str(msg["To"]).endswith(f"<{arrived}>") else
                                         DROP if str(msg["To"]).endswith(f"<{lost}>") else None)
    try:
        point_at(ready_event, controller.port, imap)
        summary = run_event(load_event(ready_event), send=True, converter=converter)
        assert summary.count("Unknown") == 2
        sink.on_data = None
        assert cli.main(["reconcile", str(ready_event)]) == 0
        out = capsys.readouterr().out
        assert "1 Unknown row(s) found in the Sent folder: now Sent." in out
        assert "not found there (rows 3)" in out and "certkit resend" in out
        rows = sheet_rows(ready_event / "roster.xlsx")
        assert rows["Amélie Dubois"]["Status"] == "Sent" and rows["Amélie Dubois"]["Sent at"]
        assert rows["José Álvarez Núñez"]["Status"] == "Unknown"
        assert "Not in the Sent folder" in rows["José Álvarez Núñez"]["Detail"]
        assert cli.main(["resend", str(ready_event), "--row", "3", "--yes"]) == 0
    finally:
        controller.stop()
    counts = sink.per_recipient()
    assert counts[arrived] == 1 and counts[lost] == 1 and set(counts.values()) == {1}
    assert len(imap.sent_ids()) == 23
    assert sheet_rows(ready_event / "roster.xlsx")["José Álvarez Núñez"]["Status"] == "Sent"


def test_outbox_unknown_rows_are_settled_from_the_eml_files(ready_event, converter):
    run_event(load_event(ready_event), send=True, rows=[2, 3], converter=converter)
    db = sqlite3.connect(ready_event / "certkit.db")
    with db:  # as if killed after the .eml was written but before "sent" was committed
        db.execute("UPDATE attempts SET state = 'unknown'")
        db.execute("UPDATE certificates SET status = 'Unknown' WHERE status = 'Sent'")
    db.close()
    settled = reconcile(load_event(ready_event))
    assert sorted(settled.found) == [2, 3] and settled.missing == []
    assert {r["Status"] for n, r in sheet_rows(ready_event / "roster.xlsx").items()
            if n in ("Amélie Dubois", "José Álvarez Núñez")} == {"Sent"}


def test_the_sent_folder_is_found_by_its_special_use_flag_whatever_its_language():
    boxes = parse_list([b'(\\HasNoChildren) "/" "INBOX"',  # what Gmail answers to LIST "" "*"
                        b'(\\HasChildren \\Noselect) "/" "[Gmail]"',
                        b'(\\HasNoChildren \\Sent) "/" "[Gmail]/Messages envoy&AOk-s"',
                        b'(\\HasNoChildren \\Trash) "/" "[Gmail]/Corbeille"'])
    assert ("\\HasNoChildren \\Sent", "[Gmail]/Messages envoy&AOk-s") in boxes
