"""The whole pre-flight for one event: template, mapping (found and saved), data checks, and
real renders of a representative sample. `certkit check` and notebook 02 call `check_event`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ..config import Event
from ..docs import (
    MappingResult,
    PdfConverter,
    PreparedTemplate,
    Preview,
    auto_map,
    builtin_names,
    check_rendered,
    prepare_template,
    save_mapping,
    scratch_dir,
    template_file,
)
from ..errors import CertkitError, TemplateError
from ..findings import BLOCKING, WARNING, Finding, Report
from ..sheets import Roster, RosterSource
from ._checks import check_roster
from ._sample import representative_sample


@dataclass
class Preflight:
    """What the pre-flight found: the report, the mapping decisions, the sample's previews."""

    report: Report
    mapping: MappingResult | None = None
    prepared: PreparedTemplate | None = None
    roster: Roster | None = None
    event: Event | None = None  # the event as checked (the mapping found applied in memory)
    previews: list[Preview] = field(default_factory=list)

    def to_text(self) -> str:
        """Mapping notes, the report, and where the preview images are."""
        lines = []
        if self.mapping and self.mapping.notes:
            lines += ["Mapping:"] + [f"  {n}" for n in self.mapping.notes] + [""]
        lines.append(self.report.to_text())
        if self.previews:
            lines += ["", "Preview images (look at them before sending):"]
            lines += [f"  row {p.row}: {p.png}" for p in self.previews]
        return "\n".join(lines)


def update_mapping(
    event: Event, prepared: PreparedTemplate, header: list[str], *, accept_guesses: bool = False,
    save: bool = True,
) -> MappingResult:
    """Auto-map the template's placeholders to the roster's columns and use the sure matches
    (and, with `accept_guesses`, the closest-spelling guesses) as `event.mapping`; with `save`,
    also write them into event.toml [mapping]."""
    status = set(event.status_columns.names().values())
    columns = [h for h in header if h not in status]
    result = auto_map(prepared.placeholders, columns, event.mapping,
                      builtin=builtin_names(event, prepared.pictures))
    merged = dict(event.mapping)
    merged.update(result.mapping if accept_guesses else result.confident)
    if save and merged != event.mapping:
        save_mapping(event, merged)
    event.mapping = merged
    return result


def check_event(
    event: Event,
    *,
    source: RosterSource | None = None,
    save: bool = False,
    accept_guesses: bool = False,
    render: int = 0,
    converter: PdfConverter | None = None,
) -> Preflight:
    """Run the pre-flight as `run` would: read the roster once, prepare the template, map the
    columns, check every row and the settings. A broken template or an unreadable roster becomes
    a blocking finding; with `render` > 0, that many representative rows are rendered (previews
    under .certkit/preview) and checked for page spill.

    Writes nothing unless asked: the mapping found is used in memory (on a copy of `event`), and
    saved into event.toml only with `save`; no ledger is created.
    """
    from ..sheets import open_roster

    if event.template.by_column:  # one template per row: each checked on its own rows
        from ._per_template import check_per_template

        return check_per_template(event, check_event, Preflight, source=source, render=render, save=save,
                                  accept_guesses=accept_guesses, converter=converter)
    event = dataclasses.replace(event, mapping=dict(event.mapping))
    try:
        template, _note = template_file(event, getattr(source, "client", None))
        prepared = prepare_template(template, scratch_dir())
    except TemplateError as exc:
        return Preflight(Report([Finding(
            None, None, BLOCKING, str(exc),
            "Fix the template in Word as the message says, save it, and run the check again.",
        )]))
    try:
        roster = (source or open_roster(event)).read()
    except CertkitError as exc:
        return Preflight(Report([Finding(None, None, BLOCKING, str(exc))]), prepared=prepared)
    result = update_mapping(event, prepared, roster.header, accept_guesses=accept_guesses,
                            save=save)
    report = check_roster(event, roster, prepared.placeholders, template=prepared.source,
                          pictures=prepared.pictures, conditional=prepared.conditional)
    done = Preflight(report, result, prepared, roster, event)
    if render > 0 and not report.global_blocking():
        rows = representative_sample(roster, event, render, report=report)
        if rows:
            try:
                done.previews, spill = check_rendered(event, rows, prepared=prepared,
                                                      converter=converter)
                report.findings.extend(spill)
            except CertkitError as exc:
                report.findings.append(Finding(None, None, WARNING,
                                               f"The preview could not be made: {exc}"))
    return done
