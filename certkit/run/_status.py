"""Where every row of the event stands: the ledger's statuses joined with the roster, so rows
that are blocked, not eligible or not started yet are counted too (the ledger alone has only rows
that got a certificate). `certkit status` and the notebooks' status panels show this."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..checks import BLANK_ROW, check_event
from ..config import Event
from ..ledger import open_ledger
from ..sheets import RosterSource, match_rows
from ..status import BOUNCED, FAILED, NOT_SENT, PENDING, REPLACED, REVOKED, SENT, UNKNOWN
from ..summary import BLOCKED, LISTED, NOT_ELIGIBLE

NOT_STARTED = "No certificate yet"
ORDER = [SENT, NOT_SENT, BLOCKED, FAILED, UNKNOWN, BOUNCED, PENDING, NOT_ELIGIBLE, NOT_STARTED,
         REVOKED, REPLACED]
ATTENTION = {BLOCKED, FAILED, UNKNOWN, BOUNCED}


@dataclass
class RowStatus:
    """One row (or one certificate no longer in the roster) and where it stands."""

    row: int
    name: str
    email: str
    status: str
    detail: str = ""
    cert_id: str = ""
    sent_at: str = ""


@dataclass
class EventStatus:
    """Every row's status, the counts, and a note when the roster could not be read."""

    rows: list[RowStatus] = field(default_factory=list)
    note: str = ""

    def counts(self) -> dict[str, int]:
        """How many rows are in each status, every status that occurs, in a fixed order."""
        found: dict[str, int] = {}
        for r in self.rows:
            found[r.status] = found.get(r.status, 0) + 1
        return {s: found[s] for s in [*ORDER, *sorted(set(found) - set(ORDER))] if s in found}

    def attention(self) -> list[RowStatus]:
        """Rows the organizer should look at: blocked, failed, unknown, bounced."""
        return [r for r in self.rows if r.status in ATTENTION]

    def to_text(self, folder: str = "", *, every_row: bool = False) -> str:
        """The counts, then the rows needing attention (the first few; all with `every_row`)."""
        lines = [self.note] if self.note else []
        counts = self.counts()
        if not counts:
            lines.append("No rows and no certificates yet.")
        width = max((len(s) for s in counts), default=0)
        lines += [f"  {s:<{width}}  {n}" for s, n in counts.items()]
        if every_row:
            lines += ["", "Every row:"] + [_line(r) for r in self.rows]
            return "\n".join(lines)
        attention = self.attention()
        if attention:
            lines += ["", f"Needing attention ({len(attention)}):"]
            lines += [_line(r) for r in attention[:LISTED]]
        if len(attention) > LISTED or len(self.rows) > len(attention):
            more = len(attention) - LISTED
            lines.append(("" if more <= 0 else f"  ... and {more} more. ")
                         + f"Every row: certkit status {folder or '<folder>'} --all")
        if counts.get(NOT_STARTED):
            lines.append(f"Rows with no certificate yet get one from: certkit run {folder or '<folder>'}")
        return "\n".join(lines)


def _line(r: RowStatus) -> str:
    """One row as a line: row, name, status, when, why."""
    where = f"row {r.row}" if r.row else "not in the roster"
    when = f" ({r.sent_at})" if r.sent_at and r.status == SENT else ""
    why = f": {r.detail}" if r.detail else ""
    return f"  {where} {r.name or '(no name)'}: {r.status}{when}{why}"


def event_status(event: Event, source: RosterSource | None = None) -> EventStatus:
    """Every roster row's status (ledger first, then the data check for rows without a
    certificate), plus certificates whose row is gone. Writes nothing.

    When the roster cannot be read, the ledger's certificates alone, with a note saying why.
    """
    found = check_event(event, source=source, save=False)
    with open_ledger(event.folder) as ledger:
        records = ledger.all()
        if found.roster is None:
            why = " ".join(f.message for f in found.report.global_blocking())
            rows = [RowStatus(r.row_number, r.name, r.email, r.status, r.detail, r.cert_id,
                              r.sent_at) for r in records]
            return EventStatus(rows, f"The participants list could not be read ({why}); "
                                     "showing the certificates certkit has made.")
        cfg = event.roster
        matches = match_rows(found.roster.rows, ledger, event.status_columns.certificate_id,
                             event.identity_columns)
    report, out, seen = found.report, [], set()
    blocking = report.blocking_rows()
    for row in found.roster.rows:
        excluded = report.excluded.get(row.number)
        if excluded == BLANK_ROW:
            continue
        match = matches.get(row.number)
        rec = match.record if match else None
        name, email = row.get(cfg.name_column).strip(), row.get(cfg.email_column).strip()
        if rec is not None:
            seen.add(rec.cert_id)
            status = rec.status
            if status == NOT_SENT and row.number in blocking:
                status = BLOCKED
            out.append(RowStatus(row.number, name, email, status, rec.detail or report.detail(
                row.number), rec.cert_id, rec.sent_at))
        elif row.number in blocking or (match and match.conflict):
            out.append(RowStatus(row.number, name, email, BLOCKED,
                                 (match.conflict if match else "") or report.detail(row.number)))
        elif excluded:
            out.append(RowStatus(row.number, name, email, NOT_ELIGIBLE, excluded))
        else:
            out.append(RowStatus(row.number, name, email, NOT_STARTED))
    out += [RowStatus(0, r.name, r.email, r.status, r.detail, r.cert_id, r.sent_at)
            for r in records if r.cert_id not in seen]
    note = " ".join(f.text() for f in report.global_blocking())
    return EventStatus(out, f"Nothing can be sent yet: {note}" if note else "")
