"""The pre-flight of an event with one template per row: each template checked on its own rows
for the placeholders it needs, one preview of each, and the rows that pick no template."""

from __future__ import annotations

from ..config import Event
from ..docs import RosterPart, split_by_template
from ..errors import CertkitError
from ..findings import BLOCKING, Finding, Report


def check_per_template(event: Event, check_one, preflight, *, source=None, render: int = 0, **options):
    """`check_one(event, source=..., render=..., **options)` per template, merged into one
    `preflight` (the Preflight class).

    With `render` > 0 each template gets at least one preview, so the organizer sees one of each.
    """
    from ..sheets import open_roster

    try:
        source = source or open_roster(event)
        parts, unmatched = split_by_template(event, source.read())
    except CertkitError as exc:
        return preflight(Report([Finding(None, None, BLOCKING, str(exc))]))
    each = max(1, render // max(len(parts), 1)) if render > 0 else 0
    merged = preflight(Report([]))
    for choice, part in parts:
        one = check_one(choice.event, source=RosterPart(source, part), render=each, **options)
        label = f"Template {choice.event.template.path} ({event.template.by_column} = {choice.value})"
        if one.report.summary:
            merged.report.summary = "; ".join(filter(None, [merged.report.summary,
                                                            f"{label}: {one.report.summary}"]))
        merged.report.findings += [_labelled(f, label) for f in one.report.findings]
        merged.report.excluded.update(one.report.excluded)
        merged.report.labels.update(one.report.labels)
        merged.previews += one.previews
        merged.mapping = merged.mapping or one.mapping
        merged.prepared = merged.prepared or one.prepared
        merged.roster = merged.roster or one.roster
    merged.report.findings += [Finding(n, event.template.by_column, BLOCKING, m)
                               for n, m in unmatched.items()]
    return merged


def _labelled(finding: Finding, label: str) -> Finding:
    """A finding about a whole template names which template it is about."""
    if finding.row is not None:
        return finding
    return Finding(None, finding.column, finding.severity, f"{label}: {finding.message}",
                   finding.suggestion)
