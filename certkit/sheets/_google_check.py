"""Writing statuses into a Google Sheet that may change under the write, and checking each row.

Between a flush's read and its write anyone can sort, insert or delete rows, so an A1 range
computed from the read may point at someone else by the time it is applied. Each row's write
therefore spans the person's own name and email cells as well, sent as null (left as they are),
with `includeValuesInResponse`: the reply shows, atomically with the write, who is in each row
that was written. A row that turns out to be someone else is repaired in the next round (its own
earlier statuses put back), and the status is written again where its person is now.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._header import column_letter
from ._placing import is_person
from ._roster import Row, StatusUpdate, fingerprint

ROUNDS = 4  # write, check, repair: a sheet still changing after this many rounds waits for next run


def checked_range(title: str, row: int, cells: dict[int, str], check: Sequence[int]) -> dict:
    """One row's range covering its status cells and the columns that say who is in the row."""
    lo, hi = min([*cells, *check]), max([*cells, *check])
    values = [cells.get(col) for col in range(lo, hi + 1)]  # None: the cell is left as it is
    return {"range": f"{title}!{column_letter(lo)}{row}:{column_letter(hi)}{row}",
            "values": [values], "_lo": lo, "_row": row}


def seen_row(reply: dict[str, Any], lo: int, row: int, header: Sequence[str]) -> Row:
    """The row as the write's reply shows it (after the write), keyed by column name."""
    values = (reply.get("updatedData", {}).get("values") or [[]])[0]
    cells = {}
    for offset, text in enumerate(values):
        col = lo + offset
        if 1 <= col <= len(header):
            cells[header[col - 1]] = "" if text is None else str(text)
    return Row(row, cells)


def misplaced(
    checks: list[tuple[int, StatusUpdate, dict]],
    replies: list[dict[str, Any]],
    header: Sequence[str],
    before: Sequence[Row],
    pending: Sequence[StatusUpdate],
    identity: Sequence[str],
    status_names: dict[str, str],
) -> list[StatusUpdate]:
    """The updates to send again: each one whose row turned out to be someone else, plus, for
    that someone, the statuses their row held before (or their own update of this flush)."""
    again: dict[int, StatusUpdate] = {}
    olds: dict[str, Row] | None = None  # made when a row turned out to be someone else
    for at, update, item in checks:
        seen = seen_row(replies[at], item["_lo"], item["_row"], header)
        print_ = fingerprint(seen, identity)
        if is_person(seen, print_, update):
            continue
        again[id(update)] = update
        mine = next((u for u in pending if is_person(seen, print_, u)), None)
        if mine is not None:
            again[id(mine)] = mine
            continue
        if olds is None:
            olds = {fingerprint(r, identity): r for r in before}
        old = olds.get(print_)
        values = {kind: (old.get(name) if old else "") for kind, name in status_names.items()
                  if kind in update.values}
        repair = StatusUpdate(seen.number, print_, values,
                              certificate_id=old.get(status_names.get("certificate_id", ""))
                              if old else "",
                              who=" ".join(seen.get(c).strip() for c in identity).strip())
        again[id(repair)] = repair
    return list(again.values())
