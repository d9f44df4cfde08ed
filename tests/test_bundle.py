"""`certkit bundle`: one ZIP with a PDF per person named by person (safe, no collisions), one merged
print-ready PDF in roster order, and an index CSV."""

from __future__ import annotations

import csv
import io
import zipfile

from pypdf import PdfReader

from certkit.cli import main
from certkit.config import load_event
from certkit.ledger import open_ledger
from certkit.run import make_bundle, unique_name


def test_the_bundle_holds_each_pdf_named_by_person_a_merged_pdf_in_roster_order_and_an_index(
        ready_event, capsys):
    assert main(["bundle", str(ready_event)]) == 0
    assert "23 certificate(s)" in capsys.readouterr().out
    with open_ledger(ready_event) as ledger:
        records = [r for r in ledger.all() if r.pdf]
    assert len(records) == 23
    with zipfile.ZipFile(ready_event / "out" / "certificates.zip") as zf:
        names = zf.namelist()
        pdfs = [n for n in names if n.startswith("certificates/")]
        assert len(pdfs) == len(set(n.casefold() for n in pdfs)) == 23
        assert all(n.endswith(".pdf") and "/" not in n[len("certificates/"):] for n in pdfs)
        for rec in records:
            assert any(n.startswith(f"certificates/{rec.name}") and rec.cert_id in n for n in pdfs)
        assert any("王小明" in n for n in pdfs)
        merged = PdfReader(io.BytesIO(zf.read("all-certificates.pdf")))
        index = list(csv.DictReader(io.StringIO(zf.read("index.csv").decode("utf-8-sig"))))
        single = {n: len(PdfReader(io.BytesIO(zf.read(n))).pages) for n in pdfs}
    assert len(merged.pages) == sum(single.values()) == sum(r.pages for r in records)
    assert [int(r["Row"]) for r in index] == sorted(int(r["Row"]) for r in index)  # roster order
    assert [r["Certificate ID"] for r in index] == [r.cert_id for r in records]
    for row in index:  # each person's page of the merged PDF is theirs
        page = merged.pages[int(row["First page"]) - 1].extract_text()
        assert row["Certificate ID"] in page


def test_two_people_with_the_same_name_get_two_files_and_case_never_collides(ready_event):
    event = load_event(ready_event)
    with open_ledger(ready_event) as ledger:
        first, second = ledger.all()[:2]
        ledger.update(second.cert_id, name=first.name)
        ledger.update(first.cert_id, name="=HYPERLINK(\"x\")")
    bundle = make_bundle(event, ready_event / "copy.zip")
    assert bundle.count == 23
    with zipfile.ZipFile(bundle.path) as zf:
        pdfs = [n for n in zf.namelist() if n.startswith("certificates/")]
        index = zf.read("index.csv").decode("utf-8-sig")
    assert len(set(pdfs)) == 23
    assert "'=HYPERLINK" in index  # roster text is never a formula in the index
    taken: set[str] = set()
    assert [unique_name(n, taken) for n in ("Ana - CK-1.pdf", "ana - ck-1.pdf", "ANA - CK-1.pdf")] == [
        "Ana - CK-1.pdf", "ana - ck-1 (2).pdf", "ANA - CK-1 (3).pdf"]


def test_no_certificate_yet_says_what_to_run(event_dir, capsys):
    assert main(["bundle", str(event_dir)]) == 2
    assert "certkit run" in capsys.readouterr().err
