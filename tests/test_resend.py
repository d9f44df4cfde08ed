"""`certkit resend`: the same PDF again, to a corrected address, written back to the sheet (or not)."""

from __future__ import annotations

import io
import sqlite3

import pytest

from certkit import cli
from certkit.config import load_event
from certkit.errors import CertkitError
from certkit.run import resend, run_event

from .conftest import use_smtp
from .smtp_server import Sink, start_server
from .test_pipeline import sheet_rows

OLD, NEW = "jose.alvarez@example.org", "jose.alvarez.nunez@example.org"


@pytest.fixture
def server():
    """A server that says 5.1.1 for José's old address."""
    sink = Sink(on_rcpt=lambda a: "550 5.1.1 No such user" if a == OLD else None)
    controller = start_server(sink)
    try:
        yield sink, controller
    finally:
        controller.stop()


def attempts(folder, cert_id: str) -> list[tuple[str, str]]:
    """(address, state) of every attempt for a certificate."""
    db = sqlite3.connect(folder / "certkit.db")
    rows = db.execute("SELECT to_addr, state FROM attempts WHERE cert_id = ? ORDER BY id", (cert_id,))
    out = list(rows)
    db.close()
    return out


@pytest.mark.parametrize("update_email", [True, False])
def test_resend_to_a_corrected_address_keeps_the_pdf_and_both_attempts(ready_event, server, converter,
                                                                      update_email):
    sink, controller = server
    use_smtp(ready_event, controller.port, retry_wait=0.01)
    if not update_email:
        toml = ready_event / "event.toml"
        toml.write_text(toml.read_text().replace("[roster]\n", "[roster]\nupdate_email = false\n"))
    run_event(load_event(ready_event), send=True, converter=converter)
    row = sheet_rows(ready_event / "roster.xlsx")["José Álvarez Núñez"]
    assert row["Status"] == "Failed" and "misspelled" in row["Detail"]
    pdf = next((ready_event / "out" / "pdf").glob(f"* - {row['Certificate ID']}.pdf"))
    made = pdf.stat().st_mtime_ns
    summary = resend(load_event(ready_event), email=OLD, to=NEW)
    assert summary.count("Sent") == 1
    (got,) = sink.to(NEW)
    (attached,) = list(got.iter_attachments())
    assert attached.get_content() == pdf.read_bytes() and pdf.stat().st_mtime_ns == made
    after = sheet_rows(ready_event / "roster.xlsx")["José Álvarez Núñez"]
    assert after["Status"] == "Sent" and after["Sent at"]
    assert f"Resent to {NEW} (was {OLD})" in after["Detail"]
    assert after["Email"] == (NEW if update_email else OLD)
    assert ("now shows it" if update_email else "update_email = false") in after["Detail"]
    assert attempts(ready_event, row["Certificate ID"]) == [(OLD, "failed"), (NEW, "sent")]
    run_event(load_event(ready_event), send=True, converter=converter)  # nobody twice afterwards
    assert sorted(sink.per_recipient().values()) == [1] * 23


def test_resend_by_row_sends_the_same_certificate_again_and_records_it(ready_event, server, converter,
                                                                       monkeypatch, capsys):
    sink, controller = server
    use_smtp(ready_event, controller.port, retry_wait=0.01)
    run_event(load_event(ready_event), send=True, rows=[4], converter=converter)
    monkeypatch.setattr("sys.stdin", io.StringIO())  # no terminal: the question is answered no
    assert cli.main(["resend", str(ready_event), "--row", "4"]) == 1
    assert "Resend certificate CK-" in capsys.readouterr().out and len(sink.received) == 1
    assert cli.main(["resend", str(ready_event), "--row", "4", "--yes"]) == 0
    first, second = sink.to("xiaoming.wang@example.org")
    assert first["X-Certkit-Id"] == second["X-Certkit-Id"]
    assert (first["X-Certkit-Attempt"], second["X-Certkit-Attempt"]) == ("1", "2")
    assert first["Message-ID"] != second["Message-ID"]
    with pytest.raises(CertkitError, match="No certificate was made for row 99"):
        resend(load_event(ready_event), row=99)
    with pytest.raises(CertkitError, match="is not valid"):
        resend(load_event(ready_event), row=4, to="not-an-address")
