"""One event run: read the roster, check, plan, render and convert, send, write statuses back."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable, Sequence

from ..checks import BLANK_ROW, check_roster, check_selection, representative_sample, update_mapping
from ..config import Event
from ..docs import (
    Certificate,
    PdfConverter,
    PreparedTemplate,
    check_pages,
    get_converter,
    prepare_template,
    render_certificates,
    row_fields,
    template_file,
)
from ..errors import CertkitError, ConfigError, TemplateError
from ..findings import Report
from ..jobs import DONE, Job, Run
from ..ledger import Record, open_ledger
from ..sheets import (
    CHANGED,
    CsvRosterSource,
    Roster,
    RosterSource,
    Row,
    XlsxRosterSource,
    changed_after_sending,
    fingerprint,
    match_rows,
    open_roster,
)
from ..status import BOUNCED, CLAIMED, FAILED, NOT_SENT, SENT, UNKNOWN
from ..summary import BLOCKED, NOT_ELIGIBLE, Outcome, RunSummary
from ._changes import row_changes

WORK_DIR = ".certkit"


def plan(run: Run, roster: Roster, report: Report, selected: set[int] | None,
         limit: int | None = None) -> list[Job]:
    """Decide per row: already done (show it), blocked (say why), or a job for this run.

    Past `limit` jobs, rows are left as they are (no certificate ID yet) for a later run.
    """
    event, ledger = run.event, run.ledger
    id_col = event.status_columns.certificate_id
    blocking = report.blocking_rows()
    matches = match_rows(roster.rows, ledger, id_col, event.identity_columns,
                         email_column=event.roster.email_column,
                         name_column=event.roster.name_column)
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
            run.summary.outcomes.append(Outcome(row.number, name, NOT_SENT, detail, group=BLOCKED))
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
    reissue = f"certkit reissue {event.folder} --row {row.number}"
    note = changed_after_sending(ledger, row, record, cfg.name_column, cfg.email_column,
                                 f"certkit resend {event.folder} --row {row.number}", reissue)
    other = [c for c in row_changes(event, row, record) if not c.startswith(f"{cfg.name_column}:")]
    if other and record.status in (SENT, BOUNCED, CLAIMED):
        told = (f"the sheet now says {'; '.join(other)}; the certificate was not made or sent "
                f"again. To send a corrected certificate: {reissue}")
        note = f"{note} Also, {told}" if note else CHANGED + told
    changes: dict[str, object] = {}
    if note != record.detail and (note or record.detail.startswith(CHANGED)):
        changes["detail"] = note
    fp = fingerprint(row, event.identity_columns)
    if fp != record.fingerprint:  # found by ID or by address: the row is found again by what it says now
        changes["fingerprint"] = fp
    shown = (row.get(event.status_columns.certificate_id).strip(),
             row.get(event.status_columns.status).strip())
    if changes or record.row_number != row.number or shown != (record.cert_id, record.status):
        ledger.update(record.cert_id, row_number=row.number, **changes)
        run.show(ledger.get(record.cert_id) or record)
    done = record.detail if record.status == UNKNOWN else note or "already done earlier"
    run.summary.outcomes.append(Outcome(row.number, row.get(cfg.name_column).strip(), record.status,
                                        done, record.cert_id, attention=bool(note), earlier=True))


def _show_excluded(run: Run, row: Row, reason: str) -> None:
    """A row the eligibility filter leaves out: say why (once), except for blank rows."""
    if reason == BLANK_ROW:
        return
    name = row.get(run.event.roster.name_column).strip()
    run.summary.outcomes.append(Outcome(row.number, name, NOT_SENT, reason, group=NOT_ELIGIBLE))
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
        if rec.pdf and (event.folder / rec.pdf).exists() and rec.fields == job.fields:
            ready.append(job)
        else:
            todo[rec.cert_id] = job
    certs = [Certificate(j.row, cid, j.fields, name=j.record.name) for cid, j in todo.items()]
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
            pdf = str(done.pdf.relative_to(event.folder))
            ledger.update(
                job.record.cert_id, pdf=pdf, pages=done.pages,
                fields=job.fields, status=NOT_SENT, detail="PDF ready, not sent yet",
            )
            ledger.log(job.record.cert_id, "issued", f"PDF made for row {job.row.number} "
                       f"({done.pages} page(s))")
            if job.record.pdf and job.record.pdf != pdf:  # made again under a corrected name
                (event.folder / job.record.pdf).unlink(missing_ok=True)
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
            Outcome(job.row.number, job.record.name, NOT_SENT, detail, job.record.cert_id,
                    group=BLOCKED)
        )
    return keep


def _fail(run: Run, job: Job, detail: str) -> None:
    """Mark a row failed before sending (bad template value, conversion failure)."""
    run.ledger.update(job.record.cert_id, status=FAILED, detail=detail)
    run.show(run.ledger.get(job.record.cert_id) or job.record)
    run.summary.outcomes.append(
        Outcome(job.row.number, job.record.name, FAILED, detail, job.record.cert_id)
    )


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
    write_sheet: bool = False,
) -> RunSummary:
    """Run the event: PDFs for every eligible row; with `send`, mail them and show statuses.

    Raises RosterError/TemplateError/ConfigError before anything is sent when the roster or template
    is unusable; AuthError when the mail login is refused. Per-row problems never raise: they end as
    that row's status and Detail. `rows` (sheet row numbers) or `sample` (a representative sample
    of that size) limit the run to some rows; `test_to` mails them all to that one address with
    TEST in the subject and writes nothing into the sheet. Without `send`, a roster file (xlsx,
    csv) is left as it is unless `write_sheet` asks for the statuses ("PDF ready") to be shown.
    """
    from ..send import bounces_after_send, deliver

    if event.template.by_column:  # one template per row: each template's rows as a run of its own
        from ._per_row import run_per_template

        return run_per_template(event, run_event, source=source, rows=rows, limit=limit, send=send,
                                sample=sample, test_to=test_to, transport=transport,
                                converter=converter, progress=progress)
    source = source or open_roster(event)
    roster = source.read()
    for col in (event.roster.email_column, event.roster.name_column):
        roster.column(col)
    with open_ledger(event.folder) as ledger:
        ledger.operation = "run_event"
        ledger.recover()
        run = Run(event, source, ledger)
        run.test = bool(test_to)
        run.hold = not (send or test_to or write_sheet) and isinstance(
            source, (XlsxRosterSource, CsvRosterSource))
        if getattr(source, "note", ""):
            run.summary.notes.append(source.note)  # e.g. a CSV read as Windows-1252
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
            bounces_after_send(run)  # only with [transport] check_bounces = true
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


