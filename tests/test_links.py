"""Mail that carries a personal download link instead of (or beside) the PDF: [email] deliver."""

from __future__ import annotations

import email
import re

import pytest

from certkit.config import load_event, update_setting
from certkit.errors import ConfigError
from certkit.ledger import open_ledger
from certkit.run import run_event
from certkit.send import build_message
from certkit.sheets import GoogleSheetSource
from certkit.site import publish_site
from certkit.track import publish_links

from .test_gsheets_pipeline import demo_rows

BASE = "https://certs.example.org/verify"


def _eml(event) -> dict[str, email.message.Message]:
    """Certificate ID -> message, from the outbox."""
    found = {}
    for path in event.path(event.transport.outbox_dir).glob("*.eml"):
        msg = email.message_from_bytes(path.read_bytes())
        found[msg["X-Certkit-Id"]] = msg
    return found


@pytest.fixture
def linked(event, sheets_emulator, sheets_client, converter):
    """The demo event on an emulated Google Sheet, five rows sent with deliver = "link"."""
    rows = demo_rows()
    key = sheets_emulator.add_spreadsheet("Bootcamp", rows, option="USER_ENTERED",
                                          col_count=len(rows[0]))
    event.roster.source, event.roster.url = "sheets", key
    event.email.deliver, event.verify_base_url = "link", BASE
    source = GoogleSheetSource.from_event(event, client=sheets_client)
    run_event(event, send=True, rows=[2, 3, 4, 5, 6], source=source, converter=converter)
    return event, source, key


def _texts(msg) -> str:
    """Every text part, decoded (quoted-printable lines joined)."""
    return "\n".join(p.get_payload(decode=True).decode() for p in msg.walk()
                     if p.get_content_maintype() == "text")


def test_mail_carries_a_personal_link_instead_of_the_pdf(linked):
    event, _, _ = linked
    messages = _eml(event)
    assert len(messages) == 5
    with open_ledger(event.folder) as ledger:
        for cert_id, msg in messages.items():
            assert not [p for p in msg.walk() if p.get_content_type() == "application/pdf"]
            link = f"{BASE}/{cert_id}/{ledger.link_token(cert_id)}/"
            plain = next(p for p in msg.walk() if p.get_content_type() == "text/plain")
            assert f"Download your certificate: {link}" in plain.get_payload(decode=True).decode()
    tokens = {re.search(r"/verify/[^/]+/([^/]+)/", _texts(m))[1] for m in messages.values()}
    assert len(tokens) == 5 and all(len(t) >= 20 for t in tokens)  # one unguessable path each


def test_both_attaches_and_links_and_an_unknown_mode_is_refused(event, tmp_path):
    event.email.deliver = "both"
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF-1.4 a certificate")
    fields = {"name": "Ann", "certificate_id": "CK-AAAA-BBBB", "download_url": f"{BASE}/CK-AAAA-BBBB/tok/"}
    msg = build_message(event, fields,
                        "ann@example.org", pdf, "<certkit.CK-AAAA-BBBB.1@example.org>",
                        certificate_id="CK-AAAA-BBBB")
    assert [p.get_filename() for p in msg.iter_attachments()] == ["Certificate CK-AAAA-BBBB.pdf"]
    assert f"{BASE}/CK-AAAA-BBBB/tok/" in msg.get_body(("plain",)).get_content()
    update_setting(event.folder, "email", {"deliver": "pdf"})
    with pytest.raises(ConfigError, match="attach, link, both"):
        load_event(event.folder)


def test_publish_puts_each_pdf_beside_its_page_under_the_mailed_link(linked):
    event, _, _ = linked
    site = event.folder / "site"
    with open_ledger(event.folder) as ledger:
        tokens = dict(ledger.db.execute("SELECT cert_id, token FROM links").fetchall())
    publish_site(event, site)  # what `certkit publish` runs, then, with deliver = "link":
    assert publish_links(event, site) == len(tokens) == 5
    for cert_id, token in tokens.items():
        with open_ledger(event.folder) as ledger:
            pdf = event.path(ledger.get(cert_id).pdf)
        assert (site / cert_id / token / f"{cert_id}.pdf").read_bytes() == pdf.read_bytes()
        page = (site / cert_id / token / "index.html").read_text(encoding="utf-8")
        assert f'href="{token}/{cert_id}.pdf"' in page and '<base href="../">' in page
        assert not list((site / cert_id).glob("*.pdf"))  # never at the guessable /ID/ address
