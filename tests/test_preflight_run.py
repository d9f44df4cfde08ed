"""The pre-flight inside real runs: blocked rows skipped with their reason, filter honoured,
test sends to the organizer only, nothing marked in the sheet by a test."""

from __future__ import annotations

import csv
import io

import pytest

from certkit.cli import main
from certkit.errors import ConfigError
from certkit.run import run_event

from .conftest import use_smtp
from .docx_factory import make_template
from .test_checks import nasty_event


def sheet(event) -> dict[int, dict[str, str]]:
    """The roster CSV as row number -> header -> text."""
    text = event.path("roster.csv").read_bytes().decode("utf-8-sig")
    records = list(csv.reader(io.StringIO(text, newline="")))
    return {n: dict(zip(records[0], rec)) for n, rec in enumerate(records[1:], start=2)}


def test_nasty_roster_blocks_only_its_broken_rows(tmp_path, converter):
    event = nasty_event(tmp_path / "n")
    summary = run_event(event, send=True, converter=converter)
    rows = sheet(event)
    blocked = {9: "Same person as row 8", 14: "gmial.com", 17: "empty", 18: "'Course' is empty",
               19: "no month 13"}
    for number, words in blocked.items():
        assert rows[number]["Status"] == "Not sent" and words in rows[number]["Detail"], number
        assert rows[number]["Certificate ID"] == ""
    assert rows[16]["Status"] == "Not sent" and rows[16]["Detail"].startswith("Not eligible")
    assert set(rows[10].values()) == {""}  # the blank row stays blank
    sent = [n for n, r in rows.items() if r.get("Status") == "Sent"]
    assert sent == [2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 15, 20, 21, 22]
    assert summary.count("Sent") == 14
    assert len(list(event.path("out/outbox").glob("*.eml"))) == 14
    again = run_event(event, send=True, converter=converter)  # the duplicate never takes over
    assert again.count("Sent") == 14 and sheet(event) == rows
    assert len(list(event.path("out/outbox").glob("*.eml"))) == 14


def test_test_send_goes_to_the_organizer_only_and_leaves_the_sheet_alone(tmp_path, smtp,
                                                                          converter):
    sink, controller = smtp
    event = nasty_event(tmp_path / "t")
    use_smtp(event.folder, controller.port)
    from certkit.config import load_event

    event = load_event(event.folder)
    before = event.path("roster.csv").read_bytes()
    summary = run_event(event, sample=3, test_to="me@example.org", converter=converter)
    assert len(sink.messages) == 3
    assert {m["To"].addresses[0].addr_spec for m in sink.messages} == {"me@example.org"}
    assert all(m["Subject"].startswith("TEST") for m in sink.messages)
    assert event.path("roster.csv").read_bytes() == before
    assert [o.status for o in summary.outcomes if o.status.startswith("Test")] == ["Test Sent"] * 3
    real = run_event(event, send=True, rows=[2], converter=converter)  # a real run still sends
    assert real.count("Sent") == 1 and sheet(event)[2]["Status"] == "Sent"
    assert sink.messages[-1]["To"].addresses[0].addr_spec == "amelie.dubois@example.org"


def test_rows_outside_the_roster_are_refused_before_anything(tmp_path, converter):
    event = nasty_event(tmp_path / "r")
    before = event.path("roster.csv").read_bytes()
    with pytest.raises(ConfigError, match=r"Row\(s\) 99 are not in the roster"):
        run_event(event, send=True, rows=[2, 99], converter=converter)
    assert event.path("roster.csv").read_bytes() == before


def test_a_placeholder_without_a_column_stops_the_whole_run(tmp_path, converter):
    event = nasty_event(tmp_path / "g")
    make_template(event.path("template.docx"), header="{{ instructor }}", textbox="{{ full_name }}",
                  body=["ID {{ certificate_id }}"])  # no column, constant or date is "instructor"
    with pytest.raises(ConfigError, match="Placeholder 'instructor' has no value"):
        run_event(event, send=True, converter=converter)
    assert not event.path("out/outbox").exists()


def test_cli_check_prints_the_report_and_exits_1(tmp_path, capsys):
    event = nasty_event(tmp_path / "c")
    assert main(["check", str(event.folder), "--preview", "0"]) == 1
    out = capsys.readouterr().out
    assert "Row 14  (Dana White <dana.white@gmial.com>)" in out
    assert "Did you mean dana.white@gmail.com?" in out
    assert "Preview images" not in out


def test_cli_check_renders_a_sample_and_exits_0_when_nothing_blocks(event_dir, capsys):
    book = event_dir / "roster.xlsx"
    import openpyxl

    wb = openpyxl.load_workbook(book)
    ws = wb.worksheets[0]
    ws.delete_rows(11, 2)  # the two demo rows with a bad or missing email
    wb.save(book)
    assert main(["check", str(event_dir), "--preview", "2"]) == 0
    out = capsys.readouterr().out
    assert "No problems found." in out or "0 row(s) blocked" in out
    assert out.count("preview-row-") == 2
    assert len(list((event_dir / "out" / "preview").glob("*.png"))) == 2  # no template leftovers


def test_cli_run_test_to_with_rows(tmp_path, capsys):
    event = nasty_event(tmp_path / "c")
    before = event.path("roster.csv").read_bytes()
    assert main(["run", str(event.folder), "--test-to", "me@example.org", "--rows", "2,4"]) == 0
    out = capsys.readouterr().out
    assert "nothing was marked in the sheet" in out
    emls = list(event.path("out/outbox").glob("*.eml"))
    assert len(emls) == 2
    assert all(b"<me@example.org>" in e.read_bytes() for e in emls)
    assert event.path("roster.csv").read_bytes() == before
    assert main(["run", str(event.folder), "--test-to", "not an address"]) == 2
    assert main(["run", str(event.folder), "--rows", "2,x"]) == 2
    assert "'x' in '2,x'" in capsys.readouterr().err
