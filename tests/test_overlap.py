"""Sending overlaps conversion: mail leaves once the first chunk is verified, while later chunks
still convert, and every rule of the plain path holds (one message each, own PDF only)."""

from __future__ import annotations

import io
import threading
import time

import pytest
from pypdf import PdfReader

from certkit.config import load_event
from certkit.docs import template_pages
from certkit.errors import LedgerError
from certkit.ledger import open_ledger
from certkit.run import run_event

from .conftest import use_smtp
from .test_pipeline import sheet_rows, squash

WAIT = 60.0  # seconds a held-back conversion waits for the first mail at most


class GatedConverter:
    """The real LibreOffice converter; every chunk after the first two waits until a mail arrived.

    Without overlap (all PDFs first, then mail) the gated chunks can only go on when WAIT runs out.
    """

    def __init__(self, inner, sink):
        self.inner, self.sink = inner, sink
        self.workers, self.multipage = inner.workers, inner.multipage
        self.chunks = 0
        self.mails_seen: list[int] = []  # mails received when each gated chunk was let through
        self.lock = threading.Lock()

    def convert(self, docs, out_dir):
        with self.lock:
            if any(d.name.startswith("chunk-") for d in docs):
                self.chunks += 1
                gated = self.chunks > 2
            else:
                gated = False
        if gated:
            deadline = time.monotonic() + WAIT
            while not self.sink.received and time.monotonic() < deadline:
                time.sleep(0.02)
            self.mails_seen.append(len(self.sink.received))
        return self.inner.convert(docs, out_dir)


def test_mail_leaves_while_later_chunks_still_wait_to_be_converted(event_dir, smtp, converter):
    sink, controller = smtp
    use_smtp(event_dir, controller.port)
    gated = GatedConverter(converter, sink)

    summary = run_event(load_event(event_dir), send=True, converter=gated)

    assert gated.mails_seen and min(gated.mails_seen) >= 1  # let through by a mail, not the clock
    assert summary.count("Sent") == 23 and len(sink.messages) == 23
    assert set(sink.per_recipient().values()) == {1}
    rows = sheet_rows(event_dir / "roster.xlsx")
    assert sum(r["Status"] == "Sent" for r in rows.values()) == 23


def test_each_mailed_pdf_holds_its_own_name_and_id_and_nobody_elses(event_dir, smtp, converter):
    sink, controller = smtp
    use_smtp(event_dir, controller.port)
    run_event(load_event(event_dir), send=True, converter=converter)
    rows = sheet_rows(event_dir / "roster.xlsx")
    people = {r["Email"]: (squash(name), r["Certificate ID"]) for name, r in rows.items()
              if r["Status"] == "Sent"}
    assert len(people) == 23
    for msg in sink.messages:
        (to,) = [a.strip() for a in msg["To"].split(",")]
        address = to.rpartition("<")[2].rstrip(">") or to
        name, cid = people[address]
        (part,) = [p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
        reader = PdfReader(io.BytesIO(part.get_content()))
        assert len(reader.pages) == 1
        text = squash("".join(page.extract_text() for page in reader.pages))
        assert name in text and cid in text
        others = [n for a, (n, c) in people.items() if a != address and (n in text or c in text)]
        assert others == []


def test_the_template_page_count_is_known_before_any_certificate_and_remembered(event, converter,
                                                                               tmp_path):
    from certkit.docs import prepare_template, template_file

    prepared = prepare_template(template_file(event)[0], tmp_path / "work")
    assert template_pages(prepared, converter, tmp_path / "work") == 1
    memo = tmp_path / "work" / f"{prepared.path.stem}.pages"
    assert memo.read_text() == "1"
    memo.write_text("2")  # remembered: not converted again
    assert template_pages(prepared, converter, tmp_path / "work") == 2


def test_a_ledger_batch_is_one_transaction_and_refuses_send_steps(tmp_path):
    with open_ledger(tmp_path) as ledger:
        with pytest.raises(RuntimeError), ledger.batch():
            ledger.assign("fp-1", 2, "a@example.org", "A")
            raise RuntimeError("stopped halfway")
        assert ledger.all() == []  # nothing of a stopped batch is kept
        with ledger.batch():
            rec = ledger.assign("fp-2", 3, "b@example.org", "B")
            ledger.update(rec.cert_id, detail="PDF ready, not sent yet")
        assert [r.detail for r in ledger.all()] == ["PDF ready, not sent yet"]
        with pytest.raises(LedgerError), ledger.batch():
            ledger.begin_attempt(rec.cert_id, "b@example.org", "example.org")
        assert ledger.history(rec.cert_id) == []


def test_a_refused_login_stops_the_pdfs_still_being_made(event_dir, converter, monkeypatch):
    from certkit.errors import AuthError

    from .smtp_server import Sink, start_server
    from .test_delivery import smtp_event

    sink = Sink()
    controller = start_server(sink, auth=("office@example.org", "right"))
    try:
        monkeypatch.setenv("CERTKIT_SMTP_PASSWORD", "wrong")
        event = smtp_event(event_dir, controller.port, username="office@example.org")
        with pytest.raises(AuthError):  # refused once the first chunk is ready, later ones unmade
            run_event(event, send=True, converter=converter)
        assert not list((event_dir / ".certkit").glob("render-*"))  # stopped and cleaned up
        assert sink.data_commands == 0
        monkeypatch.setenv("CERTKIT_SMTP_PASSWORD", "right")
        assert run_event(load_event(event_dir), send=True, converter=converter).count("Sent") == 23
        assert set(sink.per_recipient().values()) == {1}
    finally:
        controller.stop()
