"""A pytest plugin (loaded by pyproject's addopts, so nothing test-related sits in the notebooks
folder organizers browse): nbval runs each notebook on a throw-away demo event, never on a folder
inside the repository, and its kernel imports this checkout's certkit."""

import os
import shutil
import tempfile
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)
FOLDER = tempfile.mkdtemp(prefix="certkit-nbval-")
os.environ["CERTKIT_EVENT"] = os.path.join(FOLDER, "demo-event")
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")]))


def pytest_unconfigure(config) -> None:
    """Remove the throw-away event when pytest ends (every pytest run made one, and kept it)."""
    shutil.rmtree(FOLDER, ignore_errors=True)
