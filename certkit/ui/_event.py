"""Choosing the event folder, and the roster it reads (a file in the folder or a Google Sheet)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from ..config import update_setting
from ..errors import ConfigError
from ..run import describe_roster, find_events, init_event, open_event, read_roster
from ..sheets import worksheet_names
from ._base import LABEL, Panel, Session, wide, widgets

FIRST = "(the first worksheet)"


def shown_path(path: Path) -> str:
    """A folder as the organizer typed it: relative to the notebook's folder when inside it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


class EventPicker(Panel):
    """Pick an existing event folder or create a new one (template and sample roster included)."""

    title = "Event folder"

    def __init__(self, session: Session, root: str | Path | None = None):
        super().__init__()
        self.session = session
        self.root = Path(root or Path.cwd())
        options = [shown_path(p) for p in find_events(self.root)]
        current = shown_path(session.event.folder)
        self.folder = widgets.Combobox(
            value=current, options=sorted(set(options) | {current}), description="Event folder",
            placeholder="e.g. my-event", ensure_option=False, style=LABEL, layout=wide(),
        )
        self.open_button = widgets.Button(description="Open", icon="folder-open")
        self.create_button = widgets.Button(description="Create new event", icon="plus",
                                            layout=widgets.Layout(width="auto"))
        self.open_button.on_click(self.open)
        self.create_button.on_click(self.create)
        self.widget = widgets.VBox([
            widgets.HBox([self.folder, self.open_button, self.create_button]), self.status])
        self._opened()

    def _folder(self) -> Path:
        """The folder typed or chosen, or ConfigError when empty."""
        text = self.folder.value.strip()
        if not text:
            raise ConfigError("Type a folder name for the event, e.g. my-event.")
        path = Path(os.path.expanduser(text))
        return path if path.is_absolute() else self.root / path

    def open(self, _button: object = None) -> None:
        """Open the chosen event; every panel below switches to it."""
        event = self.attempt(lambda: open_event(self._folder()), "opening the event")
        if event is not None:
            self.session.set_event(event)
            self._opened()

    def create(self, _button: object = None) -> None:
        """Create a new event folder (never overwriting one) and open it."""
        folder = self.attempt(lambda: init_event(self._folder()), "creating the event")
        if folder is not None:
            self.session.set_event(open_event(folder))
            self._opened("Created. ")

    def _opened(self, prefix: str = "") -> None:
        """Say which event is open."""
        event = self.session.event
        self.say(f"{prefix}Working on '{event.name}' in {event.folder}. Its settings are in "
                 f"{event.folder / 'event.toml'}.", "ok")


