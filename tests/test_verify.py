"""Verification without a SaaS: the static site a QR code opens, and the offline PDF check."""

from __future__ import annotations

import openpyxl

from certkit.config import load_event
from certkit.ledger import open_ledger
from certkit.run import run_demo
from certkit.site import publish_site, verify


def test_site_has_one_escaped_page_per_issued_certificate_and_no_emails(tmp_path, converter):
    folder = tmp_path / "demo"
    from certkit.run import init_event

    init_event(folder)
    book = openpyxl.load_workbook(folder / "roster.xlsx")
    book.worksheets[0]["A3"] = "José <script>alert(1)</script>"
    book.save(folder / "roster.xlsx")
    run_demo(folder)
    event = load_event(folder)
    site, count = publish_site(event)
    assert count == 23
    pages = sorted(site.glob("CK-*/index.html"))
    assert len(pages) == 23
    everything = "".join(p.read_text(encoding="utf-8") for p in pages)
    assert "<script>alert" not in everything and "&lt;script&gt;alert(1)&lt;/script&gt;" in everything
    assert "@example.org" not in everything
    with open_ledger(folder) as ledger:
        record = next(r for r in ledger.all() if r.name == "Amélie Dubois")
    page = (site / record.cert_id / "index.html").read_text(encoding="utf-8")
    assert "Valid certificate" in page and "Data Analysis with Python" in page
    assert "12 June 2026" in page
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "Amélie" not in index  # the landing page lists nobody


def test_offline_check_of_a_pdf_and_of_an_id(tmp_path, converter):
    folder = tmp_path / "demo"
    run_demo(folder)
    event = load_event(folder)
    with open_ledger(folder) as ledger:
        record = next(r for r in ledger.all() if r.status == "Sent")
        ledger.revoke(record.cert_id, "issued by mistake")
        other = next(r for r in ledger.all() if r.status == "Sent")
    good = verify(event, str(event.path(other.pdf)))
    assert good.valid and other.name in good.message
    revoked = verify(event, record.cert_id.lower())
    assert not revoked.valid and "revoked on" in revoked.message
    assert "issued by mistake" in revoked.message
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(event.path(other.pdf).read_bytes() + b"%edited")
    assert not verify(event, str(forged)).valid
    site, _ = publish_site(event)
    page = (site / record.cert_id / "index.html").read_text(encoding="utf-8")
    assert 'class="badge revoked">Revoked' in page and "Reason: issued by mistake" in page


def test_cli_publish_and_verify(tmp_path, converter, capsys):
    from certkit.cli import main

    folder = tmp_path / "demo"
    run_demo(folder)
    assert main(["publish", str(folder)]) == 0
    assert "23 certificate page(s)" in capsys.readouterr().out
    pdf = next((folder / "out" / "pdf").glob("*.pdf"))
    assert main(["verify", str(folder), str(pdf)]) == 0
    assert "it is valid" in capsys.readouterr().out
    assert main(["verify", str(folder), "CK-0000-0000"]) == 2
