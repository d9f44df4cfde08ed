"""Withdrawing a certificate (revoke) and reading the audit trail (history), printed or as CSV."""

from __future__ import annotations

import csv
from pathlib import Path

from ..config import Event
from ..errors import CertkitError
from ..jobs import Run
from ..ledger import AuditEntry, Record, open_ledger
from ..sheets import RosterSource, open_roster
from ..status import REPLACED

HISTORY_COLUMNS = ("When", "Certificate ID", "Name", "What", "Detail", "Command")


def _lookup(ledger, cert_id: str) -> Record:
    """The certificate with this ID, typed in any case, or an error in words."""
    rec = ledger.get(cert_id.strip())  # case ignored (ids.id_key)
    if rec is None:
        raise CertkitError(f"No certificate with ID '{cert_id}' in this event. Check the spelling "
                           "(certkit status lists them).")
    return rec


def revoke(event: Event, cert_id: str, reason: str = "", *,
           source: RosterSource | None = None) -> Record:
    """Withdraw a certificate for good: its page says Revoked with the date and `reason` (public:
    it is shown on the page), the sheet's Status says Revoked, and it is never sent again.

    The ID is never given to another certificate. The sheet is written now when it can be; if
    not, the next run writes it. Raises CertkitError for an unknown ID.
    """
    with open_ledger(event.folder) as ledger:
        ledger.operation = "revoke"
        rec = _lookup(ledger, cert_id)
        was = rec.status
        rec = ledger.revoke(rec.cert_id, reason.strip())
        if was == REPLACED:  # its row shows the certificate that replaced it: leave the row alone
            ledger.mark_synced([rec.cert_id])
            return rec
        run = Run(event, source or open_roster(event), ledger)
        run.show(rec)
        run.flush()
        if run.summary.sheet_errors:
            raise CertkitError(f"Certificate {rec.cert_id} is revoked, but the sheet could not be "
                               f"updated ({run.summary.sheet_errors[0]}); the next run writes it.")
        return rec


def history(event: Event, cert_id: str | None = None, *, everything: bool = False) -> list[AuditEntry]:
    """The audit trail, oldest first: what happened to each certificate, when, by which command.
    With `cert_id`, that certificate's and those it replaced or was replaced by."""
    with open_ledger(event.folder) as ledger:
        if cert_id:
            cert_id = _lookup(ledger, cert_id).cert_id
        return ledger.trail(cert_id, everything=everything)


def _cell(text: str) -> str:
    """A CSV cell that a spreadsheet opens as text, never as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def history_rows(event: Event, entries: list[AuditEntry]) -> list[dict[str, str]]:
    """The trail as table rows (with each certificate's holder), for printing or a CSV file."""
    with open_ledger(event.folder) as ledger:
        names = {r.cert_id: r.name for r in ledger.all()}
    return [dict(zip(HISTORY_COLUMNS, (e.at, e.cert_id, names.get(e.cert_id, ""), e.action,
                                       e.detail, e.command))) for e in entries]


def write_history_csv(event: Event, entries: list[AuditEntry], path: Path) -> int:
    """Write the trail to a CSV file (UTF-8 with a BOM, so Excel shows accents); returns the count."""
    rows = history_rows(event, entries)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=list(HISTORY_COLUMNS))
        out.writeheader()
        out.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
    return len(rows)
