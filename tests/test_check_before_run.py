"""`certkit check` is the run without side effects: for each broken event below it names the
problem (row, column, blocking or warning) before any run, and it, like the send plan, leaves
event.toml, the roster and the folder exactly as they were (no certkit.db)."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from certkit import check, run_event, send_plan
from certkit.config import load_event, save_setting, update_setting
from certkit.errors import CertkitError
from certkit.findings import BLOCKING, WARNING, Finding
from certkit.sheets import CsvRosterSource

from .docx_factory import make_template

B, W = BLOCKING, WARNING
HEADER = ["Full Name", "Email", "Course", "Completion Date", "Score", "Honors"]
ROWS = [
    ["Ana Lima", "ana@school.org", "Python", "2026-03-01", "91", "yes"],
    ["Bo Chen", "bo@school.org", "Python", "2026-03-01", "", ""],  # blank score, no honors
    ["Cy Diaz", "cy@school.org", "Python", "2026-03-01", "abc", ""],  # a text score
    ["Dee Evans " + "Fitzgerald-" * 30, "dee@school.org", "Python", "2026-03-01", "85", ""],
]
LONG_ROW = 5  # the long name above


def event_folder(tmp_path: Path, *, body=("{{ Full Name }}", "{{ Course }}"), textbox="",
                 **settings) -> Path:
    """An event over roster.csv and a made template (with a qr_code placeholder unless `body`
    says otherwise); `settings` are event.toml tables to change (table -> {key: value})."""
    from certkit.run import init_event

    folder = init_event(tmp_path / "event", sample=False)
    with (folder / "roster.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([HEADER, *ROWS])
    make_template(folder / "template.docx", body=list(body), textbox=textbox,
                  textbox_font="Liberation Serif")
    save_setting(folder, "template", {"path": "template.docx"})
    update_setting(folder, "roster", {"source": "csv", "path": "roster.csv"})
    save_setting(folder, "constants", {})
    save_setting(folder, "dates", {})
    for table, values in settings.items():
        if table == "top":
            doc = (folder / "event.toml").read_text(encoding="utf-8")
            for key, value in values.items():
                doc = doc.replace(f"{key} = ", f"{key} = {value!r}  # was: ", 1)
            (folder / "event.toml").write_text(doc, encoding="utf-8")
        else:
            update_setting(folder, table, values)
    return folder


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under the folder (cache included) with its content's hash."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def findings_of(folder: Path) -> list[Finding]:
    """check() and send_plan() on the event; both must leave every byte of the folder alone."""
    before = snapshot(folder)
    event = load_event(folder)
    found = check(event).report.findings
    try:
        send_plan(load_event(folder))
    except CertkitError:
        pass  # a plan of a broken event may refuse; it still writes nothing
    assert snapshot(folder) == before
    assert not (folder / "certkit.db").exists()
    return found


def has(found, severity, column, *phrases, row=None) -> bool:
    return any(f.severity == severity and f.column == column and f.row == row
               and all(p in f.text() for p in phrases) for f in found)


BROKEN = {
    "name column missing": (dict(roster={"name_column": "Full Nmae"}),
                            (B, "Full Nmae", "no name column", "Did you mean 'Full Name'?")),
    "email column missing": (dict(roster={"email_column": "E-mail"}),
                             (B, "E-mail", "no email column")),
    "transport misspelt": (dict(transport={"backend": "gmial"}), (B, None, "gmial")),
    "converter unknown": (dict(template={"converter": "pdfx"}),
                          (B, None, "converter = 'pdfx'", "auto, libreoffice, word")),
    "status column over data": (dict(status_columns={"status": "course"}),
                                (B, "Course", "status = 'course'", "overwrite")),
    "sender not an address": (dict(email={"sender": "certificates at school"}),
                              (B, None, "[email] sender", "not valid")),
    "verify url left from init": ({}, (W, None, "verify_base_url", "example")),
    "sender left from init": ({}, (W, None, "[email] sender", "example")),
    "organization left from init": (dict(constants={"Organization": "Data Skills Bootcamp"}),
                                    (W, None, "[constants] Organization", "certkit init")),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_check_names_each_settings_problem(tmp_path, case):
    settings, (severity, column, *phrases) = BROKEN[case]
    found = findings_of(event_folder(tmp_path, **settings))
    assert has(found, severity, column, *phrases), [f.text() for f in found]


def test_placeholder_typed_wrong_blocks_with_the_fix(tmp_path):
    found = findings_of(event_folder(tmp_path, body=["{{Course on {{Completion Date}}"]))
    assert has(found, B, None, "opens '{{' twice", "missing after 'Course on'")


def test_no_qr_code_is_said(tmp_path):
    found = findings_of(event_folder(tmp_path, body=["{{ Full Name }}"]))
    assert has(found, W, None, "no picture named qr_code", "no QR code")
    found = findings_of(event_folder(tmp_path / "qr", body=["{{ Full Name }}", "{{ qr_code }}"]))
    assert not has(found, W, None, "no QR code")


def test_filter_over_blank_and_text_scores_is_said_per_row(tmp_path):
    found = findings_of(event_folder(tmp_path, roster={"eligible": "Score >= 80"}))
    assert has(found, W, "Score", "Left out by the filter 'Score >= 80'", "Score is empty", row=3)
    assert has(found, W, "Score", "Score 'abc' is not a number", row=4)
    assert not any(f.row == 2 for f in found)  # 91 passes; 85 passes (row 5)


def test_a_long_name_in_a_fixed_text_box_warns(tmp_path):
    found = findings_of(event_folder(tmp_path, body=["{{ Course }}"], textbox="{{ Full Name }}"))
    assert has(found, W, "Full Name", "too long for the text box", row=LONG_ROW)
    assert not any("text box" in f.message for f in found if f.row != LONG_ROW)


def test_placeholder_only_tested_in_a_condition_may_be_empty(tmp_path):
    body = ["{{ Full Name }}", "{% if Honors %}With honors{% endif %}", "{{ qr_code }}"]
    found = findings_of(event_folder(tmp_path, body=body))
    assert not [f for f in found if f.severity == B], [f.text() for f in found]
    printed = ["{{ Full Name }}", "{% if Honors %}{{ Honors }}{% endif %}"]
    found = findings_of(event_folder(tmp_path / "printed", body=printed))
    assert has(found, B, "Honors", "is empty", row=3)  # printed: an empty cell still blocks


@pytest.mark.parametrize("case", ["name column missing", "converter unknown",
                                  "status column over data"])
def test_what_check_blocks_is_what_stops_the_run(tmp_path, case):
    folder = event_folder(tmp_path, **BROKEN[case][0])
    assert any(f.severity == B and f.row is None for f in findings_of(folder))
    with pytest.raises(CertkitError):
        run_event(load_event(folder))
    assert not list((folder / "out").glob("pdf/*.pdf"))  # stopped before any certificate


def test_typed_placeholder_error_stops_the_run_too(tmp_path):
    folder = event_folder(tmp_path, body=["{{Course on {{Completion Date}}"])
    with pytest.raises(CertkitError, match="opens"):
        run_event(load_event(folder))


class CountingCsv(CsvRosterSource):
    """A real CSV roster that counts the reads made from outside (a write reads it again itself)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reads, self._writing = 0, False

    def read(self):
        self.reads += not self._writing
        return super().read()

    def write(self, updates):
        self._writing = True
        try:
            super().write(updates)
        finally:
            self._writing = False


def test_a_confirmed_run_reads_and_checks_the_roster_once(tmp_path, converter):
    from certkit.checks import check_event

    folder = event_folder(tmp_path, body=["{{ Full Name }}", "{{ qr_code }}"])
    event = load_event(folder)
    source = CountingCsv(folder / "roster.csv", status_columns=event.status_columns.names(),
                         identity=event.identity_columns)
    checked = check_event(event, source=source)  # what `certkit run --send` does to ask first
    plan = send_plan(event, source=source, preflight=checked)
    assert plan.to_send == 4 and not (folder / "certkit.db").exists()
    summary = run_event(event, send=True, rows=[2], source=source, preflight=checked,
                        converter=converter)
    assert source.reads == 1
    assert [o.row for o in summary.outcomes if o.status == "Sent"] == [2]
