"""The ledger's part of a certificate's life: old ledgers migrate, reissue and revoke are atomic,
and the audit trail says what happened, when, and by which command."""

from __future__ import annotations

import sqlite3

import pytest

from certkit.errors import LedgerError
from certkit.ledger import acting_as, open_ledger

OLD_SCHEMA = """
CREATE TABLE certificates (cert_id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, row_number INTEGER,
    email TEXT NOT NULL DEFAULT '', name TEXT NOT NULL DEFAULT '', fields TEXT NOT NULL DEFAULT '{}',
    pdf TEXT NOT NULL DEFAULT '', pages INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'Not sent', detail TEXT NOT NULL DEFAULT '',
    sent_at TEXT NOT NULL DEFAULT '', synced INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE attempts (id INTEGER PRIMARY KEY AUTOINCREMENT, cert_id TEXT NOT NULL, to_addr TEXT NOT NULL,
    message_id TEXT NOT NULL DEFAULT '', state TEXT NOT NULL, code INTEGER,
    detail TEXT NOT NULL DEFAULT '', test INTEGER NOT NULL DEFAULT 0, started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL DEFAULT '');
CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,
    cert_id TEXT NOT NULL DEFAULT '', action TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '');
INSERT INTO certificates (cert_id, fingerprint, row_number, email, name, status, sent_at, created_at,
    updated_at) VALUES ('CK-AAAA-BBBB', 'fp', 2, 'a@example.org', 'Ann', 'Sent', '2026-01-01', 'x', 'x');
INSERT INTO audit (at, cert_id, action) VALUES ('x', 'CK-AAAA-BBBB', 'created');
"""


def test_a_ledger_from_an_older_certkit_gains_the_new_columns_and_keeps_its_data(tmp_path):
    db = sqlite3.connect(tmp_path / "certkit.db")
    db.executescript(OLD_SCHEMA)
    db.close()
    with open_ledger(tmp_path) as ledger:
        rec = ledger.get("CK-AAAA-BBBB")
        assert rec and (rec.name, rec.status, rec.replaced_by, rec.reason) == ("Ann", "Sent", "", "")
        (entry,) = ledger.trail("CK-AAAA-BBBB")
        assert (entry.action, entry.command) == ("created", "")
        new = ledger.replace("CK-AAAA-BBBB", "name corrected", fingerprint="fp2", row_number=2,
                             email="a@example.org", name="Anne")
    with open_ledger(tmp_path) as ledger:  # opening again migrates nothing twice
        assert ledger.get("CK-AAAA-BBBB").replaced_by == new.cert_id


def test_reissue_replaces_in_one_step_and_never_twice(tmp_path):
    with open_ledger(tmp_path) as ledger:
        old = ledger.assign("fp", 3, "b@example.org", "Bob")
        ledger.update(old.cert_id, status="Sent", sent_at="2026-12-01T10:00:00+00:00")
        with acting_as("certkit reissue ev --row 3"):
            new = ledger.replace(old.cert_id, "name corrected", fingerprint="fp2", row_number=3,
                                 email="b@example.org", name="Bobby")
        gone = ledger.get(old.cert_id)
        assert (gone.status, gone.replaced_by, new.replaces, new.status) == (
            "Replaced", new.cert_id, old.cert_id, "Not sent")
        assert new.cert_id != old.cert_id and gone.ended_at
        assert ledger.current(old.cert_id).cert_id == new.cert_id
        assert ledger.lineage(new.cert_id) == [old.cert_id, new.cert_id]
        with pytest.raises(LedgerError, match="replaced"):
            ledger.replace(old.cert_id, "again", fingerprint="fp3", row_number=3, email="", name="")
        assert ledger.find("fp") is None and ledger.find("fp2").cert_id == new.cert_id
        actions = [(e.cert_id, e.action, e.command) for e in ledger.trail(new.cert_id)]
        assert (old.cert_id, "replaced", "certkit reissue ev --row 3") in actions
        assert (new.cert_id, "reissued", "certkit reissue ev --row 3") in actions


def test_revoke_records_date_reason_and_who(tmp_path):
    with open_ledger(tmp_path) as ledger:
        rec = ledger.assign("fp", 4, "c@example.org", "Cleo")
        ledger.update(rec.cert_id, status="Sent")
        ledger.revoke(rec.cert_id, "issued in error")
        done = ledger.get(rec.cert_id)
        assert done.status == "Revoked" and done.reason == "issued in error"
        assert done.detail.startswith("Revoked on ") and done.ended_at[:10] in done.detail
        with pytest.raises(LedgerError, match="revoked"):
            ledger.replace(rec.cert_id, "x", fingerprint="f", row_number=4, email="", name="")
        (entry,) = [e for e in ledger.trail(rec.cert_id) if e.action == "revoked"]
        assert entry.detail == "issued in error" and entry.command == "certkit() from Python"
        assert any(e.action == "status" for e in ledger.trail(everything=True))
        assert not any(e.action == "status" for e in ledger.trail())
        with pytest.raises(LedgerError, match="No certificate"):
            ledger.revoke("CK-NONE-XXXX", "")


def test_sent_and_resent_are_told_apart_and_test_copies_are_not_in_the_trail(tmp_path):
    with open_ledger(tmp_path) as ledger:
        rec = ledger.assign("fp", 5, "d@example.org", "Dee")
        for test in (True, False, False):
            attempt = ledger.begin_attempt(rec.cert_id, "d@example.org", "example.org", test=test)
            ledger.finish_attempt(attempt.id, "sent")
        actions = [e.action for e in ledger.trail(rec.cert_id)]
        assert actions == ["created", "sent", "resent"]


def test_only_the_handover_waits_for_the_disk_and_everything_else_stays_synced(tmp_path):
    """The commit that stops a second copy is synced; pending and the result skip the wait."""
    with open_ledger(tmp_path) as ledger:
        rec = ledger.assign("fp", 5, "d@example.org", "Dee")
        mode, seen = "FULL", []

        def trace(sql: str) -> None:
            nonlocal mode
            words = sql.split()
            if sql.startswith("PRAGMA synchronous="):
                mode = sql.split("=")[1]
            elif words[0] in ("INSERT", "UPDATE"):
                seen.append((" ".join(words[:3]), "handing_over" in sql, mode))

        ledger.db.set_trace_callback(trace)
        attempt = ledger.begin_attempt(rec.cert_id, "d@example.org", "example.org")
        ledger.handing_over(attempt.id)
        ledger.finish_attempt(attempt.id, "sent")
        ledger.db.set_trace_callback(None)
        assert [m for _, handover, m in seen if handover] == ["FULL"]
        assert {m for _, handover, m in seen if not handover} == {"NORMAL"}
        assert len(seen) >= 4  # pending: attempt + row; sent: attempt + row (+ the audit trail)
        assert ledger.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL for the rest
        assert ledger.get(rec.cert_id).status == "Sent"
