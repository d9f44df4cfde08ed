"""One event run: read the roster, check, plan, render and convert, send, write statuses back."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .checks import Report, check_roster
from .config import Event
from .docs import Certificate, row_fields, verify_url
from .eligibility import BLANK_ROW
from .errors import CertkitError, ConfigError, RosterError, TemplateError
from .ledger import Ledger, Record, open_ledger
from .matching import CHANGED, changed_after_sending, match_rows
from .pdf import PdfConverter, get_converter
from .preflight import update_mapping
from .preview import check_pages
from .render import render_certificates
from .roster import (
    FAILED,
    NOT_SENT,
    SENT,
    UNKNOWN,
    Roster,
    RosterSource,
    Row,
    StatusUpdate,
    fingerprint,
)
from .sample import check_selection, representative_sample
from .sheets import StatusBoard, open_roster
from .summary import Outcome, RunSummary
from .templating import PreparedTemplate, prepare_template, template_file

DONE = {SENT, UNKNOWN, "Revoked", "Replaced", "Bounced", "Claimed"}  # never sent again by `run`
WORK_DIR = ".certkit"


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
        self.summary = RunSummary(pdf_dir=event.out / "pdf")
        self.pending_ids: set[str] = set()
        self.test = False  # a test send to the organizer: the sheet is left untouched

    def show(self, record: Record, extra: dict[str, str] | None = None) -> None:
        """Queue the ledger's status of a certificate (and any `extra` cells) for the sheet."""
        update = StatusUpdate(
            row_number=record.row_number,
            fingerprint=record.fingerprint,
            certificate_id=record.cert_id,
            values={
                "certificate_id": record.cert_id,
                "status": record.status,
                "sent_at": record.sent_at,
                "detail": record.detail,
            },
            extra=extra or {},
        )
        self._put(record.cert_id, update, [record.cert_id])

    def show_row(self, row: Row, status: str, detail: str) -> None:
        """Queue a status for a row that has no certificate (blocked before one was made)."""
        update = StatusUpdate(
            row_number=row.number,
            fingerprint=fingerprint(row, self.event.identity_columns),
            values={"status": status, "detail": detail},
        )
        self._put(f"row:{row.number}", update, [])

    def _put(self, key: str, update: StatusUpdate, ids: list[str]) -> None:
        """Queue and, when a flush happened, mark what it wrote as synced."""
        if self.test:
            return
        self.pending_ids.update(ids)
        try:
            if self.board.put(key, update):
                self._synced()
        except CertkitError as exc:
            self._sheet_failed(exc)

    def flush(self) -> None:
        """Write everything queued to the sheet; on failure keep it in the ledger for next time."""
        if self.test:
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


def plan(run: Run, roster: Roster, report: Report, selected: set[int] | None,
         limit: int | None = None) -> list[Job]:
    """Decide per row: already done (show it), blocked (say why), or a job for this run.

    Past `limit` jobs, rows are left as they are (no certificate ID yet) for a later run.
    """
    event, ledger = run.event, run.ledger
    id_col = event.status_columns.certificate_id
    blocking = report.blocking_rows()
    matches = match_rows(roster.rows, ledger, id_col, event.identity_columns)
    jobs: list[Job] = []
    later = 0
    for row in roster.rows:
        match = matches[row.number]
        record, conflict = match.record, match.conflict
        if match.duplicate and row.number in blocking:
            conflict = ""  # the data check already says "Same person as row N"
        name = row.get(event.roster.name_column).strip()
        fp = fingerprint(row, event.identity_columns)
        if record and record.status in DONE:
            _show_done(run, row, record)
            continue
        if selected is not None and row.number not in selected:
            continue
        if row.number in report.excluded:
            _show_excluded(run, row, report.excluded[row.number])
            continue
        if row.number in blocking or conflict:
            detail = "; ".join([conflict] * bool(conflict) +
                               [f.message for f in blocking.get(row.number, [])])
            if record:
                ledger.update(record.cert_id, status=NOT_SENT, detail=detail)
                run.show(ledger.get(record.cert_id) or record)
            else:
                run.show_row(row, NOT_SENT, detail)
            run.summary.outcomes.append(Outcome(row.number, name, NOT_SENT, detail))
            continue
        if limit is not None and len(jobs) >= max(limit, 0):
            later += 1
            continue
        if record is None:
            record = ledger.assign(
                fp, row.number, row.get(event.roster.email_column).strip(), name,
                row.get(id_col).strip(),
            )
        elif (record.row_number, record.name, record.fingerprint) != (row.number, name, fp):
            # moved, or the organizer corrected the name: the ledger (and the verify page) follow
            ledger.update(record.cert_id, row_number=row.number, name=name, fingerprint=fp)
            record = ledger.get(record.cert_id) or record
        jobs.append(Job(row, record))
    if later:
        run.summary.notes.append(f"{later} more rows to do were left for a later run (--limit "
                                 f"{limit}): run the same command again to continue.")
    return jobs


