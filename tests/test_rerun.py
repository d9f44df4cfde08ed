"""Re-runs after the organizer edited the sheet: sorted rows, copied IDs, corrected names and
addresses, --limit. Real LibreOffice, a real SMTP server on 127.0.0.1, a CSV roster on disk."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from certkit.config import load_event, save_setting
from certkit.ledger import open_ledger
from certkit.run import init_event, run_event
from certkit.site import verify

from .conftest import use_smtp

HEADER = ["Full Name", "Email", "Course", "Completion Date", "Score", "Attended"]


def person(name: str, email: str) -> list[str]:
    """A roster row for `name`."""
    return [name, email, "Data Analysis", "2026-01-15", "90", "yes"]


def read(folder: Path) -> list[dict[str, str]]:
    """The roster's rows as header -> text."""
    with open(folder / "roster.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def write(folder: Path, rows: list[dict[str, str]]) -> None:
    """Save the roster as the organizer would after editing it."""
    with open(folder / "roster.csv", "w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=list(rows[0]))
        out.writeheader()
        out.writerows(rows)


@pytest.fixture
def small(tmp_path, smtp):
    """An event with a small CSV roster, mailing through the local SMTP server."""
    folder = init_event(tmp_path / "event")
    with open(folder / "roster.csv", "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        out.writerows([person("Ann Lee", "ann@example.org"), person("Bob Ray", "bob@example.org"),
                       person("Cy Dee", "cy@example.org")])
    save_setting(folder, "roster", {"source": "csv", "path": "roster.csv"})
    use_smtp(folder, smtp[1].port, retry_wait=0.01)
    return folder


def run(folder: Path, converter, **options):
    """One run of the event as the CLI does it."""
    return run_event(load_event(folder), converter=converter, **options)


def test_sorting_a_duplicate_above_the_sent_row_keeps_the_truth_on_both_rows(small, smtp, converter):
    rows = read(small)
    write(small, [rows[0], rows[0], rows[1], rows[2]])  # Ann typed twice
    run(small, converter, send=True)
    assert len(smtp[0].messages) == 3
    sent = read(small)
    assert [r["Status"] for r in sent] == ["Sent", "Not sent", "Sent", "Sent"]
    write(small, [sent[1], sent[0], sent[2], sent[3]])  # sorted: the copy without an ID first
    summary = run(small, converter, send=True)
    after = read(small)
    assert after[1]["Certificate ID"] == sent[0]["Certificate ID"]
    assert after[1]["Status"] == "Sent"  # the row holding her certificate still says so
    assert after[0]["Status"] == "Not sent" and "row 3" in after[0]["Detail"]
    assert len(smtp[0].messages) == 3
    assert summary.count("Sent") == 3
    with open_ledger(small) as ledger:
        assert ledger.get(sent[0]["Certificate ID"]).row_number == 3


def test_a_certificate_id_copied_into_another_row_blocks_only_that_row(small, smtp, converter):
    run(small, converter, write_sheet=True)  # PDFs and IDs, nothing sent
    rows = read(small)
    bob_id = rows[1]["Certificate ID"]
    rows[1]["Certificate ID"] = rows[0]["Certificate ID"]  # pasted one row too far
    write(small, rows)
    summary = run(small, converter, send=True)
    after = read(small)
    assert [r["Status"] for r in after] == ["Sent", "Not sent", "Sent"]
    assert "row 2" in after[1]["Detail"] and rows[0]["Certificate ID"] in after[1]["Detail"]
    assert sorted(m["To"] for m in smtp[0].messages) == ["Ann Lee <ann@example.org>",
                                                          "Cy Dee <cy@example.org>"]
    assert not summary.sheet_errors
    after[1]["Certificate ID"] = ""  # the organizer clears the copy
    write(small, after)
    run(small, converter, send=True)
    assert read(small)[1]["Certificate ID"] == bob_id and read(small)[1]["Status"] == "Sent"
    assert len(smtp[0].messages) == 3
    assert smtp[0].to("bob@example.org")[0]["X-Certkit-Id"] == bob_id


def test_a_sent_certificates_id_copied_into_an_unsent_row_does_not_skip_that_person(
        small, smtp, converter):
    run(small, converter, send=True, rows=[2])  # only Ann is mailed
    rows = read(small)
    rows[2]["Certificate ID"] = rows[0]["Certificate ID"]
    write(small, rows)
    run(small, converter, send=True)
    after = read(small)
    assert after[2]["Status"] == "Not sent"  # blocked, not shown as Sent: Cy received nothing
    assert after[0]["Status"] == after[1]["Status"] == "Sent"
    assert len(smtp[0].to("ann@example.org")) == 1 and smtp[0].to("cy@example.org") == []


def test_a_name_corrected_before_sending_is_what_the_pdf_the_ledger_and_verify_say(
        small, smtp, converter):
    run(small, converter, write_sheet=True)  # PDFs made with the misspelt name
    rows = read(small)
    bob_id = rows[1]["Certificate ID"]
    rows[1]["Full Name"] = "Robert Ray"
    write(small, rows)
    run(small, converter, send=True)
    (mail,) = smtp[0].to("bob@example.org")
    assert mail["X-Certkit-Id"] == bob_id and mail["To"] == "Robert Ray <bob@example.org>"
    assert "Robert Ray" in verify(load_event(small), bob_id).message
    rows = read(small)
    rows[1]["Certificate ID"] = ""  # cleared by hand: the corrected row is still found
    write(small, rows)
    run(small, converter, send=True)
    assert read(small)[1]["Certificate ID"] == bob_id and len(smtp[0].messages) == 3


def test_a_name_or_address_corrected_after_sending_is_shown_and_nothing_is_sent_again(
        small, smtp, converter):
    run(small, converter, send=True)
    rows = read(small)
    rows[2]["Full Name"] = "Cyrus Dee"
    rows[1]["Email"] = "robert@example.org"
    write(small, rows)
    summary = run(small, converter, send=True)
    assert len(smtp[0].messages) == 3  # no silent second copy
    after = read(small)
    assert after[2]["Status"] == "Sent" and "Cy Dee" in after[2]["Detail"]
    assert "Cyrus Dee" in after[2]["Detail"]
    assert "bob@example.org" in after[1]["Detail"]
    assert "--row 3 --to robert@example.org" in after[1]["Detail"]
    text = summary.to_text()
    assert "row 4 (Cyrus Dee)" in text and "row 3 (Bob Ray)" in text
    rows = read(small)
    rows[2]["Full Name"] = "Cy Dee"  # put back: the note goes away
    write(small, rows)
    run(small, converter, send=True)
    assert read(small)[2]["Detail"] == "" and read(small)[2]["Status"] == "Sent"


def test_limit_leaves_the_other_rows_untouched_and_says_how_many_are_left(small, smtp, converter):
    summary = run(small, converter, send=True, limit=1)
    assert [r["Status"] or "" for r in read(small)] == ["Sent", "", ""]
    assert [r["Certificate ID"] or "" for r in read(small)][1:] == ["", ""]
    text = summary.to_text()
    assert text.count("2 more rows") == 1 and "--limit" in text
    with open_ledger(small) as ledger:
        assert len(ledger.all()) == 1  # nothing made or numbered for rows left for later
    run(small, converter, send=True, limit=1)
    run(small, converter, send=True)
    assert [r["Status"] for r in read(small)] == ["Sent", "Sent", "Sent"]
    assert sorted(smtp[0].per_recipient().values()) == [1, 1, 1]


def test_an_unusable_id_typed_in_the_sheet_blocks_the_row_until_it_is_cleared(small, smtp,
                                                                              converter):
    rows = read(small)
    rows[0].update({"Certificate ID": "../ann's id"})
    write(small, rows)
    run(small, converter, send=True)
    ann = read(small)[0]
    assert ann["Status"] == "Not sent" and "letters, digits" in ann["Detail"]
    assert ann["Certificate ID"] == "../ann's id" and not list(small.parent.glob("ann*"))
    ann_rows = read(small)
    ann_rows[0]["Certificate ID"] = ""  # what the Detail says to do
    write(small, ann_rows)
    run(small, converter, send=True)
    assert read(small)[0]["Status"] == "Sent" and len(smtp[0].to("ann@example.org")) == 1


def test_a_row_whose_address_already_has_a_sent_certificate_never_gets_a_second_one(
        small, smtp, converter):
    run(small, converter, send=True)
    rows = read(small)
    for row in rows:  # the sheet never got the IDs (killed before the first flush) ...
        row["Certificate ID"] = row["Status"] = row["Sent at"] = ""
    rows[1]["Full Name"] = "Robert Ray"  # ... and a sent person's name is corrected
    write(small, rows)
    summary = run(small, converter, send=True)
    assert len(smtp[0].messages) == 3 and summary.count("Sent") == 3
    after = read(small)
    assert after[1]["Status"] == "Sent" and "Robert Ray" in after[1]["Detail"]
    with open_ledger(small) as ledger:
        assert len(ledger.all()) == 3


def test_status_columns_left_behind_by_a_sort_are_flagged_not_trusted(small, smtp, converter):
    run(small, converter, send=True, rows=[2, 3])  # Ann and Bob mailed, Cy not yet
    rows = read(small)
    own = ["Full Name", "Email", "Course", "Completion Date", "Score", "Attended"]
    people = [{k: r[k] for k in own} for r in rows]
    people.reverse()  # sorted Z-A, but only the organizer's columns: the statuses stay put
    write(small, [{**p, **{k: v for k, v in r.items() if k not in own}}
                  for p, r in zip(people, rows)])
    summary = run(small, converter, send=True)
    after = read(small)
    assert len(smtp[0].messages) == 2  # nobody mailed: Cy's row holds Ann's ID
    assert [r["Status"] for r in after] == ["Not sent", "Sent", "Sent"]
    assert after[0]["Full Name"] == "Cy Dee" and after[0]["Certificate ID"] == rows[0]["Certificate ID"]
    assert "belongs to Ann Lee" in after[0]["Detail"] and "--to" not in after[0]["Detail"]
    assert after[2]["Full Name"] == "Ann Lee"  # her certificate found by her address, not resent
    assert after[2]["Certificate ID"] == rows[0]["Certificate ID"]
    assert summary.count("Sent") == 2
