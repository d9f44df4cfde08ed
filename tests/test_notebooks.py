"""Every notebook runs top to bottom in a real Jupyter kernel on a demo event in a temp folder,
and is stored without outputs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from certkit.run import run_demo

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def run_notebook(path: Path, workdir: Path) -> list[str]:
    """Execute a notebook (cwd `workdir`) in a fresh kernel; return every text/plain output."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=240, startup_timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}})
    client.execute()  # raises CellExecutionError, naming the cell, when a cell fails
    return [out.get("data", {}).get("text/plain", "") or out.get("text", "")
            for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]


@pytest.fixture
def kernel_env(tmp_path, monkeypatch):
    """The kernel imports this checkout's certkit and works on an event under tmp_path."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT),
                                                                   os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("CERTKIT_EVENT", str(tmp_path / "event"))
    return tmp_path


def test_there_are_three_notebooks():
    assert [p.name for p in NOTEBOOKS] == [
        "01_connect.ipynb", "02_run_event.ipynb", "03_after_the_event.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path):
    stored = json.loads(path.read_text(encoding="utf-8"))  # nbformat.read adds missing ids itself
    missing = [i for i, cell in enumerate(stored["cells"]) if "id" not in cell]
    assert not missing, f"{path.name} cells {missing} have no id, which nbformat will refuse"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{path.name} cell {i} has outputs: run `nbstripout {path.relative_to(ROOT)}`")


def test_01_connect_runs(kernel_env):
    text = "\n".join(run_notebook(ROOT / "notebooks" / "01_connect.ipynb", kernel_env))
    assert (kernel_env / "event" / "event.toml").exists()  # made by ui.start()
    assert "Working on 'Data Skills Bootcamp 2026'" in text
    assert "Google account" in text and "Mail account" in text


def test_02_run_event_runs_on_the_demo_event(kernel_env):
    text = "\n".join(run_notebook(ROOT / "notebooks" / "02_run_event.ipynb", kernel_env))
    assert "Connected: 25 row(s) in roster.xlsx" in text
    assert "Course <- Course" in text  # the mapping editor, pre-filled
    assert "2 row(s) blocked" in text  # the data check on the sample roster
    assert "Send the certificates" in text
    assert not list((kernel_env / "event").glob("out/outbox/*.eml"))  # nothing sent unasked


def test_03_after_the_event_runs_after_a_demo_send(kernel_env):
    run_demo(kernel_env / "event")
    text = "\n".join(run_notebook(ROOT / "notebooks" / "03_after_the_event.ipynb", kernel_env))
    assert "Sent: 23" in text
    assert "Find a person" in text
    assert "No message has an unknown delivery" in text
    assert "Verification site" in text and "Check a certificate" in text
    assert not (kernel_env / "event" / "out" / "verify-site").exists()  # made only when clicked
