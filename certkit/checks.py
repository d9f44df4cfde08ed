"""Data checks before anything renders or sends: one report, per row and column."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

from .config import Event
from .roster import Roster, Row

BLOCKING = "blocking"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One problem: where (row, column), how bad, what is wrong and how to fix it."""

    row: int | None
    column: str | None
    severity: str
    message: str
    suggestion: str = ""


@dataclass
class Report:
    """Every finding for a roster, with helpers to ask per row."""

    findings: list[Finding] = field(default_factory=list)
    kept_rows: int | None = None

    def blocking_rows(self) -> dict[int, list[Finding]]:
        """Row number -> its blocking findings."""
        out: dict[int, list[Finding]] = {}
        for f in self.findings:
            if f.severity == BLOCKING and f.row is not None:
                out.setdefault(f.row, []).append(f)
        return out

    def for_row(self, row: int) -> list[Finding]:
        """All findings for one row."""
        return [f for f in self.findings if f.row == row]

    def has_blocking(self) -> bool:
        """Whether anything blocks."""
        return any(f.severity == BLOCKING for f in self.findings)

    def to_text(self) -> str:
        """The report as lines an organizer reads."""
        if not self.findings:
            return "No problems found."
        lines = []
        for f in self.findings:
            where = f"Row {f.row}" if f.row is not None else "Roster"
            col = f", column '{f.column}'" if f.column else ""
            tip = f" Suggestion: {f.suggestion}" if f.suggestion else ""
            lines.append(f"[{f.severity}] {where}{col}: {f.message}{tip}")
        return "\n".join(lines)

    def to_records(self) -> list[dict[str, object]]:
        """The findings as dicts, for a table."""
        return [f.__dict__.copy() for f in self.findings]


def check_row(event: Event, row: Row) -> list[Finding]:
    """Blocking problems in one row: no name, no email, an email that is not an address."""
    out = []
    name_col, email_col = event.roster.name_column, event.roster.email_column
    if not row.get(name_col).strip():
        out.append(Finding(row.number, name_col, BLOCKING, "The name is empty. Fill it in."))
    email = row.get(email_col).strip()
    if not email:
        out.append(
            Finding(row.number, email_col, BLOCKING, "The email is empty. Fill it in to send.")
        )
    else:
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError as exc:
            out.append(
                Finding(row.number, email_col, BLOCKING, f"'{email}' is not a valid email: {exc}")
            )
    return out


def check_roster(event: Event, roster: Roster, placeholders: Sequence[str]) -> Report:
    """Run every check on every row."""
    findings: list[Finding] = []
    mapped = [event.mapping[p] for p in placeholders if p in event.mapping]
    dated = [event.dates[p].column for p in placeholders if p in event.dates]
    for row in roster.rows:
        findings.extend(check_row(event, row))
        for column in dict.fromkeys(mapped + dated):
            if column in roster.header and not row.get(column).strip():
                findings.append(
                    Finding(row.number, column, BLOCKING, f"'{column}' is empty; the certificate needs it.")
                )
    return Report(findings, kept_rows=len(roster.rows))
