"""One template per row ([template] by_column): two languages in one event, real LibreOffice, each
template checked for its own placeholders, its own email text, one preview of each."""

from __future__ import annotations

import email
from email.utils import parseaddr
from pathlib import Path

import docx
import openpyxl
import pytest
from pypdf import PdfReader

from certkit.checks import check_event
from certkit.config import load_event, update_setting
from certkit.errors import ConfigError
from certkit.run import init_event, resend, run_event, send_plan

ROWS = [
    ["Full Name", "Email", "Course", "Language", "Mention"],
    ["Ada Lovelace", "ada@example.org", "Analysis", "English", ""],
    ["Léa Martin", "lea@example.org", "Analyse", "Français", "Très bien"],
    ["Alan Turing", "alan@example.org", "Analysis", "english ", ""],
    ["Chloé Dubois", "chloe@example.org", "Analyse", "Français", ""],
    ["Hans Meier", "hans@example.org", "Analyse", "Deutsch", "Gut"],
]


def template(path: Path, *lines: str) -> None:
    """A plain Word template with these paragraphs."""
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    document.save(path)


@pytest.fixture
def two_languages(tmp_path) -> Path:
    folder = init_event(tmp_path / "event")
    book = openpyxl.Workbook()
    for row in ROWS:
        book.active.append(row)
    book.save(folder / "roster.xlsx")
    template(folder / "en.docx", "Certificate of completion", "Awarded to {{Full Name}}",
             "for {{Course}}")
    template(folder / "fr.docx", "Certificat de réussite", "Décerné à {{Full Name}}",
             "pour {{Course}}, mention {{Mention}}")
    update_setting(folder, "template", {
        "path": "en.docx", "pictures": {}, "by_column": "Language",
        "choices": {"English": "en.docx",
                    "Français": {"path": "fr.docx", "subject": "Votre certificat",
                                 "body": "Bonjour {{ name }},\n\nVoici votre certificat.\n"}},
    })
    return folder


def outbox(folder: Path) -> dict[str, email.message.Message]:
    found = {}
    for path in (folder / "out" / "outbox").glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes())
        found[parseaddr(message["To"])[1]] = message
    return found


def test_two_languages_in_one_event_each_row_gets_its_own_template_and_mail(two_languages, converter):
    event = load_event(two_languages)
    assert send_plan(event).to_send == 3  # Chloé lacks the French template's Mention; Hans: no template

    summary = run_event(event, send=True, converter=converter)

    by_row = {o.row: o for o in summary.outcomes}
    assert [by_row[n].status for n in (2, 3, 4)] == ["Sent"] * 3
    assert by_row[5].status == "Not sent" and "Mention" in by_row[5].detail
    assert by_row[6].status == "Not sent" and "picks no template" in by_row[6].detail
    assert "Deutsch" in by_row[6].detail and "English, Français" in by_row[6].detail
    assert "Hans Meier" in summary.to_text()  # listed among the rows held back, with why
    mails = outbox(two_languages)
    assert sorted(mails) == ["ada@example.org", "alan@example.org", "lea@example.org"]
    assert mails["lea@example.org"]["Subject"] == "Votre certificat"
    assert mails["ada@example.org"]["Subject"] == "Your certificate: Analysis"  # the event's text
    texts = {}
    for address, message in mails.items():
        pdf = next(p for p in message.walk() if p.get_content_type() == "application/pdf")
        out = two_languages / f"{address}.pdf"
        out.write_bytes(pdf.get_payload(decode=True))
        texts[address] = PdfReader(out).pages[0].extract_text()
    assert "Certificat de réussite" in texts["lea@example.org"] and "Très bien" in texts["lea@example.org"]
    assert "Certificate of completion" in texts["ada@example.org"]
    assert "Certificate of completion" in texts["alan@example.org"]

    sheet = openpyxl.load_workbook(two_languages / "roster.xlsx").active
    header = [c.value for c in sheet[1]]
    statuses = [r[header.index("Status")] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert statuses == ["Sent", "Sent", "Sent", "Not sent", "Not sent"]

    again = run_event(load_event(two_languages), send=True, converter=converter)
    assert again.count("Sent") == 3 and len(outbox(two_languages)) == 3  # nobody twice

    resend(load_event(two_languages), row=3, to="lea.martin@example.org", as_is=True)
    assert outbox(two_languages)["lea.martin@example.org"]["Subject"] == "Votre certificat"


def test_the_check_previews_one_certificate_of_each_template(two_languages, converter):
    result = check_event(load_event(two_languages), render=2, converter=converter)
    rows = {p.row for p in result.previews}
    assert len(rows) == 2 and rows & {2, 4} and rows & {3}
    blocking = result.report.blocking_rows()
    assert set(blocking) == {5, 6}
    assert "picks no template" in blocking[6][0].message


def test_a_choice_that_is_not_a_file_name_is_refused_with_the_setting_named(two_languages):
    update_setting(two_languages, "template", {"choices": {"English": {"subject": "Hi"}}})
    with pytest.raises(ConfigError, match=r'\[template.choices\] "English"'):
        run_event(load_event(two_languages))
