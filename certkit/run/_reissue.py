"""Reissuing a certificate after its row was corrected: a new ID and PDF, mailed; the old one
Replaced (its page points to the new one); the sheet's row shows the new certificate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..checks import check_roster, update_mapping
from ..config import Event
from ..docs import PdfConverter, event_for_row, get_converter, prepare_template, template_file
from ..errors import CertkitError
from ..jobs import Job, Run
from ..ledger import Ledger, Record, open_ledger
from ..sheets import Roster, RosterSource, Row, fingerprint, match_rows, open_roster
from ..status import BOUNCED, CLAIMED, REVOKED, SENT, UNKNOWN
from ..summary import RunSummary
from ._changes import row_changes
from ._produce import WORK_DIR, produce

ISSUED = {SENT, BOUNCED, CLAIMED, UNKNOWN}  # mailed (or maybe mailed): a correction reissues


@dataclass
class ReissuePlan:
    """What `reissue` would do for a row (read-only): the certificate it replaces and why."""

    row: Row
    record: Record
    changes: list[str]
    email: str
    name: str

    def to_text(self, event: Event) -> str:
        """The question the organizer confirms."""
        what = "; ".join(self.changes)
        return (f"Row {self.row.number} was corrected after certificate {self.record.cert_id} was "
                f"sent ({what}).\nA new certificate for {self.name} will be made and mailed to "
                f"{self.email} from {event.email.sender_name} <{event.email.sender}> via "
                f"{event.transport.backend}; {self.record.cert_id} will say Replaced, with a link "
                "to the new one.")


def _row_record(event: Event, roster: Roster, ledger: Ledger, number: int) -> tuple[Row, Record]:
    """The sheet row `number` and the certificate it holds now, or an error saying why not."""
    row = next((r for r in roster.rows if r.number == number), None)
    if row is None:
        raise CertkitError(f"The sheet has no row {number}. Check the row number in the sheet.")
    match = match_rows(roster.rows, ledger, event.status_columns.certificate_id,
                       event.identity_columns)[number]
    if match.conflict:
        raise CertkitError(f"Row {number}: {match.conflict}")
    record = match.record
    if record is None:
        raise CertkitError(f"Row {number} has no certificate yet: certkit run {event.folder} --send "
                           "makes and sends it.")
    if record.status == REVOKED:
        raise CertkitError(f"Certificate {record.cert_id} of row {number} was revoked; a revoked "
                           "certificate is not reissued.")
    if record.status not in ISSUED and not record.sent_at:
        raise CertkitError(f"Certificate {record.cert_id} of row {number} was not sent yet, so "
                           f"nothing needs replacing: certkit run {event.folder} --send makes it "
                           "again from the corrected row and sends it.")
    return row, record


def plan_reissue(event: Event, *, row: int, source: RosterSource | None = None) -> ReissuePlan:
    """What reissuing `row` means (read-only), for a confirmation question.

    Raises CertkitError when the row has no sent certificate, was revoked, or was not changed.
    """
    source = source or open_roster(event)
    roster = source.read()
    with open_ledger(event.folder) as ledger:
        found, record = _row_record(event, roster, ledger, row)
    changes = row_changes(event, found, record)
    if not changes:
        raise CertkitError(
            f"Row {row} says the same as certificate {record.cert_id}: there is nothing to "
            f"correct. Correct the row in the sheet first; to mail the same certificate again: "
            f"certkit resend {event.folder} --row {row}")
    return ReissuePlan(found, record, changes, found.get(event.roster.email_column).strip(),
                       found.get(event.roster.name_column).strip())


def reissue(
    event: Event,
    *,
    row: int,
    source: RosterSource | None = None,
    transport: Any | None = None,
    converter: PdfConverter | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> RunSummary:
    """Replace row `row`'s sent certificate by a new one made from the corrected row, and mail it.

    One ledger step makes the new certificate (fresh ID) and marks the old one Replaced; then the
    PDF is made and sent by the same loop as `run --send` (quota, retries, Unknown). A stop midway
    leaves the new certificate Not sent: `certkit run --send` sends it. Raises CertkitError when
    the row has nothing to reissue or its data is unusable, AuthError when the login is refused.
    """
    from ..send import deliver

    source = source or open_roster(event)
    roster = source.read()
    event = event_for_row(event, roster, row)  # its own template and email text ([template] by_column)
    template, _ = template_file(event, getattr(source, "client", None))
    prepared = prepare_template(template, event.folder / WORK_DIR)
    update_mapping(event, prepared, roster.header)
    report = check_roster(event, roster, prepared.placeholders, pictures=prepared.pictures)
    with open_ledger(event.folder) as ledger:
        ledger.operation = "reissue"
        ledger.recover()
        found, old = _row_record(event, roster, ledger, row)
        problems = report.blocking_rows().get(row, [])
        if problems or report.global_blocking():
            what = "; ".join(f.message for f in problems or report.global_blocking())
            raise CertkitError(f"Row {row} cannot be reissued yet: {what}")
        changes = row_changes(event, found, old)
        if not changes:
            raise CertkitError(f"Row {row} says the same as certificate {old.cert_id}: nothing to "
                               f"reissue. To mail it again: certkit resend {event.folder} --row "
                               f"{row}")
        reason = "corrected: " + "; ".join(changes)
        new = ledger.replace(
            old.cert_id, reason, fingerprint=fingerprint(found, event.identity_columns),
            row_number=row, email=found.get(event.roster.email_column).strip(),
            name=found.get(event.roster.name_column).strip())
        run = Run(event, source, ledger)
        run.show(new)  # the row holds the new ID from now on, whatever happens next
        own = converter is None
        converter = converter or get_converter(event.template.converter)
        try:
            ready = produce(run, prepared, [Job(found, new)], converter, progress)
        finally:
            if own and hasattr(converter, "close"):
                converter.close()
        deliver(run, ready, transport=transport, progress=progress,
                again=f"certkit run {event.folder} --send")
        after = ledger.get(new.cert_id) or new
        note = f"Replaces {old.cert_id} ({reason})."
        ledger.update(new.cert_id, detail=f"{note} {after.detail}".strip())
        run.show(ledger.get(new.cert_id) or after)
        run.flush()
        run.summary.notes.append(f"Certificate {old.cert_id} is now Replaced by {new.cert_id}; "
                                 "make the verification site again (certkit publish) so its page "
                                 "says so.")
        return run.summary

