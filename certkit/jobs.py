"""One run's shared state: the rows it works on (jobs), the ledger and the sheet's status board."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from .config import Event
from .docs import certkit_values, linkedin_url
from .errors import CertkitError
from .ledger import Ledger, Record, open_ledger
from .sheets import (
    RosterSource,
    Row,
    StatusBoard,
    StatusUpdate,
    fingerprint,
    open_roster,
)
from .status import shown_time
from .summary import RunSummary


@dataclass
class Job:
    """A row that needs a certificate in this run."""

    row: Row
    record: Record
    fields: dict[str, str] = field(default_factory=dict)


class Run:
    """Shared state of one run: the event, its ledger, the sheet's status board, the outcomes."""

    def __init__(self, event: Event, source: RosterSource, ledger: Ledger):
        self.event = event
        self.source = source
        self.ledger = ledger
        cfg = event.roster
        self.board = StatusBoard(source, rows=cfg.flush_rows, seconds=cfg.flush_seconds)
        self.summary = RunSummary(pdf_dir=event.out / "pdf", folder=event.folder)
        self.pending_ids: set[str] = set()
        self.test = False  # a test send to the organizer: the sheet is left untouched
        self.hold = False  # a PDF-only run on a roster file: the file is left as it is

    def show(self, record: Record, extra: dict[str, str] | None = None) -> None:
        """Queue the ledger's status of a certificate (and any `extra` cells) for the sheet."""
        update = StatusUpdate(
            row_number=record.row_number,
            fingerprint=record.fingerprint,
            certificate_id=record.cert_id,
            values={
                "certificate_id": record.cert_id,
                "status": record.status,
                "sent_at": shown_time(record.sent_at, getattr(self.source, "time_zone", "")),
                "detail": record.detail,
            },
            extra=extra or {},
            who=f"{record.name} <{record.email}>" if record.email else record.name,
            person={self.event.roster.email_column: record.email,
                    self.event.roster.name_column: record.name},
        )
        self._put(record.cert_id, update, [record.cert_id])

    def show_row(self, row: Row, status: str, detail: str) -> None:
        """Queue a status for a row that has no certificate (blocked before one was made)."""
        update = StatusUpdate(
            row_number=row.number,
            fingerprint=fingerprint(row, self.event.identity_columns),
            values={"status": status, "detail": detail},
            who=" ".join(row.get(c).strip() for c in self.event.identity_columns).strip(),
        )
        self._put(f"row:{row.number}", update, [])

    def _put(self, key: str, update: StatusUpdate, ids: list[str]) -> None:
        """Queue and, when a flush happened, mark what it wrote as synced."""
        if self.test or self.hold:
            return
        self.pending_ids.update(ids)
        try:
            if self.board.put(key, update):
                self._synced()
        except CertkitError as exc:
            self._sheet_failed(exc)

    def flush(self) -> None:
        """Write everything queued to the sheet; on failure keep it in the ledger for next time."""
        if self.test or self.hold:
            return
        try:
            self.board.flush()
            self._synced()
        except CertkitError as exc:
            self._sheet_failed(exc)

    def _synced(self) -> None:
        """Mark every certificate queued so far as shown in the sheet."""
        self.ledger.mark_synced(sorted(self.pending_ids))
        self.pending_ids = set()

    def _sheet_failed(self, exc: Exception) -> None:
        """Keep going without the sheet; the ledger still holds these statuses as unsynced."""
        self.summary.sheet_errors.append(str(exc))
        self.board.queue.clear()
        self.pending_ids = set()


def mail_fields(event: Event, job: Job) -> dict[str, str]:
    """What the email's subject and body can use: the row, the template fields, certkit's own."""
    fields: dict[str, str] = {k.replace(" ", "_"): v for k, v in job.row.values.items()}
    fields.update({k: v for k, v in job.fields.items() if k.isidentifier()})
    fields.update(
        name=job.row.get(event.roster.name_column).strip(),
        email=job.row.get(event.roster.email_column).strip(),
        linkedin_url=linkedin_url(event, job.record.cert_id, job.record.sent_at),
    )
    fields.update({k: v for k, v in certkit_values(event, job.record.cert_id).items()
                   if k.isidentifier()})
    return fields


@contextmanager
def open_run(event: Event, source: RosterSource | None = None) -> Iterator[Run]:
    """A Run on the event's roster (`source`, default the one event.toml names) and ledger, with
    attempts a killed run left open recovered first; statuses are written back at the end."""
    source = source or open_roster(event)
    with open_ledger(event.folder) as ledger:
        ledger.recover()
        run = Run(event, source, ledger)
        yield run
        run.flush()