def _show_done(run: Run, row: Row, record: Record) -> None:
    """A row finished earlier: show its status again where the sheet lost or moved it, and say
    so when its name or address was changed after sending (nothing is sent again by itself)."""
    event, ledger = run.event, run.ledger
    cfg = event.roster
    note = changed_after_sending(ledger, row, record, cfg.name_column, cfg.email_column,
                                 f"certkit resend {event.folder} --row {row.number}")
    changes: dict[str, object] = {}
    if note != record.detail and (note or record.detail.startswith(CHANGED)):
        changes["detail"] = note
    shown = (row.get(event.status_columns.certificate_id).strip(),
             row.get(event.status_columns.status).strip())
    if changes or record.row_number != row.number or shown != (record.cert_id, record.status):
        ledger.update(record.cert_id, row_number=row.number, **changes)
        run.show(ledger.get(record.cert_id) or record)
    done = record.detail if record.status == UNKNOWN else note or "already done earlier"
    run.summary.outcomes.append(Outcome(row.number, row.get(cfg.name_column).strip(), record.status,
                                        done, record.cert_id, attention=bool(note)))


def _show_excluded(run: Run, row: Row, reason: str) -> None:
    """A row the eligibility filter leaves out: say why (once), except for blank rows."""
    if reason == BLANK_ROW:
        return
    name = row.get(run.event.roster.name_column).strip()
    run.summary.outcomes.append(Outcome(row.number, name, NOT_SENT, reason))
    cols = run.event.status_columns
    if (row.get(cols.status).strip(), row.get(cols.detail).strip()) != (NOT_SENT, reason):
        run.show_row(row, NOT_SENT, reason)


