"""Resending one person's existing certificate (never re-rendered), optionally to a corrected address."""

from __future__ import annotations

import dataclasses
from typing import Any

from .._text import normalize
from ..config import Event
from ..docs import event_for_row
from ..emails import valid_email
from ..errors import CertkitError, RowCorrected
from ..jobs import Job, Run
from ..ledger import Ledger, Record, open_ledger
from ..send import deliver
from ..sheets import RosterSource, Row, fingerprint, match_rows, open_roster
from ..status import REPLACED, REVOKED
from ..summary import RunSummary
from ._changes import row_changes


def find_record(records: list[Record], *, row: int | None, email: str | None) -> Record:
    """The one certificate for a row number or an address, or an error saying what matched."""
    if row is not None:
        found = [r for r in records if r.row_number == row]
        what = f"row {row}"
    else:
        found = [r for r in records if normalize(r.email) == normalize(email or "")]
        what = f"the address {email}"
    live = [r for r in found if r.status != REPLACED]
    if not live:
        raise CertkitError(
            f"No certificate was made for {what}. Check `certkit status`, or run the event first."
        )
    if len(live) > 1:
        rows = ", ".join(str(r.row_number) for r in live)
        raise CertkitError(f"{what} matches several certificates (rows {rows}); use --row.")
    rec = live[0]
    if rec.status == REVOKED:
        raise CertkitError(f"The certificate {rec.cert_id} ({what}) was revoked; it is not sent again.")
    return rec


def corrections(event: Event, source: RosterSource, ledger: Ledger, rec: Record) -> list[str]:
    """What the sheet's row now says differently from certificate `rec` (empty: nothing)."""
    roster = source.read()
    matches = match_rows(roster.rows, ledger, event.status_columns.certificate_id,
                         event.identity_columns)
    for row in roster.rows:
        match = matches[row.number]
        if match.record is not None and match.record.cert_id == rec.cert_id:
            return row_changes(event, row, rec)
    return []


def _refuse_corrected(event: Event, source: RosterSource, ledger: Ledger, rec: Record) -> None:
    """Never mail, without a word, a PDF that no longer says what the sheet says."""
    changes = corrections(event, source, ledger, rec)
    if changes:
        raise RowCorrected(
            f"Row {rec.row_number} was corrected after certificate {rec.cert_id} was made "
            f"({'; '.join(changes)}); the PDF still says the old. To send a corrected "
            f"certificate: certkit reissue {event.folder} --row {rec.row_number}. To send the "
            f"old one as it is: certkit resend {event.folder} --row {rec.row_number} --as-is",
            changes=changes)


def check_resend(event: Event, *, row: int | None = None, email: str | None = None,
                 source: RosterSource | None = None) -> None:
    """Raise RowCorrected when `resend` would mail a PDF the sheet's row no longer agrees with
    (read-only), so the CLI and the notebook can ask first: reissue, or resend it as it is."""
    source = source or open_roster(event)
    with open_ledger(event.folder) as ledger:
        _refuse_corrected(event, source, ledger, find_record(ledger.all(), row=row, email=email))


def resend_target(event: Event, *, row: int | None = None, email: str | None = None) -> Record:
    """The certificate `resend` would send (read-only), for a confirmation question."""
    with open_ledger(event.folder) as ledger:
        return find_record(ledger.all(), row=row, email=email)


def resend(
    event: Event,
    *,
    row: int | None = None,
    email: str | None = None,
    to: str | None = None,
    transport: Any | None = None,
    source: RosterSource | None = None,
    as_is: bool = False,
) -> RunSummary:
    """Send the existing PDF again; with `to`, to that address, recorded in the ledger and the sheet.

    With [roster] update_email = true (the default) the corrected address is written into the
    sheet's email column; either way Detail says "Resent to new (was old)". Every attempt stays in
    the ledger. `source` is the roster to update (default: the one event.toml names). Raises
    CertkitError when the row has no certificate or its PDF is missing, and AuthError when the
    mail login is refused. When the row was corrected in the sheet since the PDF was made, raises
    RowCorrected (nothing sent) unless `as_is`: `reissue` sends a corrected certificate instead.
    """
    new = valid_email(to, "The new address") if to else None
    source = source or open_roster(event)
    cfg = event.roster
    with open_ledger(event.folder) as ledger:
        ledger.operation = "resend"
        ledger.recover()
        rec = find_record(ledger.all(), row=row, email=email)
        if not rec.pdf or not event.path(rec.pdf).exists():
            raise CertkitError(
                f"The PDF of certificate {rec.cert_id} is missing ({rec.pdf or 'never made'}). "
                f"Run: certkit run {event.folder}", row=rec.row_number,
            )
        if not as_is:
            _refuse_corrected(event, source, ledger, rec)
        if event.template.by_column:  # the email text of the row's own template
            event = event_for_row(event, source.read(), rec.row_number)
        run = Run(event, source, ledger)
        old, shown_print = rec.email, rec.fingerprint
        moved = bool(new) and normalize(new or "") != normalize(old)
        if moved:
            values = {cfg.email_column: new or "", cfg.name_column: rec.name}
            changes: dict[str, object] = {"email": new}
            if cfg.update_email:
                changes["fingerprint"] = fingerprint(Row(rec.row_number, values),
                                                     event.identity_columns)
            ledger.update(rec.cert_id, **changes)
            rec = ledger.get(rec.cert_id) or rec
        values = dict(rec.fields)
        values[cfg.name_column] = rec.name
        values[cfg.email_column] = rec.email
        again = f"certkit resend {event.folder} --row {rec.row_number}"
        deliver(run, [Job(Row(rec.row_number, values), rec, dict(rec.fields))],
                transport=transport, again=again, force=True)
        if moved:
            where = ("the sheet's email column now shows it" if cfg.update_email else
                     "the sheet's email column was left as it was ([roster] update_email = false)")
            after = ledger.get(rec.cert_id) or rec
            detail = f"Resent to {new} (was {old}); {where}. {after.detail}".strip()
            ledger.update(rec.cert_id, detail=detail)
            updated = dataclasses.replace(ledger.get(rec.cert_id) or rec, fingerprint=shown_print)
            extra = {cfg.email_column: new or ""} if cfg.update_email else {}
            run.show(updated, extra=extra)
        run.flush()
        return run.summary
