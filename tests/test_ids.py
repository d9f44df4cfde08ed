"""One certificate-ID rule: an ID typed in the sheet gets a verification page like a made one, and
every lookup (site, verify, the sheet's ID column) ignores case."""

from __future__ import annotations

import pytest

from certkit.config import Event
from certkit.errors import LedgerError
from certkit.ids import id_key, is_certificate_id, new_certificate_id
from certkit.ledger import open_ledger
from certkit.sheets import Row, match_rows
from certkit.site import publish_site, verify
from certkit.status import SENT


def _issue(event: Event, cert_id: str, row: int) -> str:
    """A sent certificate with this ID (typed or made) and its PDF."""
    pdf = event.out / "pdf" / f"{cert_id}.pdf"
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(b"%PDF-1.4 " + cert_id.encode())
    with open_ledger(event.folder) as ledger:
        rec = ledger.assign(f"fp{row}", row, f"p{row}@example.org", f"Person {row}", cert_id)
        ledger.update(rec.cert_id, pdf=str(pdf.relative_to(event.folder)), status=SENT,
                      sent_at="2026-03-01 10:00")
        return rec.cert_id


def test_one_pattern_for_made_and_typed_ids():
    assert is_certificate_id(new_certificate_id()) and is_certificate_id("2026-001")
    assert not any(map(is_certificate_id, ["", "../x", "a/b", "ID 1", "-1", "x" * 65]))
    assert id_key(" CK-AB ") == id_key("ck-ab")


def test_typed_id_gets_a_page_and_lookups_ignore_case(tmp_path):
    event = Event(folder=tmp_path)
    made = _issue(event, new_certificate_id(), 2)
    typed = _issue(event, "2026-001", 3)
    site, count = publish_site(event)
    assert count == 2
    assert (site / typed / "index.html").is_file()  # the QR code of a typed ID leads somewhere
    assert (site / made / "index.html").is_file()
    alias = (site / made.lower() / "index.html").read_text(encoding="utf-8")
    assert f"../{made}/" in alias  # the index form sends a typed lower-case ID here
    assert verify(event, made.lower()).record.cert_id == made
    assert verify(event, " 2026-001 ").valid
    with open_ledger(event.folder) as ledger, pytest.raises(LedgerError, match="already used"):
        ledger.assign("other", 9, "x@example.org", "X", made.lower())


def test_id_typed_in_another_case_matches_its_certificate(tmp_path):
    event = Event(folder=tmp_path)
    made = _issue(event, new_certificate_id(), 2)
    rows = [Row(2, {"Email": "p2@example.org", "Certificate ID": made.lower()})]
    with open_ledger(event.folder) as ledger:
        found = match_rows(rows, ledger, "Certificate ID", ["Email"])
    assert found[2].record is not None and found[2].record.cert_id == made
