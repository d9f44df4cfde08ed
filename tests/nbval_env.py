"""A pytest plugin (loaded by pyproject's addopts, so nothing test-related sits in the notebooks
folder organizers browse): nbval runs each notebook on a throw-away demo event, never on a folder
inside the repository, and its kernel imports this checkout's certkit."""

import os
import tempfile
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)
os.environ["CERTKIT_EVENT"] = os.path.join(tempfile.mkdtemp(prefix="certkit-nbval-"), "demo-event")
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")]))
