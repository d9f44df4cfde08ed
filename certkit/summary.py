"""What a run tells the organizer: one outcome per row, the counts, and what needs attention."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .status import FAILED, NOT_SENT, UNKNOWN

if TYPE_CHECKING:
    from .findings import Report

__all__ = ["Outcome", "RunSummary"]


@dataclass
class Outcome:
    """What happened to one row in this run."""

    row: int
    name: str
    status: str
    detail: str = ""
    certificate_id: str = ""
    attention: bool = False  # listed in the summary whatever the status (e.g. changed after sending)


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

    def count(self, status: str) -> int:
        """How many rows ended in `status`."""
        return sum(1 for o in self.outcomes if o.status == status)

    def to_text(self) -> str:
        """A short summary an organizer reads: counts, then every row that needs attention."""
        counts: dict[str, int] = {}
        for o in self.outcomes:
            counts[o.status] = counts.get(o.status, 0) + 1
        lines = [", ".join(f"{n} {s.lower()}" for s, n in sorted(counts.items())) or "No rows."]
        for o in self.outcomes:
            if (o.status in (FAILED, NOT_SENT, UNKNOWN) and o.detail) or o.attention:
                lines.append(f"  row {o.row} ({o.name or 'no name'}): {o.status}: {o.detail}")
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
