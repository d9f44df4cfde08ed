"""What the local roster files (XLSX, CSV) share: lock files, one update's cells, the safe save."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from ..errors import RosterError
from ._roster import StatusUpdate, find_column


def lock_file(path: Path) -> Path | None:
    """The lock file Excel (`~$name`) or LibreOffice (`.~lock.name#`) keeps beside an open file."""
    for name in (f"~${path.name}", f".~lock.{path.name}#"):
        if (path.parent / name).exists():
            return path.parent / name
    return None


def refuse_if_open(path: Path) -> None:
    """Raise RosterError when a spreadsheet program has the file open: a write would be lost."""
    lock = lock_file(path)
    if lock is not None:
        raise RosterError(
            f"{path.name} is open in Excel or LibreOffice ({lock.name} is beside it), so certkit did "
            "not write into it: your next save there would undo it, or it would undo yours. Close "
            "the file; the statuses are kept and written on the next run."
        )


def row_cells(
    up: StatusUpdate, columns: dict[str, str], header: list[str], targets: dict[str, int]
) -> dict[str, str]:
    """Column name -> text for one update: its status cells and its extra cells (e.g. a fixed email)."""
    cells = {columns[k]: v for k, v in up.values.items()}
    for name, text in up.extra.items():
        found = find_column(header, name)
        if found in targets:
            cells[found] = text
    return cells


def atomic_save(path: Path, save: Any) -> None:
    """Write via a temporary file in the same folder, then replace: never a half-written roster.
    The file keeps its permissions (a temporary file would make it readable by its owner only)."""
    mode = os.stat(path).st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    try:
        save(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except PermissionError as exc:
        raise RosterError(
            f"{path.name} could not be saved ({exc}). Close it in Excel or LibreOffice, then run again."
        ) from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
