"""The mapping editor: one dropdown per template placeholder, pre-filled by auto-mapping, saved into
event.toml as it changes, with a live preview of the chosen row's certificate."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..checks import check_event
from ..config import Event
from ..docs import (
    CERTKIT,
    CONSTANT,
    DATE,
    PICTURE,
    TEXT,
    PreparedTemplate,
    field_sources,
    preview,
    save_mapping,
)
from ..sheets import Roster, Row
from ._base import Panel, Session, note, widgets

EMPTY = "— leave empty —"
NAMES = {"description_width": "130px"}  # placeholder names line up


def column() -> widgets.Layout:
    """The width of one dropdown (a new layout for each widget: layouts must not be shared)."""
    return widgets.Layout(width="430px")

Previewer = Callable[[Event, Row, PreparedTemplate], Path]  # -> PNG of that row's certificate


def library_preview(session: Session) -> Previewer:
    """The library's preview, sharing the session's PDF converter."""
    return lambda event, row, prepared: preview(event, row, prepared=prepared,
                                                converter=session.converter()).png


def fixed_placeholders(event: Event, prepared: PreparedTemplate) -> dict[str, str]:
    """Placeholders that need no column, with where their text comes from, in words."""
    out = {}
    for name, source in field_sources(event, prepared.placeholders, pictures=prepared.pictures).items():
        if source.kind == DATE:
            spec = event.dates[name]
            out[name] = f"the date in column '{spec.column}', written as {spec.format}"
        elif source.kind == CONSTANT:
            out[name] = f"the same text for everyone: '{event.constants[name]}'"
        elif source.kind == TEXT:
            out[name] = f"made from columns: {event.fields[name]}"
        elif source.kind in (CERTKIT, PICTURE):
            out[name] = "filled in by certkit"
    return out


class MappingEditor(Panel):
    """One dropdown per placeholder (which column fills it) and a preview of one row."""

    title = "Which column fills each placeholder"

    def __init__(self, session: Session, previewer: Previewer | None = None):
        super().__init__()
        self.session = session
        self.previewer = previewer or library_preview(session)
        self.dropdowns: dict[str, widgets.Dropdown] = {}
        self.roster: Roster | None = None
        self.prepared: PreparedTemplate | None = None
        self.fields = widgets.VBox()
        self.fixed = widgets.HTML()
        self.notes = widgets.HTML()
        self.row = widgets.Dropdown(description="Preview of", style=NAMES, layout=column())
        self.row.observe(lambda _c: self.refresh_preview(), "value")
        self.image = widgets.Image(format="png", layout=widgets.Layout(
            width="600px", max_width="100%", border="1px solid #ccc"))
        self.preview_status = widgets.HTML(layout=widgets.Layout(width="600px"))
        left = widgets.VBox([self.fields, self.fixed, self.notes, self.status, self.row],
                            layout=widgets.Layout(width="440px", margin="0 16px 0 0"))
        right = widgets.VBox([self.preview_status, self.image])
        self.widget = widgets.Box([left, right], layout=widgets.Layout(
            display="flex", flex_flow="row wrap", align_items="flex-start"))
        self._loading = False
        session.on_change(self.load)
        self.load()

    def load(self) -> None:
        """Read the template and the roster (saving sure matches), build the dropdowns, preview."""
        event = self.session.event
        found = self.attempt(lambda: check_event(event, source=self.session.source(), save=True),
                             "reading the template and the roster")
        if found is None or found.prepared is None or found.roster is None or found.mapping is None:
            if found is not None:
                self.say(" ".join(f.text() for f in found.report.global_blocking()), "error")
            self.fields.children, self.row.options, self.image.value = (), [], b""
            self.roster = self.prepared = None
            return
        self.roster, self.prepared, result = found.roster, found.prepared, found.mapping
        status = set(event.status_columns.names().values())
        header = [h for h in found.roster.header if h not in status]
        self._build(found.prepared, header, result.mapping,
                    fixed_placeholders(event, found.prepared))
        lines = list(result.notes)
        if result.guessed:
            lines.append("Guesses are not saved yet: check them, then change the dropdown or "
                         "click 'Save as shown'.")
        self.notes.value = note("\n".join(lines), "warn") if lines else ""
        self.say("The sure matches are saved." if result.guessed else
                 "The matches are saved: the certificates use them.", "ok")
        name_col = event.roster.name_column
        self._loading = True
        try:
            self.row.options = [(f"Row {r.number}: {r.get(name_col).strip() or '(no name)'}",
                                 r.number) for r in found.roster.rows]
            self.row.value = found.roster.rows[0].number if found.roster.rows else None
        finally:
            self._loading = False
        self.refresh_preview()

    def _build(self, prepared: PreparedTemplate, header: list[str], mapping: dict[str, str],
               fixed: dict[str, str]) -> None:
        """One dropdown per placeholder that a column fills; a line for each fixed one."""
        self.dropdowns = {}
        options = [(EMPTY, ""), *[(h, h) for h in header]]
        for name in prepared.placeholders:
            if name in fixed:
                continue
            box = widgets.Dropdown(options=options, value=mapping.get(name, "") or "",
                                   description=f"{{{{ {name} }}}}", tooltip=name,
                                   style=NAMES, layout=column())
            box.observe(self.changed, "value")
            self.dropdowns[name] = box
        save = widgets.Button(description="Save as shown", icon="save")
        save.on_click(lambda _b: self.save())
        self.fields.children = (*self.dropdowns.values(), save)
        items = "".join(f"<li><code>{{{{ {html.escape(name)} }}}}</code>: {html.escape(where)}</li>"
                        for name, where in fixed.items())
        self.fixed.value = f"<ul style='margin:4px 0;padding-left:18px'>{items}</ul>" if items else ""

    def mapping(self) -> dict[str, str]:
        """Placeholder -> column as the dropdowns show it."""
        return {p: box.value for p, box in self.dropdowns.items() if box.value}

    def save(self) -> None:
        """Save the mapping as shown (guesses included) into event.toml."""
        event = self.session.event
        others = {p: c for p, c in event.mapping.items() if p not in self.dropdowns}
        self.attempt(lambda: save_mapping(event, {**others, **self.mapping()}), "saving")
        self.say("Saved: the certificates use these columns.", "ok")
        self.notes.value = ""

    def changed(self, _change: Any = None) -> None:
        """A dropdown changed: save, then redraw the preview."""
        if self._loading:
            return
        self.save()
        self.refresh_preview()

    def selected_row(self) -> Row | None:
        """The roster row chosen for the preview."""
        if self.roster is None:
            return None
        return next((r for r in self.roster.rows if r.number == self.row.value), None)

    def refresh_preview(self) -> None:
        """Render the chosen row's certificate and show it."""
        row = self.selected_row()
        if self._loading or row is None or self.prepared is None:
            return
        prepared = self.prepared
        self.preview_status.value = note(f"Drawing the certificate of row {row.number}…")
        png = self.attempt(lambda: self.previewer(self.session.event, row, prepared),
                           "drawing the preview",
                           into=self.preview_status)
        if png is None:
            self.image.value = b""
            return
        self.image.value = Path(png).read_bytes()
        self.preview_status.value = note(
            f"Row {row.number} as it will look (the certificate ID shown is a placeholder).", "ok")

    def text(self) -> str:
        """The mapping as lines, then the messages."""
        lines = [self.title]
        lines += [f"  {p} <- {c or '(empty)'}" for p, c in
                  ((p, b.value) for p, b in self.dropdowns.items())]
        lines += [super().text().removeprefix(self.title).strip()]
        return "\n".join(line for line in lines if line)
