"""Which certificate in the ledger each roster row stands for, never one certificate for two rows.

The organizer sorts, copies and edits rows between runs. A certificate ID in the sheet is the
strongest link; name and email (the fingerprint) find a row whose ID cell was cleared. What
cannot be matched safely (an ID pasted into a second row, the same person typed twice) blocks
that row with the reason, rather than being guessed at: a wrong guess either mails someone a
second copy or shows someone as done who received nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .._text import normalize
from ..ids import SAFE_ID
from ..ledger import Ledger, Record
from ..status import BOUNCED, CLAIMED, REPLACED, REVOKED, SENT
from ._roster import Row, fingerprint

CHANGED = "Changed in the sheet after it was sent: "


@dataclass(frozen=True)
class Match:
    """A row's certificate (None: it has none yet), or why the row cannot be matched safely."""

    record: Record | None = None
    conflict: str = ""
    duplicate: bool = False  # the conflict is the same person typed twice (checks.py says so too)


def match_rows(rows: Sequence[Row], ledger: Ledger, id_column: str,
               identity: Sequence[str]) -> dict[int, Match]:
    """Row number -> its Match. A certificate belongs to at most one row.

    An ID in one row only is that row's. An ID in several rows belongs to the one whose name and
    email match the certificate; the other rows are blocked (each names the rows to fix). A row
    without a usable ID is matched by name and email, unless another row already holds that
    certificate: then it is the same person twice, and blocked.
    """
    prints = {row.number: fingerprint(row, identity) for row in rows}
    by_id: dict[str, list[Row]] = {}
    for row in rows:
        cid = row.get(id_column).strip()
        if cid:
            by_id.setdefault(cid, []).append(row)
    found: dict[int, Match] = {}
    owner: dict[str, int] = {}  # certificate ID -> the row that holds it
    for cid, holders in by_id.items():
        record = ledger.current(cid)  # a replaced certificate's ID stands for its replacement
        mine = [r for r in holders if record and (len(holders) == 1 or
                                                   prints[r.number] == record.fingerprint)]
        if record and len(mine) == 1:
            found[mine[0].number] = Match(record)
            owner[cid] = mine[0].number
        if len(holders) > 1:
            _block_copies(cid, holders, owner.get(cid), found)
    for row in rows:
        if row.number in found:
            continue
        record = ledger.find(prints[row.number])
        holder = owner.get(record.cert_id) if record else None
        cid = row.get(id_column).strip()
        if record is None and cid and not SAFE_ID.fullmatch(cid):  # never let it into the ledger
            found[row.number] = Match(conflict=(
                f"The certificate ID '{cid}' typed in this row can only use letters, digits, "
                "'-' and '_'. Clear it (certkit then gives the row an ID) or fix it, then run "
                "again."))
        elif record is None:
            found[row.number] = Match()
        elif holder is None:
            owner[record.cert_id] = row.number
            found[row.number] = Match(record)
        else:
            found[row.number] = Match(conflict=(
                f"Same person as row {holder} (same email and name), which already has "
                f"certificate {record.cert_id}: they would get two certificates. Delete one of "
                "the two rows."), duplicate=True)
    _match_corrected(rows, ledger, identity[0] if identity else "", id_column, owner, found)
    return found


def _match_corrected(rows: Sequence[Row], ledger: Ledger, email_column: str, id_column: str,
                     owner: dict[str, int], found: dict[int, Match]) -> None:
    """A row with no ID and a name no certificate has, whose address received a certificate no
    row holds any more: the organizer cleared the ID and corrected the name. It is that
    certificate's row (run then points to reissue), never a second certificate made silently."""
    loose = [r for r in rows if found[r.number] == Match() and not r.get(id_column).strip()]
    if not loose or not email_column:
        return
    sent: dict[str, list[Record]] = {}
    for rec in ledger.all():
        if rec.cert_id not in owner and rec.sent_at and rec.status not in (REPLACED, REVOKED):
            sent.setdefault(normalize(rec.email), []).append(rec)
    for row in loose:
        mine = sent.get(normalize(row.get(email_column)), [])
        if len(mine) == 1 and mine[0].cert_id not in owner:
            owner[mine[0].cert_id] = row.number
            found[row.number] = Match(mine[0])


def _block_copies(cid: str, holders: list[Row], owner: int | None, found: dict[int, Match]) -> None:
    """Block every row holding a copy of certificate ID `cid` (all of them when none owns it)."""
    numbers = ", ".join(str(r.number) for r in holders)
    if owner is not None:
        fix = f"It belongs to row {owner}: clear it in this row, then run again."
    else:
        fix = "Clear it in the rows it was copied into, then run again."
    for row in holders:
        if row.number != owner:
            found[row.number] = Match(conflict=(
                f"The certificate ID {cid} is in rows {numbers}; each row needs its own. {fix}"))


def changed_after_sending(ledger: Ledger, row: Row, record: Record, name_column: str,
                          email_column: str, again: str, reissue: str = "") -> str:
    """Words for a sent certificate whose name or address the sheet now gives differently, or "".

    Nothing is made or sent again by itself (that would be a second certificate); the organizer
    sees the difference next to the row, with the command for a new address (`again`, the resend
    command for this row) or for a corrected certificate (`reissue`).
    """
    if record.status not in (SENT, BOUNCED, CLAIMED):
        return ""
    notes = []
    name = " ".join(row.get(name_column).split())
    if name and name != " ".join(record.name.split()):
        fix = f"To send a corrected certificate: {reissue}" if reissue else "Reissue it."
        notes.append(f"the certificate says '{record.name}', the sheet now says '{name}'; it was "
                     f"not made or sent again. {fix}")
    email = row.get(email_column).strip()
    if email and not ledger.sent_to(record.cert_id, email):
        notes.append(f"it went to {record.email}, nothing went to {email}. To send it there: "
                     f"{again} --to {email}")
    return CHANGED + " Also, ".join(notes) if notes else ""
