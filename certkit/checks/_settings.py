"""Checks of event.toml against the roster and the template: what `run` would trip over that is not
in any one cell (a missing name column, an unknown converter, no QR code, values left from init,
a status column that would overwrite data, text boxes too small for a name)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .._text import suggest
from ..config import Event
from ..docs import QR_NAME, converter_name
from ..emails import valid_email
from ..errors import ConfigError
from ..findings import BLOCKING, WARNING, Finding
from ..sheets import Roster, Row, find_column
from ._examples import example_settings


def settings_findings(
    event: Event, roster: Roster, placeholders: Sequence[str], pictures: Sequence[str] | None,
    columns: dict[str, str],
) -> list[Finding]:
    """Whole-event findings (row None): blocking when `run` would fail on them, else warnings."""
    found: list[Finding] = []
    name_col = event.roster.name_column
    if not find_column(roster.header, name_col):
        found.append(Finding(None, name_col, BLOCKING,
                             f"The roster has no name column '{name_col}' (event.toml [roster] "
                             "name_column): certificates and messages would have no name.",
                             (suggest(name_col, roster.header) + " Rename the column or set "
                              "roster.name_column in event.toml.").strip()))
    try:
        converter_name(event.template.converter)
    except ConfigError as exc:
        found.append(Finding(None, None, BLOCKING, str(exc)))
    try:
        valid_email(event.email.sender, "event.toml [email] sender")
    except ConfigError as exc:
        found.append(Finding(None, None, BLOCKING, str(exc),
                             "Put the address the certificates come from there."))
    if pictures is not None and QR_NAME not in pictures and QR_NAME not in placeholders:
        found.append(Finding(None, None, WARNING,
                             "The template has no picture named qr_code and no {{ qr_code }} "
                             "placeholder: the certificates will have no QR code.",
                             "In Word, right-click the sample QR picture > Edit Alt Text and type "
                             "qr_code (or type {{ qr_code }} where it goes)."))
    found += _overwritten(event, roster, columns)
    found += _left_from_init(event)
    optional = [n for n in event.template.optional if n not in placeholders]
    if optional:
        found.append(Finding(None, None, WARNING,
                             f"event.toml [template] optional names {', '.join(optional)}, which "
                             "the template does not use.", "Check the spelling or remove it."))
    return found


def _overwritten(event: Event, roster: Roster, columns: dict[str, str]) -> list[Finding]:
    """A status column named like a data column certkit reads would overwrite that data."""
    data = {event.roster.email_column, event.roster.name_column, *columns.values()}
    data = {find_column(roster.header, c) for c in data} - {""}
    found = []
    for kind, name in event.status_columns.names().items():
        col = find_column(roster.header, name)
        if col in data:
            found.append(Finding(None, col, BLOCKING,
                                 f"event.toml [status_columns] {kind} = '{name}' is the roster's "
                                 f"'{col}' column, which certkit reads: the status would overwrite "
                                 "it.", f"Give [status_columns] {kind} another name."))
    return found


def _left_from_init(event: Event) -> list[Finding]:
    """Settings still holding init's example values (see _examples.py), one warning each."""
    return [Finding(None, None, WARNING,
                    f"event.toml {f'[{s.table}] ' if s.table else ''}{s.key} = '{s.value}' is the "
                    f"example from certkit init ({s.label}).",
                    "Change it before sending for real.")
            for s in example_settings(event)]


def textbox_findings(rows: Sequence[Row], columns: dict[str, str], template: Path) -> list[Finding]:
    """Warnings for values too long for the fixed-size text box their placeholder sits in."""
    from ..docs import text_boxes

    try:
        boxes = text_boxes(template, list(columns))
    except Exception:  # a damaged .docx is reported by the template check
        return []
    found = []
    for box in boxes:
        col = columns[box.placeholder]
        for row in rows:
            value = row.get(col).strip()
            if value and box.clipped(value):
                found.append(Finding(row.number, col, WARNING,
                                     f"'{col}' is too long for the text box that shows "
                                     f"'{box.placeholder}' ({len(value)} characters): the end "
                                     "would be cut off.",
                                     "Shorten it, or make the text box bigger (or set it to "
                                     "resize to fit the text) in Word, then check the preview."))
    return found
