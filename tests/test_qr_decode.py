"""The QR code printed on a certificate opens its verification page: a PDF made by real LibreOffice
is rendered to an image (pypdfium2) and the code is read by a real QR decoder (zxing-cpp)."""

from __future__ import annotations

import os

import pypdfium2
import pytest

from certkit.config import load_event
from certkit.docs import verify_url
from certkit.ledger import open_ledger

if os.environ.get("CI") == "true":
    import zxingcpp  # in CI a missing decoder is a failure
else:
    zxingcpp = pytest.importorskip("zxingcpp")


def decode_qr(pdf) -> list[str]:
    """Every QR code on the PDF's first page, as text."""
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        image = document[0].render(scale=200 / 72).to_pil()  # 200 dpi, like a phone photo
    finally:
        document.close()
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


def test_the_qr_code_on_each_certificate_decodes_to_its_page(ready_event):
    event = load_event(ready_event)
    with open_ledger(ready_event) as ledger:
        records = [r for r in ledger.all() if r.pdf][:3]
    assert len(records) == 3
    for record in records:
        assert decode_qr(event.path(record.pdf)) == [verify_url(event, record.cert_id)]
    assert verify_url(event, records[0].cert_id) == (
        f"https://certificates.example.org/verify/{records[0].cert_id}")