class RosterPicker(Panel):
    """Where the participants are listed: a file in the event folder or a Google Sheet, which
    worksheet, and which columns hold the name and the email."""

    title = "Participants list"

    def __init__(self, session: Session):
        super().__init__()
        self.session = session
        cfg = session.event.roster
        self.kind = widgets.ToggleButtons(
            options=[("A file in the event folder", "file"), ("A Google Sheet", "sheets")],
            value="sheets" if cfg.source == "sheets" else "file",
            style={"description_width": "initial", "button_width": "auto"})  # never cut off
        self.file = widgets.Dropdown(description="File", style=LABEL, layout=wide())
        self.url = widgets.Text(value=cfg.url, description="Sheet address", style=LABEL, layout=wide(),
                                placeholder="https://docs.google.com/spreadsheets/d/...")
        self.list_button = widgets.Button(description="List its worksheets", icon="list")
        self.worksheet = widgets.Dropdown(description="Worksheet", style=LABEL, layout=wide())
        self.use_button = widgets.Button(description="Use this list", button_style="primary",
                                         icon="check")
        self.name_column = widgets.Dropdown(description="Name column", style=LABEL)
        self.email_column = widgets.Dropdown(description="Email column", style=LABEL)
        self.columns = widgets.HBox([self.name_column, self.email_column])
        self.sheet_box = widgets.HBox([self.url, self.list_button])
        self.kind.observe(lambda _c: self._show_kind(), "value")
        self.file.observe(lambda _c: self.list_worksheets(), "value")
        self.list_button.on_click(lambda _b: self.list_worksheets())
        self.use_button.on_click(self.use)
        self.name_column.observe(lambda c: self._save_column("name_column", c), "value")
        self.email_column.observe(lambda c: self._save_column("email_column", c), "value")
        self.widget = widgets.VBox([self.kind, self.file, self.sheet_box, self.worksheet,
                                    self.use_button, self.columns, self.status])
        self._loading = False
        session.on_change(self.load)
        self.load()

    def load(self) -> None:
        """Show the event's roster settings and read the roster once."""
        self._loading = True
        try:
            cfg = self.session.event.roster
            folder = self.session.event.folder
            files = sorted(p.name for p in folder.iterdir()
                           if p.suffix.lower() in (".xlsx", ".csv") and not p.name.startswith((".", "~")))
            if cfg.source != "sheets" and cfg.path not in files:
                files.append(cfg.path)
            self.file.options = files
            self.file.value = cfg.path if cfg.source != "sheets" else (files[0] if files else None)
            self.kind.value = "sheets" if cfg.source == "sheets" else "file"
            self.url.value = cfg.url
            self._worksheets(cfg.worksheet)
        finally:
            self._loading = False
        self._show_kind()
        self._read()

    def _settings(self) -> dict[str, str]:
        """The [roster] settings the widgets describe."""
        if self.kind.value == "sheets":
            return {"source": "sheets", "url": self.url.value.strip(),
                    "worksheet": self.worksheet.value or ""}
        name = self.file.value or ""
        source = "csv" if name.lower().endswith(".csv") else "xlsx"
        return {"source": source, "path": name, "worksheet": self.worksheet.value or ""}

    def _show_kind(self) -> None:
        """Show the file chooser or the sheet address, as chosen."""
        sheets = self.kind.value == "sheets"
        self.file.layout.display = "none" if sheets else ""
        self.sheet_box.layout.display = "" if sheets else "none"

    def _worksheets(self, keep: str = "") -> None:
        """Fill the worksheet list for the chosen file or sheet (nothing to choose for a CSV)."""
        event = self.session.event
        chosen = dataclasses.replace(event, roster=dataclasses.replace(
            event.roster, **{k: v for k, v in self._settings().items() if k != "worksheet"}))
        names = self.attempt(lambda: worksheet_names(chosen, self.session.source(chosen)),
                             "listing the worksheets") or []
        self.worksheet.options = [(FIRST, "")] + [(n, n) for n in names]
        self.worksheet.value = keep if keep in names else ""
        self.worksheet.layout.display = "" if names else "none"

    def list_worksheets(self) -> None:
        """Refresh the worksheet list after the file or the sheet address changed."""
        if not self._loading:
            self._worksheets(self.worksheet.value or "")

    def use(self, _button: object = None) -> None:
        """Save the choice into event.toml [roster] and read the roster to show it works."""
        settings = self._settings()
        if settings["source"] == "sheets" and not settings["url"]:
            self.say("Paste the Google Sheet's address (from the browser's address bar).", "warn")
            return
        update_setting(self.session.event.folder, "roster", settings)
        self.session.reload()

    def _read(self) -> None:
        """Read the roster; offer its columns for the name and the email."""
        roster = self.attempt(lambda: read_roster(self.session.event, self.session.source()),
                              "reading the roster")
        if roster is None:
            self.columns.layout.display = "none"
            return
        message, header = describe_roster(roster), roster.header
        cfg = self.session.event.roster
        self._loading = True
        try:
            for box, current in ((self.name_column, cfg.name_column),
                                 (self.email_column, cfg.email_column)):
                box.options = header if current in header else [*header, current]
                box.value = current
        finally:
            self._loading = False
        self.columns.layout.display = ""
        missing = [c for c in (cfg.name_column, cfg.email_column) if c not in header]
        if missing:
            self.say(f"{message}\nChoose the column that holds "
                     f"{' and '.join(repr(m) for m in missing)} below.", "warn")
        else:
            self.say(message, "ok")

    def _save_column(self, key: str, change: dict) -> None:
        """Save which column holds the name or the email."""
        if self._loading or not change["new"]:
            return
        update_setting(self.session.event.folder, "roster", {key: change["new"]})
        self.session.reload()
