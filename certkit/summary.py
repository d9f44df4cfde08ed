"""What a run tells the organizer: one outcome per row, the counts, and what needs attention."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .status import FAILED, UNKNOWN

if TYPE_CHECKING:
    from .findings import Report

__all__ = ["BLOCKED", "LISTED", "NOT_ELIGIBLE", "Outcome", "RunSummary"]

BLOCKED = "Blocked"  # a row held back by the data check (its sheet Status says Not sent, Detail why)
NOT_ELIGIBLE = "Not eligible"  # a row the eligibility filter leaves out
LISTED = 12  # rows listed by name in a summary; the rest are counted (certkit status --all lists all)


@dataclass
class Outcome:
    """What happened to one row in this run."""

    row: int
    name: str
    status: str
    detail: str = ""
    certificate_id: str = ""
    attention: bool = False  # listed in the summary whatever the status (e.g. changed after sending)
    group: str = ""  # counted under this word instead of the status: BLOCKED or NOT_ELIGIBLE
    earlier: bool = False  # finished in an earlier run

    @property
    def label(self) -> str:
        """The group this outcome is counted in: its status, or Blocked / Not eligible."""
        return self.group or self.status

    def needs_attention(self) -> bool:
        """True when the organizer should look at this row: blocked, failed, unknown, changed."""
        return self.attention or self.group == BLOCKED or self.status in (FAILED, UNKNOWN)


@dataclass
class RunSummary:
    """The run's result: one outcome per row, and where the files are."""

    outcomes: list[Outcome] = field(default_factory=list)
    pdf_dir: Path | None = None
    outbox_dir: Path | None = None
    sheet_errors: list[str] = field(default_factory=list)
    report: Report | None = None
    stopped: str = ""
    notes: list[str] = field(default_factory=list)
    folder: Path | None = None  # the event folder, for the `certkit status --all` pointer

    def count(self, status: str) -> int:
        """How many rows ended in `status`."""
        return sum(1 for o in self.outcomes if o.status == status)

    def exit_code(self) -> int:
        """0 finished; 3 rows Failed or Unknown, or statuses not written into the sheet; 1 nothing
        was sent (or made) because of problems to fix first."""
        if self.sheet_errors or any(o.status in (FAILED, UNKNOWN) for o in self.outcomes):
            return 3
        blocked = any(o.group == BLOCKED for o in self.outcomes)
        if blocked and not any(not o.earlier and not o.group for o in self.outcomes):
            return 1  # every row that could be done needs a fix first
        return 0

    def to_text(self) -> str:
        """A summary that fits on a screen for any roster size: counts per outcome, then the rows
        needing attention grouped by outcome (the first few by name, the rest counted)."""
        counts: dict[str, int] = {}
        for o in self.outcomes:
            counts[o.label] = counts.get(o.label, 0) + 1
        lines = [", ".join(f"{n} {s.lower()}" for s, n in sorted(counts.items())) or "No rows."]
        attention = [o for o in self.outcomes if o.needs_attention()]
        groups: dict[str, list[Outcome]] = {}
        for o in attention:
            groups.setdefault(o.label, []).append(o)
        listed = 0
        for status, group in groups.items():
            lines.append(f"{status} ({len(group)}):")
            for o in group[: max(LISTED - listed, 0)]:
                lines.append(f"  row {o.row} ({o.name or 'no name'}): {o.label}: {o.detail}")
            listed += min(len(group), max(LISTED - listed, 0))
        if listed < len(attention):
            where = f" {self.folder}" if self.folder else ""
            lines.append(f"  ... and {len(attention) - listed} more needing attention: "
                         f"certkit status{where} --all lists every row.")
        if self.stopped:
            lines.append(f"Stopped: {self.stopped}")
        lines.extend(self.notes)
        for err in self.sheet_errors:
            lines.append(f"Sheet not updated: {err}")
        if self.pdf_dir:
            lines.append(f"PDFs: {self.pdf_dir}")
        if self.outbox_dir:
            lines.append(f"Outbox (.eml files): {self.outbox_dir}")
        return "\n".join(lines)
