"""Finding each status update's row again in the roster as it is now, one row at a time.

Between a run's read and a flush the organizer may insert, delete, sort or edit rows. A row is
found by its certificate ID, else at its old position if that row is still the same person, else
by name and email. A row that cannot be found safely is left out (never guessed at) and named in
words the organizer can act on; the other rows are still written.
"""

from __future__ import annotations

from collections.abc import Sequence

from .._text import normalize
from ..ids import id_key
from ._roster import Row, StatusUpdate, fingerprint


def is_person(row: Row, print_: str, up: StatusUpdate) -> bool:
    """Whether `row` is the update's person: same name and email, or (for a certificate) the
    same name or the same email as the certificate (the other one may have been corrected)."""
    if print_ == up.fingerprint:
        return True
    return any(v and normalize(row.get(c)) == normalize(v) for c, v in up.person.items())


def _lost(up: StatusUpdate, reason: str) -> str:
    """What went wrong for one update and what to do about it."""
    who = up.who or f"the person who was in row {up.row_number}"
    fix = (f"If the row was deleted on purpose, nothing needs doing. Otherwise type its "
           f"certificate ID {up.certificate_id} into the row's Certificate ID cell, or put its "
           "name and email back, and run again." if up.certificate_id else
           "Put the row's name and email back as they were, and run again.")
    return (f"The status of {who} (was row {up.row_number}) was not written: {reason}. It is "
            f"kept and written on the next run. {fix}")


def place_rows(
    updates: Sequence[StatusUpdate],
    rows: Sequence[Row],
    id_column: str,
    identity: Sequence[str],
) -> tuple[dict[int, int], list[str]]:
    """Each placeable update's index -> its row number now, and a message per update left out.

    A certificate ID finds its row while that row is still its person (the name or the email of
    `update.person`; in several rows: the one with the same name and email); else the update
    goes to its old row while that row is the same person, else to the one row with the same
    name and email. Ambiguity is never guessed at.
    """
    by_id: dict[str, list[int]] = {}
    by_print: dict[str, list[int]] = {}
    at: dict[int, Row] = {}
    prints: dict[int, str] = {}
    for row in rows:
        at[row.number] = row
        prints[row.number] = fingerprint(row, identity)
        cid = id_key(row.get(id_column)) if id_column else ""
        if cid:
            by_id.setdefault(cid, []).append(row.number)
        by_print.setdefault(prints[row.number], []).append(row.number)
    found: dict[int, int] = {}
    problems: list[str] = []
    for i, up in enumerate(updates):
        ids = by_id.get(id_key(up.certificate_id), []) if up.certificate_id else []
        if len(ids) > 1:  # an ID pasted into another row: the row that is this person holds it
            ids = [n for n in ids if prints[n] == up.fingerprint] or ids
        if up.person:  # an ID left behind by a sort of the other columns is not this person's
            ids = [n for n in ids if is_person(at[n], prints[n], up)]
        if len(ids) == 1:
            found[i] = ids[0]
            continue
        if len(ids) > 1:
            problems.append(_lost(up, f"certificate ID {up.certificate_id} is in "
                                      f"{len(ids)} rows ({', '.join(map(str, ids))}); remove the "
                                      "copies"))
            continue
        same = at.get(up.row_number)
        if same is not None and is_person(same, prints[same.number], up):
            found[i] = up.row_number
            continue
        matches = by_print.get(up.fingerprint, [])
        if len(matches) == 1:
            found[i] = matches[0]
            continue
        problems.append(_lost(up, "the same name and email are in several rows" if matches else
                              "no row has its name and email any more (changed or deleted)"))
    return found, problems
