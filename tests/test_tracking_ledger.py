"""The ledger's tracking tables: migration of an older ledger, bounces applied once, claims."""

from __future__ import annotations

import sqlite3

from certkit.ledger import BounceRecord, open_ledger


def _sent(ledger, email="ann@example.org"):
    rec = ledger.assign("fp-" + email, 2, email, "Ann")
    a = ledger.begin_attempt(rec.cert_id, email, "example.org")
    ledger.handing_over(a.id)
    ledger.finish_attempt(a.id, "sent", "accepted")
    return rec.cert_id, a


def test_an_older_ledger_gains_the_tracking_tables(tmp_path):
    db = sqlite3.connect(tmp_path / "certkit.db")
    db.executescript("CREATE TABLE certificates (cert_id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, "
                     "row_number INTEGER, email TEXT, name TEXT, fields TEXT, pdf TEXT, pages INTEGER,"
                     " status TEXT, detail TEXT, sent_at TEXT, synced INTEGER, created_at TEXT NOT NULL,"
                     " updated_at TEXT NOT NULL); INSERT INTO certificates VALUES ('CK-AAAA-BBBB', 'f',"
                     " 2, 'a@b.org', 'A', '{}', '', 0, 'Sent', '', '', 1, 'x', 'x');")
    db.close()
    with open_ledger(tmp_path) as ledger:
        tables = {r[0] for r in ledger.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"bounces", "links", "tracking"} <= tables
        assert ledger.get("CK-AAAA-BBBB").status == "Sent"


def test_a_bounce_marks_its_row_once_and_a_resend_clears_it(tmp_path):
    with open_ledger(tmp_path) as ledger:
        cert_id, attempt = _sent(ledger)
        b = BounceRecord("<dsn1@mx>", cert_id, attempt.id, "ann@example.org", "5.1.1",
                         "no such address", "550 5.1.1 user unknown", False, "")
        assert ledger.record_bounce(b, "Bounced: no such address")
        assert ledger.get(cert_id).status == "Bounced"
        assert not ledger.record_bounce(b, "again")  # read once
        assert ledger.bounce_seen("<dsn1@mx>")
        # a resend to a corrected address: Sent again; an old notification for the first try is ignored
        a2 = ledger.begin_attempt(cert_id, "ann@example.com", "example.org")
        ledger.handing_over(a2.id)
        ledger.finish_attempt(a2.id, "sent", "accepted")
        assert ledger.get(cert_id).status == "Sent"
        late = BounceRecord("<dsn2@mx>", cert_id, attempt.id, "ann@example.org", "5.1.1",
                            "no such address", "", False, "")
        assert not ledger.record_bounce(late, "Bounced: no such address")
        assert ledger.get(cert_id).status == "Sent"
        assert [x.applied for x in ledger.bounces()] == [True, False]


def test_the_first_personal_opening_claims_the_certificate(tmp_path):
    with open_ledger(tmp_path) as ledger:
        cert_id, _ = _sent(ledger)
        token = ledger.link_token(cert_id)
        assert token == ledger.link_token(cert_id) and len(token) >= 20
        assert ledger.token_matches(cert_id, token) and not ledger.token_matches(cert_id, "x" + token)
        assert not ledger.count(cert_id, "views")  # the public page: counted, not a claim
        assert ledger.get(cert_id).status == "Sent"
        assert ledger.count(cert_id, "views", personal=True)
        assert not ledger.count(cert_id, "downloads", personal=True)
        ledger.count(cert_id, "linkedin")
        rec = ledger.get(cert_id)
        assert rec.status == "Claimed" and not rec.synced
        c = ledger.counters()[cert_id]
        assert (c["views"], c["downloads"], c["linkedin"]) == (2, 1, 1) and c["claimed_at"]


def test_a_claimed_row_changed_in_the_sheet_is_pointed_to_reissue_and_never_resent(ready_event,
                                                                                 converter):
    import openpyxl

    from certkit.config import load_event
    from certkit.run import run_event

    from .test_pipeline import sheet_rows

    run_event(load_event(ready_event), send=True, rows=[2], converter=converter)
    with open_ledger(ready_event) as ledger:
        rec = next(r for r in ledger.all() if r.row_number == 2)
        assert ledger.count(rec.cert_id, "views", personal=True)
    book = openpyxl.load_workbook(ready_event / "roster.xlsx")
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    sheet.cell(2, header.index("Full Name") + 1, "Corrected Name")
    book.save(ready_event / "roster.xlsx")
    outbox = ready_event / "out" / "outbox"
    before = len(list(outbox.glob("*.eml")))
    run_event(load_event(ready_event), send=True, rows=[2], converter=converter)
    assert len(list(outbox.glob("*.eml"))) == before
    row = sheet_rows(ready_event / "roster.xlsx")["Corrected Name"]
    assert row["Status"] == "Claimed" and "certkit reissue" in row["Detail"]
