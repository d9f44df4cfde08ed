"""One template per row: `[template] by_column = "Language"` picks each row's .docx (and email text).

    [template]
    by_column = "Language"
    [template.choices]
    English = "template-en.docx"
    Français = { path = "template-fr.docx", subject = "Votre certificat", body = "Bonjour {{ name }}" }

Each choice becomes an Event of its own (that template, that email text), and the roster is split
into one part per choice, so every stage after this works on one template as usual.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from .._text import normalize
from ..config import EmailConfig, Event
from ..errors import ConfigError
from ..sheets import Roster, Row

EMAIL_KEYS = {f.name for f in dataclasses.fields(EmailConfig)}


@dataclass
class TemplateChoice:
    """One value of the choosing column, and the event as rows with that value see it."""

    value: str
    event: Event


def template_choices(event: Event) -> list[TemplateChoice]:
    """The choices of [template.choices], each an Event with its template and email text.

    Raises ConfigError naming the setting when a choice is neither a file name nor a table with
    `path`, or sets something that is not an [email] setting.
    """
    cfg = event.template
    if not cfg.by_column:
        return [TemplateChoice("", event)]
    if not cfg.choices:
        raise ConfigError(f'event.toml [template] by_column = "{cfg.by_column}" needs a '
                          "[template.choices] table: each value of that column = its .docx file.")
    found = []
    for value, spec in cfg.choices.items():
        where = f'event.toml [template.choices] "{value}"'
        if isinstance(spec, str):
            spec = {"path": spec}
        if not isinstance(spec, dict) or not str(spec.get("path", "")).strip():
            raise ConfigError(f'{where} should be a .docx file name, or {{ path = "file.docx", '
                              'subject = "...", body = "..." }.')
        unknown = sorted(set(spec) - EMAIL_KEYS - {"path"})
        if unknown:
            raise ConfigError(f"{where} has unknown setting(s) {', '.join(unknown)}. Valid: path, "
                              f"{', '.join(sorted(EMAIL_KEYS))}.")
        email = dataclasses.replace(event.email, **{k: str(v) for k, v in spec.items() if k != "path"})
        template = dataclasses.replace(cfg, path=str(spec["path"]), by_column="", choices={})
        found.append(TemplateChoice(str(value), dataclasses.replace(event, template=template,
                                                                     email=email)))
    return found


def split_by_template(event: Event, roster: Roster) -> tuple[list[tuple[TemplateChoice, Roster]],
                                                             dict[int, str]]:
    """The roster in one part per template choice (empty parts left out), and the rows whose
    value picks no template, with why (row number -> message naming row, column and the fix)."""
    choices = template_choices(event)
    if not event.template.by_column:
        return [(choices[0], roster)], {}
    column = roster.column(event.template.by_column)
    by_value = {normalize(c.value): c for c in choices}
    parts: dict[str, list[Row]] = {c.value: [] for c in choices}
    unmatched: dict[int, str] = {}
    names = ", ".join(c.value for c in choices)
    for row in roster.rows:
        value = row.get(column).strip()
        choice = by_value.get(normalize(value))
        if choice is not None:
            parts[choice.value].append(row)
        elif any(v.strip() for v in row.values.values()):
            said = f"'{value}'" if value else "empty"
            unmatched[row.number] = (f"Row {row.number}, column {column}: {said} picks no template. "
                                     f"Write one of: {names} (or add it to [template.choices]).")
    return [(c, dataclasses.replace(roster, rows=parts[c.value])) for c in choices
            if parts[c.value]], unmatched


def event_for_row(event: Event, roster: Roster, row_number: int) -> Event:
    """The event as sheet row `row_number` sees it: its template and email text (the event itself
    when templates are not chosen per row, or when the row picks none)."""
    if not event.template.by_column:
        return event
    parts, _unmatched = split_by_template(event, roster)
    for choice, part in parts:
        if any(r.number == row_number for r in part.rows):
            return choice.event
    return event


class RosterPart:
    """A roster source that shows some rows of a roster already read; writes go to the real one."""

    def __init__(self, source: Any, roster: Roster):
        self._source, self._roster = source, roster

    def read(self) -> Roster:
        """The part, without reading the sheet again."""
        return self._roster

    def __getattr__(self, name: str) -> Any:
        return getattr(self._source, name)
