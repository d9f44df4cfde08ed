"""The pre-flight on a hostile roster: each row gets exactly the findings it deserves."""

from __future__ import annotations

from pathlib import Path

import pytest

from certkit.checks import check_roster, eligible_rows
from certkit.config import DateField, Event, load_event, save_setting
from certkit.docs import prepare_template
from certkit.findings import Finding, Report
from certkit.sheets import CsvRosterSource

from .docx_factory import make_template

DATA = Path(__file__).parent / "data"
B, W = "blocking", "warning"


def nasty_event(folder: Path, roster: str = "nasty_roster.csv") -> Event:
    """An event over a copy of a fixture roster, with a template whose name sits in a text box
    in Liberation Serif (all script slots) and whose course sits in the page header."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "roster.csv").write_bytes((DATA / roster).read_bytes())
    make_template(folder / "template.docx", header="{{ course }}", textbox="{{ full_name }}",
                  textbox_font="Liberation Serif",
                  body=["completed on {{ completion_date }}", "ID {{ certificate_id }}"])
    (folder / "event.toml").write_text('name = "Nasty"\n', encoding="utf-8")
    save_setting(folder, "roster", {"source": "csv", "path": "roster.csv",
                                    "eligible": "Score >= 80"})
    save_setting(folder, "mapping", {"full_name": "Full Name", "course": "Course"})
    save_setting(folder, "dates", {"completion_date": {"column": "Completion Date",
                                                       "format": "d MMMM yyyy"}})
    return load_event(folder)


def read(event: Event):
    return CsvRosterSource(event.path("roster.csv"), status_columns=event.status_columns.names(),
                           identity=event.identity_columns).read()


def check(event: Event) -> Report:
    prepared = prepare_template(event.path("template.docx"), event.folder / ".certkit")
    return check_roster(event, read(event), prepared.placeholders)


def summary(findings: list[Finding]) -> set[tuple[str | None, str, str]]:
    """(column, severity, first words of the message) for comparing with expectations."""
    return {(f.column, f.severity, f.message) for f in findings}


def has(findings, column, severity, *phrases, suggestion=""):
    """True when one finding matches the column, severity, every phrase and the suggestion."""
    return any(f.column == column and f.severity == severity
               and all(p in f.message for p in phrases) and suggestion in f.suggestion
               for f in findings)


EXPECTED = {  # row -> [(column, severity, phrases in the message, text in the suggestion)]
    2: [],  # & and < in the course: fine
    3: [("Full Name", W, ("cannot draw", "Liberation Serif", "borrowed"), "Arabic")],
    4: [],  # Hebrew: Liberation Serif has it
    5: [("Full Name", W, ("王 小 明", "borrowed", "Noto"), "Chinese/Japanese/Korean")],
    6: [("Full Name", W, ("🎓", "empty boxes"), "fonts-noto-color-emoji")],
    7: [],  # 200 characters: only a real render can tell (see test_preview)
    8: [],
    9: [("Email", B, ("Same person as row 8",), "Delete one"),
        ("Full Name", W, ("all lowercase",), "Bob Smith"),
        ("Email", W, ("spaces before or after",), "")],
    11: [("Full Name", W, ("extra spaces",), "Retype it as: Carla Núñez")],
    12: [("Full Name", W, ("non-breaking space",), "Retype it as: José García")],
    13: [("Full Name", W, ("zero-width space",), "Retype it as: Li Wei")],
    14: [("Email", B, ("gmial.com", "gmail.com"), "dana.white@gmail.com")],
    15: [("Full Name", W, ("ALL CAPS",), "John O'Brien")],
    17: [("Email", B, ("empty",), "")],
    18: [("Course", B, ("'Course' is empty", "'course'"), "Fill it in")],
    19: [("Completion Date", B, ("01/13/2026", "no month 13", "month/day/year"), 'order = "mdy"')],
    20: [("Full Name", W, ("all lowercase",), "Jan van der Berg")],
    21: [("Email", W, ("same email", "row(s) 22"), "parent")],
    22: [("Email", W, ("same email", "row(s) 21"), "parent")],
}


@pytest.fixture(scope="module")
def nasty(tmp_path_factory):
    event = nasty_event(tmp_path_factory.mktemp("nasty"))
    return event, check(event)


@pytest.mark.parametrize("row", sorted(EXPECTED))
def test_each_row_gets_exactly_its_findings(nasty, row):
    _, report = nasty
    found = report.for_row(row)
    for column, severity, phrases, hint in EXPECTED[row]:
        assert has(found, column, severity, *phrases, suggestion=hint), (row, summary(found))
    assert len(found) == len(EXPECTED[row]), (row, summary(found))


def test_blocking_rows_are_exactly_the_broken_ones_and_say_why(nasty):
    _, report = nasty
    assert set(report.blocking_rows()) == {9, 14, 17, 18, 19}
    assert "gmail.com" in report.detail(14)
    assert not report.global_blocking()


def test_filter_keeps_the_right_count_and_blank_rows_are_never_findings(nasty):
    event, report = nasty
    assert report.kept_rows == 19  # 20 people in the file, Eve (50 points) left out
    assert "Score" in report.excluded[16] and "50" in report.excluded[16]
    assert report.for_row(16) == [] and report.for_row(10) == []
    kept, excluded = eligible_rows(event, read(event))
    assert [r.number for r in excluded] == [16] and len(kept) == 19


def test_column_level_finding_for_mixed_date_styles(nasty):
    _, report = nasty
    col = [f for f in report.findings if f.row is None and f.column]  # settings have no column
    assert len(col) == 1 and col[0].column == "Completion Date" and col[0].severity == W
    assert "2 different ways" in col[0].message and "row(s) 19" in col[0].message


def test_text_and_records_are_readable(nasty):
    _, report = nasty
    text = report.to_text()
    assert "5 row(s) blocked" in text and "Row 14  (Dana White <dana.white@gmial.com>)" in text
    assert "20 row(s) in the roster; 19 pass the filter 'Score >= 80', 1 left out." in text
    assert "BLOCKING rows are skipped" in text
    records = report.to_records()
    assert {"row", "column", "severity", "message", "suggestion", "who"} <= set(records[0])
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame(report.to_records())
    assert len(frame) == len(report.findings)


def test_cp1252_roster_is_read_and_checked(tmp_path):
    event = nasty_event(tmp_path / "cp", "nasty_roster_cp1252.csv")
    roster = read(event)
    names = [r.get("Full Name") for r in roster.rows]
    assert names == ["Zoë Müller & Co", "RENÉE LEFÈVRE", "Ana\u00a0Lima", "Søren Kierkegaard"]
    report = check(event)
    assert report.for_row(2) == []
    assert has(report.for_row(3), "Full Name", W, "ALL CAPS", suggestion="Renée Lefèvre")
    assert has(report.for_row(4), "Full Name", W, "non-breaking space")
    assert has(report.for_row(5), "Email", B, "hotmial.com", suggestion="soren@hotmail.com")


def test_unmapped_placeholder_and_bad_filter_block_everything(tmp_path):
    event = nasty_event(tmp_path / "g")
    event.mapping = {"full_name": "Full Name"}  # 'course' is still filled: same name as 'Course'
    event.dates = {}
    event.roster.eligible = "Score => 80"
    report = check(event)
    glob = report.global_blocking()
    assert not has(glob, None, B, "Placeholder 'course'")
    assert has(glob, None, B, "Placeholder 'completion_date' has no value",
               suggestion="Closest column: 'Completion Date'")
    assert has(glob, None, B, "roster.eligible", suggestion="")
    assert "Nothing can be sent" in report.to_text()


def test_mapping_to_a_missing_column_names_the_closest(tmp_path):
    event = nasty_event(tmp_path / "m")
    event.mapping = {"full_name": "Full Name", "course": "Cours"}
    report = check(event)
    assert has(report.global_blocking(), "Cours", B, "no such column", suggestion="'Course'")


def test_ambiguous_day_month_is_a_column_warning_and_order_silences_it(tmp_path):
    event = nasty_event(tmp_path / "d")
    roster = read(event)
    for row in roster.rows:
        row.values["Completion Date"] = "03/04/2026"
    prepared = prepare_template(event.path("template.docx"), event.folder / ".certkit")
    report = check_roster(event, roster, prepared.placeholders)
    warn = [f for f in report.findings if f.row is None and f.column == "Completion Date"]
    assert len(warn) == 1 and "day/month or month/day" in warn[0].message
    assert 'order = "mdy"' in warn[0].suggestion
    event.dates["completion_date"] = DateField("Completion Date", order="dmy")
    report = check_roster(event, roster, prepared.placeholders)
    assert not [f for f in report.findings if f.row is None and f.column == "Completion Date"]
