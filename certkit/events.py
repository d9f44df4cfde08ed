"""Event folders: `init` scaffolds one (never overwriting), `demo` builds and runs the sample event."""

from __future__ import annotations

import csv
import json
import shutil
from importlib import resources
from pathlib import Path

from .config import EVENT_FILE, load_event
from .errors import ConfigError
from .pipeline import RunSummary, run_event
from .templating import prepare_template

BUILTIN = {"certificate_id", "Certificate ID", "verify_url", "event_name", "qr_code"}


def _data(name: str) -> str:
    """A file shipped inside the package (certkit/data)."""
    return resources.files("certkit").joinpath("data", name).read_text(encoding="utf-8")


def templates_dir() -> Path:
    """The bundled templates: inside an installed package, or templates_docx/ in a checkout."""
    packaged = Path(str(resources.files("certkit"))) / "templates_docx"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "templates_docx"


def bundled_template(name: str) -> Path:
    """The bundled template called `name` (e.g. classic), or ConfigError listing them."""
    path = templates_dir() / f"{name}.docx"
    if not path.exists():
        names = sorted(p.stem for p in templates_dir().glob("*.docx"))
        raise ConfigError(f"There is no bundled template '{name}'. Choose one of: {', '.join(names)}.")
    return path


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


def _toml_str(text: str) -> str:
    """A TOML basic string."""
    return json.dumps(text, ensure_ascii=False)


def init_event(folder: str | Path, *, template: str = "classic", sample: bool = True) -> Path:
    """Create an event folder: event.toml, a template and (with `sample`) a sample roster.xlsx.

    Raises ConfigError when the folder already holds an event: init never overwrites.
    """
    folder = Path(folder)
    if (folder / EVENT_FILE).exists():
        raise ConfigError(
            f"{folder / EVENT_FILE} already exists; certkit init never overwrites. "
            "Choose a new folder name."
        )
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(bundled_template(template), folder / "template.docx")
    for asset in templates_dir().glob("assets/*"):
        shutil.copyfile(asset, folder / asset.name)
    if sample and not (folder / "roster.xlsx").exists():
        write_sample_roster(folder / "roster.xlsx")
    header = next(csv.reader(_data("roster.csv").splitlines()))
    prepared = prepare_template(folder / "template.docx", folder / ".certkit")
    mapping = auto_mapping(prepared.placeholders, header)
    lines = "\n".join(f"{_toml_str(k)} = {_toml_str(v)}" for k, v in mapping.items())
    (folder / EVENT_FILE).write_text(
        _data("event.toml").replace("__MAPPING__", lines), encoding="utf-8"
    )
    return folder


def auto_mapping(placeholders: list[str], header: list[str]) -> dict[str, str]:
    """Placeholder -> column for placeholders that name a column (case and spaces ignored)."""
    from .roster import normalize

    folded = {normalize(h).replace("_", " "): h for h in header}
    out = {}
    for name in placeholders:
        if name in BUILTIN or name in ("Organization", "Date"):
            continue
        column = folded.get(normalize(name).replace("_", " "))
        if column:
            out[name] = column
    return out


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