def produce(
    run: Run,
    prepared: PreparedTemplate,
    jobs: Sequence[Job],
    converter: PdfConverter,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[Job]:
    """Make the PDFs that are missing or out of date; return the jobs whose PDF can be sent, by row.

    A certificate with more pages than the event's others (a name too long for its place) is
    held back as Not sent with the reason, never mailed with a broken layout.
    """
    event, ledger = run.event, run.ledger
    pdf_dir = event.out / "pdf"
    for leftover in (event.folder / WORK_DIR).glob("render-*"):  # a killed run's chunk files
        shutil.rmtree(leftover, ignore_errors=True)
    ready: list[Job] = []
    todo: dict[str, Job] = {}
    for job in jobs:
        rec = job.record
        try:
            job.fields = row_fields(event, job.row, prepared.placeholders, rec.cert_id)
        except TemplateError as exc:
            _fail(run, job, str(exc))
            continue
        if rec.pdf and (pdf_dir / f"{rec.cert_id}.pdf").exists() and rec.fields == job.fields:
            ready.append(job)
        else:
            todo[rec.cert_id] = job
    certs = [Certificate(j.row, cid, j.fields) for cid, j in todo.items()]
    total = len(certs)
    try:
        for done in render_certificates(certs, prepared, event, converter, pdf_dir,
                                         event.folder / WORK_DIR):
            if progress:
                progress("render", total - len(todo) + 1, total)
            job = todo.pop(done.certificate_id)
            if done.pdf is None:
                _fail(run, job, done.error)
                continue
            ledger.update(
                job.record.cert_id, pdf=str(done.pdf.relative_to(event.folder)), pages=done.pages,
                fields=job.fields, status=NOT_SENT, detail="PDF ready, not sent yet",
            )
            job.record = ledger.get(job.record.cert_id) or job.record
            ready.append(job)
    except CertkitError as exc:
        for job in todo.values():
            _fail(run, job, f"row {job.row.number}: {exc}")
        todo.clear()
    return sorted(_hold_spilled(run, ready), key=lambda j: j.row.number)


def _hold_spilled(run: Run, ready: list[Job]) -> list[Job]:
    """Hold back certificates with more pages than most of the event's (their text spilled over)."""
    counts = Counter(r.pages for r in run.ledger.all() if r.pages)
    if not counts:
        return ready
    expected = counts.most_common(1)[0][0]
    spilled = {f.row: f for f in check_pages(expected, {j.row.number: j.record.pages for j in ready})
               if f.row is not None}
    keep = []
    for job in ready:
        finding = spilled.get(job.row.number)
        if finding is None or job.record.pages < expected:
            keep.append(job)
            continue
        detail = f"{finding.message} {finding.suggestion}"
        run.ledger.update(job.record.cert_id, status=NOT_SENT, detail=detail)
        run.show(run.ledger.get(job.record.cert_id) or job.record)
        run.summary.outcomes.append(
            Outcome(job.row.number, job.record.name, NOT_SENT, detail, job.record.cert_id)
        )
    return keep


def _fail(run: Run, job: Job, detail: str) -> None:
    """Mark a row failed before sending (bad template value, conversion failure)."""
    run.ledger.update(job.record.cert_id, status=FAILED, detail=detail)
    run.show(run.ledger.get(job.record.cert_id) or job.record)
    run.summary.outcomes.append(
        Outcome(job.row.number, job.record.name, FAILED, detail, job.record.cert_id)
    )


def mail_fields(event: Event, job: Job) -> dict[str, str]:
    """What the email's subject and body can use: the row, the template fields, certkit's own."""
    fields: dict[str, str] = {k.replace(" ", "_"): v for k, v in job.row.values.items()}
    fields.update({k: v for k, v in job.fields.items() if k.isidentifier()})
    fields.update(
        name=job.row.get(event.roster.name_column).strip(),
        email=job.row.get(event.roster.email_column).strip(),
        certificate_id=job.record.cert_id,
        verify_url=verify_url(event, job.record.cert_id),
        event_name=event.name,
    )
    return fields


def run_event(
    event: Event,
    *,
    send: bool = False,
    limit: int | None = None,
    rows: Sequence[int] | None = None,
    sample: int | None = None,
    test_to: str | None = None,
    source: RosterSource | None = None,
    transport: object | None = None,
    converter: PdfConverter | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> RunSummary:
    """Run the event: PDFs for every eligible row; with `send`, mail them and show statuses.

    Raises RosterError/TemplateError/ConfigError before anything is sent when the roster or template
    is unusable; AuthError when the mail login is refused. Per-row problems never raise: they end as
    that row's status and Detail. `rows` (sheet row numbers) or `sample` (a representative sample
    of that size) limit the run to some rows; `test_to` mails them all to that one address with
    TEST in the subject and writes nothing into the sheet.
    """
    from .delivery import deliver

    source = source or open_roster(event)
    roster = source.read()
    for col in (event.roster.email_column, event.roster.name_column):
        roster.column(col)
    with open_ledger(event.folder) as ledger:
        ledger.recover()
        run = Run(event, source, ledger)
        run.test = bool(test_to)
        for rec in ledger.unsynced():  # statuses a failed flush left behind
            run.show(rec)
        template, note = template_file(event, getattr(source, "client", None))
        if note:
            run.summary.notes.append(note)
        prepared = prepare_template(template, event.folder / WORK_DIR)
        update_mapping(event, prepared, roster.header)
        report = check_roster(event, roster, prepared.placeholders, pictures=prepared.pictures)
        run.summary.report = report
        stop = report.global_blocking()
        if stop:
            raise ConfigError("Nothing was made or sent: " + " ".join(f.text() for f in stop))
        if sample:
            rows = [r.number for r in representative_sample(roster, event, sample, report=report)]
        selected = set(check_selection(roster, rows)) if rows is not None else None
        jobs = plan(run, roster, report, selected, limit)
        own = converter is None
        converter = converter or get_converter("auto")
        try:
            ready = produce(run, prepared, jobs, converter, progress)
        finally:
            if own and hasattr(converter, "close"):
                converter.close()
        if send or test_to:
            deliver(run, ready, transport=transport, test_to=test_to, progress=progress)
        else:
            for job in ready:
                run.show(job.record)
                run.summary.outcomes.append(
                    Outcome(job.row.number, job.record.name, NOT_SENT,
                            "PDF ready, not sent yet", job.record.cert_id)
                )
        run.flush()
        if event.transport.backend == "outbox" and (send or test_to):
            run.summary.outbox_dir = event.path(event.transport.outbox_dir)
    return run.summary


def count_to_send(event: Event, source: RosterSource | None = None) -> int:
    """How many rows a `run --send` would mail now (read-only: nothing is assigned or written)."""
    source = source or open_roster(event)
    roster = source.read()
    prepared = prepare_template(template_file(event, getattr(source, "client", None))[0],
                                event.folder / WORK_DIR)
    update_mapping(event, prepared, roster.header)
    report = check_roster(event, roster, prepared.placeholders, pictures=prepared.pictures)
    blocking = report.blocking_rows()
    count = 0
    with open_ledger(event.folder) as ledger:
        matches = match_rows(roster.rows, ledger, event.status_columns.certificate_id,
                             event.identity_columns)
        for row in roster.rows:
            match = matches[row.number]
            skip = row.number in blocking or row.number in report.excluded or match.conflict
            if not skip and not (match.record and match.record.status in DONE):
                count += 1
    return count


__all__ = ["Outcome", "RosterError", "RunSummary", "run_event"]
