"""Workbooks as organizers have them: formulas with cached values, saved by a spreadsheet program.

openpyxl writes formulas without values; LibreOffice Calc (`soffice --convert-to xlsx`, Debian
package libreoffice-calc-nogui) opens the file, computes every formula and saves the values with
it, as Excel and LibreOffice do for a real organizer.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import openpyxl


def calc_saved(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """Write `sheets` (title -> rows, "=..." cells as formulas) and let LibreOffice save them."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / path.name
        book.save(raw)
        out = Path(tmp) / "out"
        subprocess.run(
            [shutil.which("soffice") or "soffice", f"-env:UserInstallation=file://{tmp}/profile",
             "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(raw)],
            check=True, capture_output=True, timeout=120,
        )
        path.write_bytes((out / path.name).read_bytes())
    return path
