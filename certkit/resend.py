"""Resending one person's existing certificate, optionally to a corrected address."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from .config import Event
from .delivery import deliver
from .errors import CertkitError
from .ledger import Record, open_ledger
from .pipeline import Job, Run, RunSummary
from .roster import Row, fingerprint, normalize
from .sheets import open_roster


def find_record(records: list[Record], *, row: int | None, email: str | None) -> Record:
    """The one certificate for a row number or an address, or an error saying what matched."""
    if row is not None:
        found = [r for r in records if r.row_number == row]
        what = f"row {row}"
    else:
        found = [r for r in records if normalize(r.email) == normalize(email or "")]
        what = f"the address {email}"
    live = [r for r in found if r.status != "Replaced"]
    if not live:
        raise CertkitError(
            f"No certificate was made for {what}. Check `certkit status`, or run the event first."
        )
    if len(live) > 1:
        rows = ", ".join(str(r.row_number) for r in live)
        raise CertkitError(f"{what} matches several certificates (rows {rows}); use --row.")
    return live[0]


def resend(
    event: Event, *, row: int | None = None, email: str | None = None, to: str | None = None
) -> RunSummary:
    """Send the existing PDF again (never re-rendered); a new address is recorded and shown."""
    if to:
        try:
            to = validate_email(to, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise CertkitError(f"'{to}' is not a valid email address: {exc}") from exc
    source = open_roster(event)
    with open_ledger(event.folder) as ledger:
        ledger.recover()
        rec = find_record(ledger.all(), row=row, email=email)
        if not rec.pdf or not event.path(rec.pdf).exists():
            raise CertkitError(
                f"The PDF of certificate {rec.cert_id} is missing ({rec.pdf or 'never made'}). "
                f"Run: certkit run {event.folder}"
            )
        run = Run(event, source, ledger)
        old = rec.email
        if to and normalize(to) != normalize(old):
            moved = Row(rec.row_number, {event.roster.email_column: to,
                                         event.roster.name_column: rec.name})
            ledger.update(rec.cert_id, email=to,
                          fingerprint=fingerprint(moved, event.identity_columns))
            rec = ledger.get(rec.cert_id) or rec
        values = dict(rec.fields)
        values[event.roster.name_column] = rec.name
        values[event.roster.email_column] = rec.email
        deliver(run, [Job(Row(rec.row_number, values), rec, dict(rec.fields))])
        if to and normalize(to) != normalize(old):
            detail = f"Resent to {to} (was {old}). {ledger.get(rec.cert_id).detail}".strip()
            ledger.update(rec.cert_id, detail=detail)
            updated = ledger.get(rec.cert_id) or rec
            run.show(updated, extra={event.roster.email_column: to})
        run.flush()
        return run.summary
