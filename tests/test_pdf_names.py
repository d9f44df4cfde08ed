"""PDF file names: found by a person's name, unique by certificate ID, safe on every OS."""

from __future__ import annotations

import pytest

from certkit.docs import pdf_file_name
from certkit.ledger import open_ledger
from certkit.run import run_event

NAME_CHARS = 60  # characters of a name kept in a file name
WINDOWS_BAD = set('<>:"/\\|?*') | {chr(c) for c in range(32)}


@pytest.mark.parametrize(("name", "expected"), [
    ("Ana Souza", "Ana Souza - CK-7F3K-9QX2.pdf"),
    ("王小明", "王小明 - CK-7F3K-9QX2.pdf"),
    ("../../etc/passwd", "etc passwd - CK-7F3K-9QX2.pdf"),
    ("C:\\Users\\x", "C Users x - CK-7F3K-9QX2.pdf"),
    ("  .hidden name. ", "hidden name - CK-7F3K-9QX2.pdf"),
    ("Ana\tSouza\n", "Ana Souza - CK-7F3K-9QX2.pdf"),
    ("", "CK-7F3K-9QX2.pdf"),
    ("...", "CK-7F3K-9QX2.pdf"),
])
def test_names_are_made_safe(name, expected):
    assert pdf_file_name(name, "CK-7F3K-9QX2") == expected


@pytest.mark.parametrize("reserved", ["CON", "nul", "COM1", "LPT9", "aux"])
def test_windows_reserved_names_never_name_a_file_alone(reserved):
    stem = pdf_file_name(reserved, "CK-1").removesuffix(".pdf").split(" - ")[0]
    assert stem.upper() != reserved.upper()
    person = pdf_file_name(reserved, "")
    assert person.removesuffix(".pdf").upper() not in {"CON", "NUL", "COM1", "LPT9", "AUX"}


def test_long_and_hostile_names_stay_short_and_plain():
    name = pdf_file_name("Ö" * 500 + '<>:"|?*', "CK-7F3K-9QX2")
    assert len(name.removesuffix(" - CK-7F3K-9QX2.pdf")) <= NAME_CHARS
    assert not WINDOWS_BAD & set(name) and len(name.encode()) < 255


def test_a_run_names_each_pdf_after_its_person_and_id(event, converter):
    run_event(event, rows=[2, 3, 4], converter=converter)
    with open_ledger(event.folder) as ledger:
        records = [r for r in ledger.all() if r.pdf]
    assert len(records) == 3
    for rec in records:
        assert rec.pdf.endswith(pdf_file_name(rec.name, rec.cert_id))
        assert (event.folder / rec.pdf).exists()
    names = sorted(p.name for p in (event.folder / "out" / "pdf").iterdir())
    assert names == sorted(pdf_file_name(r.name, r.cert_id) for r in records)
