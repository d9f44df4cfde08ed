"""Computed text fields in event.toml ([fields] "Full Name" = "{First name} {Last name}"): one
resolver fills them for the check, the preview, the PDF and the mail; the check names what is
wrong before a run."""

from __future__ import annotations

import csv

import pytest
from pypdf import PdfReader

from certkit.checks import check_event
from certkit.config import load_event, update_setting
from certkit.docs import row_fields
from certkit.ledger import open_ledger
from certkit.run import run_event
from certkit.sheets import Row


def split_names(event_dir):
    """The demo roster with 'Full Name' split into 'First name' and 'Last name' columns."""
    from pathlib import Path

    import certkit

    source = Path(certkit.__file__).parent / "data" / "roster.csv"
    rows = list(csv.DictReader(source.read_text(encoding="utf-8").splitlines()))
    out = []
    for r in rows:
        first, _, last = r.pop("Full Name").partition(" ")
        out.append({"First name": first, "Last name": last, **r})
    out[2]["First name"] = out[2]["Last name"] = ""  # nobody's name: that row must be blocked
    with (event_dir / "roster.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(out[0]))
        writer.writeheader()
        writer.writerows(out)
    update_setting(event_dir, "roster", {"source": "csv", "path": "roster.csv",
                                         "name_column": "Last name"})
    return out


@pytest.fixture
def split_event(event_dir):
    split_names(event_dir)
    update_setting(event_dir, "fields", {"Full Name": "{First name} {Last name}"})
    return load_event(event_dir)


def test_the_resolver_combines_columns_and_tidies_spaces(event):
    event.fields = {"Full Name": "{First name} {Middle} {Last name}"}
    row = Row(2, {"First name": " Ana ", "Middle": "", "Last name": "Souza", "X": "=1+1"})
    assert row_fields(event, row, ["Full Name"], "CK-1") == {"Full Name": "Ana Souza"}
    event.fields = {"Label": "{X} for {Last name}"}
    assert row_fields(event, row, ["Label"], "CK-1") == {"Label": "=1+1 for Souza"}  # data only


def test_check_accepts_the_field_and_blocks_a_row_where_it_is_empty(split_event):
    report = check_event(split_event, save=False).report
    assert not report.global_blocking(), report.to_text()
    assert not [f for f in report.findings if "Full Name" in f.message and f.row is None]
    blocked = report.blocking_rows()
    assert 4 in blocked and "'Full Name' comes out empty" in report.detail(4)


def test_check_names_a_missing_column_and_a_field_without_columns(split_event, event_dir):
    update_setting(event_dir, "fields", {"Full Name": "{First name} {Surname}"})
    text = check_event(load_event(event_dir), save=False).report.to_text()
    assert "uses column 'Surname', but the roster has no such column" in text
    update_setting(event_dir, "fields", {"Full Name": "First Last"})
    text = check_event(load_event(event_dir), save=False).report.to_text()
    assert "names no column" in text


def test_certificates_show_the_combined_name(split_event, converter):
    run_event(split_event, rows=[2], converter=converter)
    with open_ledger(split_event.folder) as ledger:
        rec = next(r for r in ledger.all() if r.pdf)
    assert rec.fields["Full Name"] == "Amélie Dubois"
    text = " ".join(p.extract_text() for p in PdfReader(str(split_event.folder / rec.pdf)).pages)
    assert "Amélie Dubois" in " ".join(text.split())
