"""Event folders: `init` scaffolds one (never overwriting), `demo` builds and runs the sample event."""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

from ..checks import update_mapping
from ..config import EVENT_FILE, Event, load_event, save_setting
from ..docs import install_template, prepare_template
from ..errors import ConfigError
from ..summary import RunSummary
from ._run import run_event


def _data(name: str) -> str:
    """A file shipped inside the package (certkit/data)."""
    return resources.files("certkit").joinpath("data", name).read_text(encoding="utf-8")


def write_sample_roster(target: Path) -> None:
    """The demo roster as a formatted .xlsx (bold header, sized columns, dates as dates)."""
    from datetime import date

    import openpyxl
    from openpyxl.styles import Font, PatternFill

    rows = list(csv.reader(_data("roster.csv").splitlines()))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Participants"
    sheet.append(rows[0])
    for rec in rows[1:]:
        rec_values: list[object] = list(rec)
        rec_values[3] = date.fromisoformat(rec[3])
        rec_values[4] = int(rec[4])
        sheet.append(rec_values)
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E79")
    for col, width in zip("ABCDEF", (42, 34, 28, 16, 8, 10)):
        sheet.column_dimensions[col].width = width
    for row in sheet.iter_rows(min_row=2, min_col=4, max_col=4):
        row[0].number_format = "yyyy-mm-dd"
    book.save(target)


def init_event(folder: str | Path, *, template: str = "classic", sample: bool = True) -> Path:
    """Create an event folder: event.toml, a template and (with `sample`) a sample roster.xlsx.

    The mapping is filled from the template's placeholders that name a roster column.
    Raises ConfigError when the folder already holds an event: init never overwrites.
    """
    folder = Path(folder)
    if (folder / EVENT_FILE).exists():
        raise ConfigError(
            f"{folder / EVENT_FILE} already exists; certkit init never overwrites. "
            "Choose a new folder name."
        )
    pictures = install_template(template, folder)
    if sample and not (folder / "roster.xlsx").exists():
        write_sample_roster(folder / "roster.xlsx")
    (folder / EVENT_FILE).write_text(_data("event.toml"), encoding="utf-8")
    event = load_event(folder)
    if pictures != event.template.pictures:
        save_setting(folder, "template", {"path": "template.docx", "pictures": pictures})
        event = load_event(folder)
    header = next(csv.reader(_data("roster.csv").splitlines()))
    prepared = prepare_template(folder / "template.docx", folder / ".certkit")
    update_mapping(event, prepared, header)
    return folder


def find_events(root: str | Path, depth: int = 2) -> list[Path]:
    """Event folders (holding event.toml) at `root` and up to `depth` levels below it, sorted."""
    root = Path(root)
    found = []
    for level in range(depth + 1):
        pattern = "/".join(["*"] * level + [EVENT_FILE])
        found += [p.parent for p in root.glob(pattern) if not any(
            part.startswith(".") for part in p.relative_to(root).parts)]
    return sorted(set(found))


def open_event(folder: str | Path, *, create: bool = False) -> Event:
    """The event in `folder`; with `create`, a new one (template and sample roster) when missing.

    Raises ConfigError when there is no event.toml and `create` is false, or it is invalid.
    """
    folder = Path(folder)
    if create and not (folder / EVENT_FILE).exists():
        init_event(folder)
    return load_event(folder)


def run_demo(folder: str | Path = "demo-event") -> RunSummary:
    """Create the demo event (if needed) and run it end to end through the outbox: nothing is mailed."""
    folder = Path(folder)
    if not (folder / EVENT_FILE).exists():
        init_event(folder)
    event = load_event(folder)
    if event.transport.backend != "outbox":
        raise ConfigError(
            f"{folder} is set to send real mail ({event.transport.backend}); the demo only uses the "
            "outbox. Use certkit run for real events."
        )
    return run_event(event, send=True)
