"""One field resolver: the check, rendering, the preview and the email text agree on where each
placeholder's text comes from."""

from __future__ import annotations

from certkit.checks import check_roster
from certkit.config import DateField, Event
from certkit.docs import CERTKIT, COLUMN, DATE, MISSING, PICTURE, field_sources, row_fields
from certkit.findings import BLOCKING
from certkit.jobs import Job, mail_fields
from certkit.sheets import Roster, Row

HEADER = ["Full Name", "Email", "Cohort", "Finished"]


def _event(tmp_path, **mapping) -> Event:
    event = Event(folder=tmp_path, name="Spring school")
    event.roster.name_column = "Full Name"
    event.mapping = dict(mapping)
    event.dates = {"date": DateField(column="Finished", format="yyyy-MM-dd")}
    return event


def _roster(*cohorts: str) -> Roster:
    rows = [Row(i + 2, {"Full Name": f"Person {i}", "Email": f"p{i}@example.org", "Cohort": c,
                        "Finished": "2026-03-01"}) for i, c in enumerate(cohorts)]
    return Roster(list(HEADER), rows, "test")


def test_mapping_wins_over_certkit_names_in_check_and_render(tmp_path):
    event = _event(tmp_path, event_name="Cohort")
    names = ["full name", "event_name", "date", "qr_code", "nowhere"]
    sources = field_sources(event, names, HEADER)
    assert [s.kind for s in sources.values()] == [COLUMN, COLUMN, DATE, PICTURE, MISSING]
    assert sources["full name"].column == "Full Name"  # same-named column, any case
    row = _roster("Blue").rows[0]
    fields = row_fields(event, row, names, "CK-AAAA-BBBB")
    assert fields == {"full name": "Person 0", "event_name": "Blue", "date": "2026-03-01"}
    # the check reads the same column, so an empty cohort blocks exactly that row
    report = check_roster(event, _roster("Blue", ""), ["full name", "event_name"])
    blocking = [(f.row, f.column) for f in report.findings if f.severity == BLOCKING]
    assert blocking == [(3, "Cohort")]


def test_mapping_to_a_missing_column_blocks_even_for_a_certkit_name(tmp_path):
    event = _event(tmp_path, event_name="Group")
    report = check_roster(event, _roster("Blue"), ["event_name"])
    assert any(f.severity == BLOCKING and f.column == "Group" and "[mapping]" in f.message
               for f in report.findings)


def test_certkit_values_without_mapping_in_template_and_mail(tmp_path):
    event = _event(tmp_path)
    assert field_sources(event, ["event_name"], HEADER)["event_name"].kind == CERTKIT
    row = _roster("Blue").rows[0]
    fields = row_fields(event, row, ["event_name", "verify_url"], "CK-AAAA-BBBB")
    from certkit.ledger import Record

    record = Record("CK-AAAA-BBBB", "", 2, "p0@example.org", "Person 0", {}, "", 1, "", "", "",
                    False)
    mail = mail_fields(event, Job(row, record, fields))
    assert mail["event_name"] == fields["event_name"] == "Spring school"
    assert mail["verify_url"] == fields["verify_url"] == "https://example.org/verify/CK-AAAA-BBBB"
