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
from ..ids import ID_RULE, id_key, is_certificate_id
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
               identity: Sequence[str], *, email_column: str = "",
               name_column: str = "") -> dict[int, Match]:
    """Row number -> its Match. A certificate belongs to at most one row.

    An ID in one row only is that row's while the row still is its person (the name or the email
    matches the certificate); when both changed the row is blocked, nothing sent or suggested. An
    ID in several rows belongs to the one whose name and email match the certificate; the other
    rows are blocked (each names the rows to fix). A row without a usable ID is matched by name
    and email, unless another row already holds that certificate (the same person twice:
    blocked); failing that, by an address that holds a certificate no row holds any more (the
    name was corrected), never a second certificate for one address.
    """
    email_column = email_column or (identity[0] if identity else "")
    name_column = name_column or (identity[1] if len(identity) > 1 else "")
    prints = {row.number: fingerprint(row, identity) for row in rows}
    by_id: dict[str, list[Row]] = {}
    for row in rows:
        cid = row.get(id_column).strip()
        if cid:
            by_id.setdefault(id_key(cid), []).append(row)
    found: dict[int, Match] = {}
    owner: dict[str, int] = {}  # certificate ID (as the ledger has it) -> the row that holds it
    # a replaced certificate's ID stands for its replacement; the rows holding current IDs go first
    current = {key: ledger.current(key) for key in by_id}  # by_id is keyed by id_key: case ignored
    for key in sorted(by_id, key=lambda k: bool(current[k] and id_key(current[k].cert_id) != k)):
        holders, record = by_id[key], current[key]
        cid = holders[0].get(id_column).strip()  # as typed, for messages
        mine = [r for r in holders if record and (len(holders) == 1 or
                                                   prints[r.number] == record.fingerprint)]
        if record and len(mine) == 1 and record.cert_id in owner:
            found[mine[0].number] = Match(conflict=(
                f"The certificate ID {cid} was replaced by {record.cert_id}, which row "
                f"{owner[record.cert_id]} holds. Clear it in this row, then run again."))
        elif record and len(mine) == 1 and not _same_person(mine[0], record, email_column,
                                                           name_column):
            found[mine[0].number] = Match(conflict=_someone_else(cid, mine[0], record,
                                                                 email_column, name_column))
        elif record and len(mine) == 1:
            found[mine[0].number] = Match(record)
            owner[record.cert_id] = mine[0].number
        if len(holders) > 1:
            _block_copies(cid, holders, owner.get(record.cert_id) if record else None, found)
    unmatched: list[Row] = []
    for row in rows:
        if row.number in found:
            continue
        record = ledger.find(prints[row.number])
        holder = owner.get(record.cert_id) if record else None
        cid = row.get(id_column).strip()
        if record is None and cid and not is_certificate_id(cid):  # never let it into the ledger
            found[row.number] = Match(conflict=(
                f"The certificate ID '{cid}' typed in this row can only use {ID_RULE}. Clear it "
                "(certkit then gives the row an ID) or fix it, then run again."))
        elif record is None:
            unmatched.append(row)
        elif holder is None:
            owner[record.cert_id] = row.number
            found[row.number] = Match(record)
        else:
            found[row.number] = Match(conflict=(
                f"Same person as row {holder} (same email and name), which already has "
                f"certificate {record.cert_id}: they would get two certificates. Delete one of "
                "the two rows."), duplicate=True)
    _match_by_address(unmatched, ledger, owner, email_column, id_column, found)
    return found


def _same_person(row: Row, record: Record, email_column: str, name_column: str) -> bool:
    """Whether the row still has the certificate's name or its email (one may be corrected)."""
    email = normalize(row.get(email_column)) if email_column else ""
    name = normalize(row.get(name_column)) if name_column else ""
    return (email and email == normalize(record.email)) or (name and name == normalize(record.name)) \
        or not (email_column or name_column)


def _someone_else(cid: str, row: Row, record: Record, email_column: str, name_column: str) -> str:
    """Words for a row whose certificate ID belongs to another person (both name and email differ)."""
    now = " ".join(v for v in (row.get(name_column).strip(), row.get(email_column).strip()) if v)
    return (f"The certificate ID {cid} in this row belongs to {record.name} <{record.email}>, but "
            f"the row now holds {now}. Were rows sorted or moved without the status columns? "
            "Undo that (or move the certificate ID back to its person's row), or clear this "
            "row's certificate ID cell if it is a new person; then run again. Nothing is sent "
            "for this row until then.")


def _match_by_address(rows: Sequence[Row], ledger: Ledger, owner: dict[str, int],
                      email_column: str, id_column: str, found: dict[int, Match]) -> None:
    """Rows with no certificate by name and email: one whose address holds a certificate that no
    row holds any more is that certificate's row (the organizer cleared the ID or the sheet never
    got it, and corrected the name; run then points to reissue when it was sent): never a second
    certificate made silently."""
    if not rows or not email_column:
        return
    free: dict[str, list[Record]] = {}
    for record in ledger.all():
        if record.cert_id not in owner and record.status not in (REPLACED, REVOKED):
            free.setdefault(normalize(record.email), []).append(record)
    for row in rows:
        address = normalize(row.get(email_column))
        left = [r for r in free.get(address, []) if r.cert_id not in owner] if address else []
        if len(left) == 1 and not row.get(id_column).strip():
            owner[left[0].cert_id] = row.number
            found[row.number] = Match(left[0])
        elif len(left) > 1 and not row.get(id_column).strip():
            ids = ", ".join(r.cert_id for r in left)
            found[row.number] = Match(conflict=(
                f"The address {row.get(email_column).strip()} already holds certificates {ids} "
                "of this event, under other names. Type the right certificate ID into this "
                "row's certificate ID cell, then run again."))
        else:
            found[row.number] = Match()


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
