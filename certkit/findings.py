"""The pre-flight report: findings per row and column, blocking or warning, as text or records."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .status import NOT_SENT

BLOCKING = "blocking"
WARNING = "warning"

__all__ = ["BLOCKING", "WARNING", "Finding", "Report"]


@dataclass(frozen=True)
class Finding:
    """One problem: where (sheet row and column, None for the whole roster), how bad, what to do."""

    row: int | None
    column: str | None
    severity: str  # "blocking" | "warning"
    message: str
    suggestion: str = ""

    def __post_init__(self) -> None:
        if self.severity not in (BLOCKING, WARNING):
            raise ValueError(f"severity must be 'blocking' or 'warning', not {self.severity!r}")

    @property
    def blocking(self) -> bool:
        """True when the row (or, with no row, everything) must not be sent as it is."""
        return self.severity == BLOCKING

    def text(self) -> str:
        """The message with its suggestion, for a Detail cell or a log line."""
        return f"{self.message} {self.suggestion}".strip()


@dataclass
class Report:
    """All findings of one check, with how many rows the eligibility filter keeps."""

    findings: list[Finding]
    kept_rows: int | None = None
    labels: dict[int, str] = field(default_factory=dict)  # row -> "Name <email>" for display
    summary: str = ""  # one line about the roster (rows, filter) shown above the findings
    excluded: dict[int, str] = field(default_factory=dict)  # row -> why it gets no certificate

    def blocking_rows(self) -> dict[int, list[Finding]]:
        """Rows that must be skipped, with the blocking findings that say why."""
        rows: dict[int, list[Finding]] = {}
        for f in self.findings:
            if f.blocking and f.row is not None:
                rows.setdefault(f.row, []).append(f)
        return dict(sorted(rows.items()))

    def global_blocking(self) -> list[Finding]:
        """Blocking findings about the template, mapping or filter: nothing can be sent."""
        return [f for f in self.findings if f.blocking and f.row is None]

    def for_row(self, row: int) -> list[Finding]:
        """Findings about one sheet row, blocking first."""
        return sorted((f for f in self.findings if f.row == row), key=lambda f: not f.blocking)

    def has_blocking(self) -> bool:
        """True when anything blocks: a row, a column, the template or the mapping."""
        return any(f.blocking for f in self.findings)

    def detail(self, row: int) -> str:
        """The Detail text for a blocked row: its blocking findings' messages joined."""
        return " ".join(f.text() for f in self.for_row(row) if f.blocking)

    def to_records(self) -> list[dict]:
        """One dict per finding (row, who, column, severity, message, suggestion), for pandas."""
        records = []
        for f in self._ordered():
            rec = asdict(f)
            rec["who"] = self.labels.get(f.row, "") if f.row is not None else ""
            records.append(rec)
        return records

    def to_text(self) -> str:
        """The report as an organizer reads it: whole-roster problems, then row by row."""
        lines = [self.summary] if self.summary else []
        n_block = len(self.blocking_rows())
        n_warn = sum(1 for f in self.findings if not f.blocking)
        lines.append(f"{n_block} row(s) blocked, {n_warn} warning(s)."
                     if self.findings else "No problems found.")
        current: tuple | None = None
        for f in self._ordered():
            group = (f.row, None) if f.row is not None else (None, f.column)
            if group != current:
                current = group
                lines.append("")
                lines.append(self._heading(f))
            mark = "BLOCKING" if f.blocking else "warning "
            lines.append(f"  {mark}  {f.message}")
            if f.suggestion:
                lines.append(f"            -> {f.suggestion}")
        if self.global_blocking():
            lines += ["", "Nothing can be sent until the BLOCKING problems about the template, "
                      "mapping or filter are fixed."]
        elif n_block:
            lines += ["", f"BLOCKING rows are skipped (Status '{NOT_SENT}', the reason in Detail); "
                      "the other rows go ahead. Fix them in the sheet and run the check again."]
        return "\n".join(lines)

    def _heading(self, f: Finding) -> str:
        """The group title a finding is listed under."""
        if f.row is None:
            return f"Column '{f.column}'" if f.column else "Template, mapping and settings"
        label = self.labels.get(f.row, "")
        return f"Row {f.row}" + (f"  ({label})" if label else "")

    def _ordered(self) -> list[Finding]:
        """Whole-roster findings, then column findings, then rows in sheet order; blocking first."""
        def rank(f: Finding) -> tuple:
            if f.row is None:
                return (0 if f.column is None else 1, f.column or "", 0, not f.blocking)
            return (2, "", f.row, not f.blocking)

        return sorted(self.findings, key=rank)
