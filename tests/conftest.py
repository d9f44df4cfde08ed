"""Shared fixtures: a demo event folder, a real SMTP server on loopback, one LibreOffice converter."""

from __future__ import annotations

from pathlib import Path

import pytest

from certkit.config import load_event, save_setting
from certkit.docs import LibreOfficeConverter
from certkit.run import init_event

from .imap_server import ImapServer
from .smtp_server import Sink, start_server

pytest_plugins = ["tests.conftest_sheets"]  # the Sheets API emulator: sheets_emulator, sheets_client


@pytest.fixture(scope="session")
def converter():
    """One LibreOffice converter (and its warm profiles) for the whole session."""
    with LibreOfficeConverter() as conv:
        yield conv


@pytest.fixture
def event_dir(tmp_path: Path) -> Path:
    """A fresh demo event folder (sample roster, bundled template, outbox transport)."""
    return init_event(tmp_path / "event")


@pytest.fixture
def event(event_dir: Path):
    """The demo event, loaded."""
    return load_event(event_dir)


@pytest.fixture
def smtp():
    """A real aiosmtpd server on 127.0.0.1 collecting messages; yields (sink, controller)."""
    sink = Sink()
    controller = start_server(sink)
    try:
        yield sink, controller
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def imap():
    """A real IMAP server (pymap) on 127.0.0.1 for the module: the Gmail-like Sent folder."""
    server = ImapServer()
    try:
        yield server
    finally:
        server.stop()


def use_smtp(event_dir: Path, port: int, **extra) -> None:
    """Point an event at a local SMTP server (plain, no login)."""
    save_setting(event_dir, "transport", {"backend": "smtp", "host": "127.0.0.1", "port": port,
                                          "security": "none", **extra})


@pytest.fixture(scope="session")
def ready_template(tmp_path_factory, converter) -> Path:
    """A demo event whose PDFs are made once per session (nothing sent): copied by `ready_event`."""
    from certkit.run import run_event

    folder = init_event(tmp_path_factory.mktemp("ready") / "event")
    run_event(load_event(folder), send=False, converter=converter)
    return folder


@pytest.fixture
def ready_event(ready_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo event with its 23 PDFs already made: sending tests start here."""
    import shutil

    target = tmp_path / "ready"
    shutil.copytree(ready_template, target)
    return target
