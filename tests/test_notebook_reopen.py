"""Notebooks as organizers meet them a second time: reopened after use (no "model not found"), a
panel's cell run before the first one (no NameError), nothing test-related in their folder."""

from __future__ import annotations

import subprocess
import sys

import nbformat

from certkit._jupyter import RERUN, WIDGET_STATE, WIDGET_VIEW, strip_widget_outputs

from .test_notebooks import ROOT, kernel_env, run_notebook  # noqa: F401 - kernel_env is a fixture


def widget_output(model_id: str) -> dict:
    return {"output_type": "display_data", "metadata": {},
            "data": {WIDGET_VIEW: {"model_id": model_id, "version_major": 2, "version_minor": 0},
                     "text/plain": "Event folder"}}


def test_saving_replaces_widgets_that_cannot_come_back_with_a_plain_line():
    nb = {"metadata": {}, "cells": [
        {"cell_type": "code", "outputs": [widget_output("gone"),
                                          {"output_type": "stream", "text": "hello"}]},
        {"cell_type": "markdown", "source": "x"}]}
    strip_widget_outputs(model={"type": "notebook", "content": nb}, path="02.ipynb")
    assert nb["cells"][0]["outputs"][0]["data"] == {"text/plain": RERUN}
    assert nb["cells"][0]["outputs"][1] == {"output_type": "stream", "text": "hello"}


def test_saving_keeps_widgets_whose_state_is_saved_and_leaves_other_files_alone():
    nb = {"metadata": {"widgets": {WIDGET_STATE: {"state": {"kept": {}}}}},
          "cells": [{"cell_type": "code", "outputs": [widget_output("kept")]}]}
    strip_widget_outputs(model={"type": "notebook", "content": nb}, path="x.ipynb")
    assert WIDGET_VIEW in nb["cells"][0]["outputs"][0]["data"]
    other = {"type": "file", "content": "text"}
    strip_widget_outputs(model=other, path="notes.txt")
    assert other == {"type": "file", "content": "text"}


def test_the_jupyter_extension_is_switched_on_by_the_install():
    listed = subprocess.run([sys.executable, "-m", "jupyter", "server", "extension", "list"],
                            capture_output=True, text=True, timeout=120, check=False)
    text = listed.stdout + listed.stderr
    assert "certkit._jupyter" in text and "OK" in text.split("certkit._jupyter", 2)[-1][:200], text


def test_a_panel_run_before_the_first_cell_says_so_in_words(kernel_env, tmp_path):  # noqa: F811
    nb = nbformat.read(ROOT / "notebooks" / "02_run_event.ipynb", as_version=4)
    first = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    del nb.cells[first]  # the organizer skipped the first code cell
    path = tmp_path / "skipped.ipynb"
    nbformat.write(nb, path)
    text = "\n".join(run_notebook(path, kernel_env))  # raises on a NameError in any cell
    assert "first cell had not run yet" in text
    assert "Working on 'Data Skills Bootcamp 2026'" in text


def test_the_notebooks_folder_holds_no_test_code():
    assert not [p.name for p in (ROOT / "notebooks").iterdir() if p.suffix == ".py"]


def test_every_panel_cell_stands_on_its_own():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        for source in cells[1:]:  # the first cell starts the session; the others must not need it
            assert "from certkit import ui" in source and "session" not in source, (path.name, source)


def test_every_panel_function_works_without_a_session_argument():
    import inspect

    from certkit import ui

    for name in ui.__all__:
        obj = getattr(ui, name)
        if inspect.isfunction(obj) and "session" in inspect.signature(obj).parameters:
            assert inspect.signature(obj).parameters["session"].default is None, name
