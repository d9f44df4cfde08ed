"""A run over an event with one template per row ([template] by_column): the roster is read once
and split by template, each part runs as an event of its own (its template, its email text), and
the parts' summaries become one. Rows whose value picks no template are shown as Not sent, why."""

from __future__ import annotations

from collections.abc import Sequence

from ..config import Event
from ..docs import RosterPart, get_converter, split_by_template
from ..findings import BLOCKING, Finding, Report
from ..jobs import Run
from ..ledger import open_ledger
from ..sheets import RosterSource, open_roster
from ..status import DONE, NOT_SENT
from ..summary import BLOCKED, Outcome, RunSummary

ALREADY = "already done earlier"


def run_per_template(event: Event, run_part, *, source: RosterSource | None = None,
                     rows: Sequence[int] | None = None, limit: int | None = None,
                     **options) -> RunSummary:
    """`run_part(event, source=..., rows=..., limit=..., **options)` once per template, merged.

    `rows` and `limit` keep their meaning for the whole run: a part gets its own rows among
    `rows`, and what is left of `limit`.
    """
    source = source or open_roster(event)
    roster = source.read()
    parts, unmatched = split_by_template(event, roster)
    summary = RunSummary(pdf_dir=event.out / "pdf")
    reports: list[Report] = []
    own = options.get("converter") is None
    if own:
        options["converter"] = get_converter(event.template.converter)
    try:
        limit = _run_parts(parts, run_part, source, rows, limit, options, summary, reports)
    finally:
        if own and hasattr(options["converter"], "close"):
            options["converter"].close()
    chosen = None if rows is None else set(rows)
    _show_unmatched(event, source, roster, {n: m for n, m in unmatched.items()
                                            if chosen is None or n in chosen}, summary,
                    test=bool(options.get("test_to")))
    findings = [f for r in reports for f in r.findings]
    findings += [Finding(n, event.template.by_column, BLOCKING, m) for n, m in unmatched.items()]
    summary.report = Report(findings, excluded={n: why for r in reports for n, why in r.excluded.items()})
    summary.outcomes.sort(key=lambda o: o.row)
    return summary


def _run_parts(parts, run_part, source, rows, limit, options, summary, reports) -> int | None:
    """Run each template's part; return what is left of `limit`."""
    for choice, part in parts:
        numbers = {r.number for r in part.rows}
        mine = None if rows is None else [n for n in rows if n in numbers]
        if mine == [] or (limit is not None and limit <= 0):
            continue
        done = run_part(choice.event, source=RosterPart(source, part), rows=mine, limit=limit,
                        **options)
        if limit is not None:
            limit -= sum(1 for o in done.outcomes if o.certificate_id and o.detail != ALREADY)
        _merge(summary, done)
        if done.report is not None:
            reports.append(done.report)
    return limit


def _merge(summary: RunSummary, part: RunSummary) -> None:
    """Add one part's outcomes, notes and errors to the whole run's summary."""
    summary.outcomes += part.outcomes
    summary.notes += [n for n in part.notes if n not in summary.notes]
    summary.sheet_errors += part.sheet_errors
    summary.stopped = summary.stopped or part.stopped
    summary.outbox_dir = summary.outbox_dir or part.outbox_dir


def _show_unmatched(event: Event, source: RosterSource, roster, unmatched: dict[int, str],
                    summary: RunSummary, *, test: bool = False) -> None:
    """Rows that pick no template: Not sent, with the reason in Detail (done rows stay as they are)."""
    if not unmatched:
        return
    cols = event.status_columns
    with open_ledger(event.folder) as ledger:
        run = Run(event, source, ledger)
        run.test = test
        for row in roster.rows:
            reason = unmatched.get(row.number)
            if reason is None or row.get(cols.status).strip() in DONE:
                continue
            name = row.get(event.roster.name_column).strip()
            summary.outcomes.append(Outcome(row.number, name, NOT_SENT, reason, group=BLOCKED))
            if (row.get(cols.status).strip(), row.get(cols.detail).strip()) != (NOT_SENT, reason):
                run.show_row(row, NOT_SENT, reason)
        run.flush()
        summary.sheet_errors += run.summary.sheet_errors



