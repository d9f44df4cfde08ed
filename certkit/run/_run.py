"""One event run: read the roster, check, plan, render and convert, send, write statuses back."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..checks import (
    BLANK_ROW,
    Preflight,
    check_roster,
    check_selection,
    representative_sample,
    update_mapping,
)
from ..config import Event
from ..docs import PdfConverter, get_converter, prepare_template, template_file
from ..errors import ConfigError
from ..findings import Report
from ..jobs import Job, Run
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
from ..status import BOUNCED, CLAIMED, DONE, NOT_SENT, SENT, UNKNOWN
from ..summary import BLOCKED, NOT_ELIGIBLE, Outcome, RunSummary
from ._changes import row_changes
from ._produce import READY, WORK_DIR, Produced


def plan(run: Run, roster: Roster, report: Report, selected: set[int] | None,
         limit: int | None = None) -> list[Job]:
    """Decide per row: already done (show it), blocked (say why), or a job for this run.

    Past `limit` jobs, rows are left as they are (no certificate ID yet) for a later run.
    """
    event, ledger = run.event, run.ledger
    id_col = event.status_columns.certificate_id
    matches = match_rows(roster.rows, ledger, id_col, event.identity_columns,
                         email_column=event.roster.email_column,
                         name_column=event.roster.name_column)
    jobs: list[Job] = []
    with ledger.batch():  # new IDs and moved rows: one commit, not one per row
        later = _plan_rows(run, roster, report, selected, limit, matches, jobs)
    if later:
        run.summary.notes.append(f"{later} more rows to do were left for a later run (--limit "
                                 f"{limit}): run the same command again to continue.")
    return jobs


def _plan_rows(run: Run, roster: Roster, report: Report, selected: set[int] | None,
               limit: int | None, matches: dict, jobs: list[Job]) -> int:
    """plan()'s walk over the rows: append the jobs, return how many rows were left for later."""
    event, ledger = run.event, run.ledger
    id_col = event.status_columns.certificate_id
    blocking = report.blocking_rows()
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
    return later


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
    preflight: Preflight | None = None,
) -> RunSummary:
    """Run the event: PDFs for every eligible row; with `send`, mail them and show statuses.

    Raises RosterError/TemplateError/ConfigError before anything is sent when the roster or template
    is unusable; AuthError when the mail login is refused. Per-row problems never raise: they end as
    that row's status and Detail. `rows` (sheet row numbers) or `sample` (a representative sample
    of that size) limit the run to some rows; `test_to` mails them all to that one address with
    TEST in the subject and writes nothing into the sheet. Without `send`, a roster file (xlsx,
    csv) is left as it is unless `write_sheet` asks for the statuses ("PDF ready") to be shown.
    TEST in the subject and writes nothing into the sheet. `preflight` is the check made for the
    confirmation (run.check): its roster, template and report are used, not read and checked again.
    """
    from ..send import bounces_after_send, deliver

    if event.template.by_column:  # one template per row: each template's rows as a run of its own
        from ._per_row import run_per_template

        return run_per_template(event, run_event, source=source, rows=rows, limit=limit, send=send,
                                sample=sample, test_to=test_to, transport=transport,
                                converter=converter, progress=progress)
    source = source or open_roster(event)
    done = preflight if preflight and preflight.roster and preflight.prepared else None
    roster = done.roster if done and done.roster else source.read()
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
        if done and done.prepared:
            prepared, report = done.prepared, done.report
            update_mapping(event, prepared, roster.header)
        else:
            template, note = template_file(event, getattr(source, "client", None))
            if note:
                run.summary.notes.append(note)
            prepared = prepare_template(template, event.folder / WORK_DIR)
            update_mapping(event, prepared, roster.header)
            report = check_roster(event, roster, prepared.placeholders, pictures=prepared.pictures,
                                  conditional=prepared.conditional)
        run.summary.report = report
        stop = report.global_blocking()
        if stop:
            raise ConfigError("Nothing was made or sent: " + " ".join(f.text() for f in stop))
        if sample:
            rows = [r.number for r in representative_sample(roster, event, sample, report=report)]
        selected = set(check_selection(roster, rows)) if rows is not None else None
        jobs = plan(run, roster, report, selected, limit)
        own = converter is None
        converter = converter or get_converter(event.template.converter)
        ready = Produced(run, prepared, jobs, converter, progress)
        try:
            if send or test_to:  # mails go out while later chunks are still converting
                deliver(run, ready, transport=transport, test_to=test_to, progress=progress)
                bounces_after_send(run)  # only with [transport] check_bounces = true
            else:
                for job in sorted(ready, key=lambda j: j.row.number):
                    run.show(job.record)
                    run.summary.outcomes.append(
                        Outcome(job.row.number, job.record.name, NOT_SENT, READY, job.record.cert_id)
                    )
        finally:
            ready.close()  # an error while sending: the PDFs still being made are left for later
            if own and hasattr(converter, "close"):
                converter.close()
        run.flush()
        if event.transport.backend == "outbox" and (send or test_to):
            run.summary.outbox_dir = event.path(event.transport.outbox_dir)
    return run.summary


