"""What a run would do, computed read-only: how many rows a send would mail, and the send plan."""

from __future__ import annotations

from ..checks import check_roster, update_mapping
from ..config import Event
from ..docs import (
    RosterPart,
    prepare_template,
    split_by_template,
    template_file,
)
from ..ledger import open_ledger
from ..send import (
    SendPlan,
    _sender_note,
    daily_limit,
    read_quota,
)
from ..sheets import (
    RosterSource,
    match_rows,
    open_roster,
)
from ..status import DONE
from ._run import (
    WORK_DIR,
)


def count_to_send(event: Event, source: RosterSource | None = None) -> int:
    """How many rows a `run --send` would mail now (read-only: nothing is assigned or written)."""
    source = source or open_roster(event)
    if event.template.by_column:  # one template per row: count each template's rows with it
        parts, _unmatched = split_by_template(event, source.read())
        return sum(count_to_send(c.event, RosterPart(source, part)) for c, part in parts)
    roster = source.read()
    prepared = prepare_template(template_file(event, getattr(source, "client", None))[0],
                                event.folder / WORK_DIR)
    update_mapping(event, prepared, roster.header)
    report = check_roster(event, roster, prepared.placeholders, pictures=prepared.pictures)
    blocking = report.blocking_rows()
    count = 0
    with open_ledger(event.folder) as ledger:
        matches = match_rows(roster.rows, ledger, event.status_columns.certificate_id,
                             event.identity_columns, email_column=event.roster.email_column,
                             name_column=event.roster.name_column)
        for row in roster.rows:
            match = matches[row.number]
            skip = row.number in blocking or row.number in report.excluded or match.conflict
            if not skip and not (match.record and match.record.status in DONE):
                count += 1
    return count


def send_plan(
    event: Event,
    *,
    source: RosterSource | None = None,
    limit: int | None = None,
    now: float | None = None,
) -> SendPlan:
    """The plan for `certkit run --send` (read-only: nothing is assigned, written or locked).

    Raises what reading the roster and template raises (RosterError, TemplateError, ConfigError).
    """
    from ._plan import count_to_send

    count = count_to_send(event, source)
    with open_ledger(event.folder) as ledger:
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
