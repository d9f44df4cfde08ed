"""What a run would do, computed read-only: the check `run --send` would pass, how many rows a send
would mail, and the send plan. Nothing here writes: no event.toml, no roster, no certkit.db."""

from __future__ import annotations

from ..checks import Preflight, check_event
from ..config import Event
from ..docs import PdfConverter, RosterPart, split_by_template
from ..errors import CertkitError
from ..findings import BLOCKING, Finding
from ..ledger import peek_ledger
from ..send import SendPlan, _sender_note, daily_limit, open_transport, read_quota
from ..sheets import RosterSource, match_rows, open_roster
from ..status import DONE


def check(
    event: Event,
    *,
    source: RosterSource | None = None,
    render: int = 0,
    converter: PdfConverter | None = None,
    accept_guesses: bool = False,
    save: bool = False,
) -> Preflight:
    """Everything `run --send` would meet, without its side effects: the roster read once, the
    columns, mapping, template, pictures, filter values, settings and the mail transport (built,
    not connected). Blocking and warning findings by row and column; writes nothing unless
    `save` (the mapping found, into event.toml)."""
    result = check_event(event, source=source, render=render, converter=converter,
                         accept_guesses=accept_guesses, save=save)
    result.report.findings += transport_findings(event)
    return result


def transport_findings(event: Event) -> list[Finding]:
    """The transport event.toml names, built as a send builds it (nothing is connected)."""
    try:
        open_transport(event)
    except CertkitError as exc:
        return [Finding(None, None, BLOCKING, f"Mail cannot be sent: {exc}")]
    return []


def count_to_send(event: Event, source: RosterSource | None = None,
                  preflight: Preflight | None = None) -> int:
    """How many rows a `run --send` would mail now (read-only: nothing is assigned or written).

    `preflight` is a check already made (its roster and report are used, not read again)."""
    if event.template.by_column:  # one template per row: count each template's rows with it
        source = source or open_roster(event)
        parts, _unmatched = split_by_template(event, source.read())
        return sum(count_to_send(c.event, RosterPart(source, part)) for c, part in parts)
    pre = preflight or check_event(event, source=source)
    if pre.roster is None:
        return 0
    checked = pre.event or event
    blocking = pre.report.blocking_rows()
    count = 0
    with peek_ledger(event.folder) as ledger:
        matches = match_rows(pre.roster.rows, ledger, checked.status_columns.certificate_id,
                             checked.identity_columns, email_column=checked.roster.email_column,
                             name_column=checked.roster.name_column)
        for row in pre.roster.rows:
            match = matches[row.number]
            skip = row.number in blocking or row.number in pre.report.excluded or match.conflict
            if not skip and not (match.record and match.record.status in DONE):
                count += 1
    return count


def send_plan(
    event: Event,
    *,
    source: RosterSource | None = None,
    limit: int | None = None,
    now: float | None = None,
    preflight: Preflight | None = None,
) -> SendPlan:
    """The plan for `certkit run --send` (read-only: nothing is assigned, written or locked).

    `preflight` is a check already made, so a run reads and checks the roster once. Raises what
    reading the roster and template raises (RosterError, TemplateError, ConfigError).
    """
    count = count_to_send(event, source, preflight)
    with peek_ledger(event.folder) as ledger:
        # a killed run's row that was being handed over becomes Unknown, not sent again
        count -= sum(1 for s in ledger.open_attempt_states().values() if s == "handing_over")
        count = max(count, 0)
        if limit is not None:
            count = min(count, max(limit, 0))
        quota = read_quota(ledger, daily_limit(event), now)
    left = quota.remaining
    allowed = count if left is None else min(count, left)
    later = count - allowed
    return SendPlan(
        to_send=count, allowed_now=allowed, later=later,
        sender=f"{event.email.sender_name} <{event.email.sender}>",
        backend=event.transport.backend, daily_limit=quota.limit, sent_last_24h=len(quota.used),
        later_from=quota.free_at(allowed + 1) if later else None,
        later_all_by=quota.free_at(count) if later else None,
        per_minute=event.transport.per_minute, note=_sender_note(event),
    )
