"""Auto-mapping placeholders to columns, on real templates (header, footer, text box)."""

from __future__ import annotations

from certkit.checks import check_event, update_mapping
from certkit.config import load_event
from certkit.docs import auto_map, key, prepare_template, save_mapping

from .docx_factory import make_template
from .test_checks import nasty_event


def test_exact_then_normalized_then_guess():
    header = ["Full Name", "E-mail", "Course title", "Completion Date", "Score", "Größe"]
    result = auto_map(["full_name", "Completion Date", "email", "Course", "grosse", "Mentor"],
                      header)
    assert result.mapping["Completion Date"] == "Completion Date"  # exact
    assert result.mapping["full_name"] == "Full Name"  # case, spaces, punctuation
    assert result.mapping["email"] == "E-mail"
    assert result.mapping["grosse"] == "Größe"  # casefolding writes ß as ss
    assert result.guessed == {"Course": "Course title"}
    assert result.confident == {"full_name": "Full Name", "Completion Date": "Completion Date",
                                "email": "E-mail", "grosse": "Größe"}
    assert result.unmapped == ["Mentor"]
    assert result.unused_columns == ["Score"]
    assert any("guess" in n and "Course title" in n for n in result.notes)


def test_accents_are_ignored_and_builtins_need_no_column():
    result = auto_map(["Prénom", "Certificate ID", "qr_code", "verify_url", "logo"],
                      ["prenom", "Certificate ID"], builtin=["logo"])
    assert result.mapping == {"Prénom": "prenom"}
    assert result.unmapped == [] and result.unused_columns == ["Certificate ID"]
    assert key("Full Name") == key("full_name") == key("FULL-NAME") == "fullname"


def test_existing_mapping_is_kept_and_a_vanished_column_is_noted():
    result = auto_map(["name", "course"], ["Participant", "Course"],
                      existing={"name": "Participant", "course": "Old course col"})
    assert result.mapping == {"name": "Participant", "course": "Course"}
    assert any("no longer in the roster" in n for n in result.notes)


def test_two_equally_close_columns_are_not_guessed():
    result = auto_map(["Name"], ["First name", "Last name"])
    assert result.mapping == {} and result.unmapped == ["Name"]


def test_template_with_placeholders_in_header_footer_and_text_box(tmp_path):
    docx = make_template(tmp_path / "t.docx", header="{{ course }}", footer="{{ Organizer }}",
                         textbox="{{ full_name }}", body=["{{ certificate_id }}"])
    prepared = prepare_template(docx, tmp_path / "work")
    assert {"course", "Organizer", "full_name", "certificate_id"} <= set(prepared.placeholders)
    result = auto_map(prepared.placeholders, ["Full Name", "Email", "Course", "organizer"])
    assert result.mapping == {"course": "Course", "full_name": "Full Name",
                              "Organizer": "organizer"}
    assert result.unused_columns == ["Email"]


def test_save_mapping_writes_event_toml_and_keeps_comments(tmp_path):
    event = nasty_event(tmp_path / "e")
    text = event.folder.joinpath("event.toml").read_text()
    event.folder.joinpath("event.toml").write_text("# my notes\n" + text)
    save_mapping(event, {"full_name": "Full Name", "course": "Course"})
    again = load_event(event.folder)
    assert again.mapping == {"full_name": "Full Name", "course": "Course"}
    assert event.folder.joinpath("event.toml").read_text().startswith("# my notes")


def test_check_saves_sure_matches_but_not_guesses(tmp_path):
    event = nasty_event(tmp_path / "e")
    make_template(event.path("template.docx"), header="{{ Course_Name }}",
                  textbox="{{ FULL_NAME }}", body=["{{ completion_date }}"])
    save_mapping(event, {})
    before = event.folder.joinpath("event.toml").read_bytes()
    result = check_event(event, render=0)  # a check writes nothing: the match is used in memory
    assert event.folder.joinpath("event.toml").read_bytes() == before
    assert result.event.mapping == {"FULL_NAME": "Full Name"} and event.mapping == {}
    result = check_event(event, render=0, save=True)
    assert load_event(event.folder).mapping == {"FULL_NAME": "Full Name"}
    assert result.mapping.guessed == {"Course_Name": "Course"}
    assert any("Course_Name" in f.message and "Closest column: 'Course'" in f.suggestion
               for f in result.report.global_blocking())
    accepted = check_event(load_event(event.folder), accept_guesses=True, save=True, render=0)
    assert load_event(event.folder).mapping == {"FULL_NAME": "Full Name", "Course_Name": "Course"}
    assert not accepted.report.global_blocking()


def test_status_columns_are_never_mapped(tmp_path):
    event = nasty_event(tmp_path / "s")
    make_template(event.path("template.docx"), body=["{{ status }} {{ certificate_id }}"])
    prepared = prepare_template(event.path("template.docx"), tmp_path / "w")
    result = update_mapping(event, prepared, ["Full Name", "Status", "Certificate ID"], save=False)
    assert result.mapping == {} and result.unmapped == ["status"]


def test_broken_template_is_a_clear_blocking_finding(tmp_path):
    event = nasty_event(tmp_path / "b")
    make_template(event.path("template.docx"), body=["Hello {{ Full Name }, welcome"])
    result = check_event(event, render=0)
    (finding,) = result.report.findings
    assert finding.severity == "blocking" and finding.row is None
    assert "template.docx" in finding.message and "Word" in finding.suggestion
    assert "Nothing can be sent" in result.report.to_text()
