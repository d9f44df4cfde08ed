"""Notebook panels for sending nobody clicks: a send at a set time and the watcher, clicked as an
organizer would, on a real event (outbox transport, real LibreOffice)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from certkit import ui
from certkit.config import load_event


def sent(folder: Path) -> int:
    return len(list((folder / "out" / "outbox").glob("*.eml")))


def wait_for(condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not condition():
        time.sleep(0.1)
    assert condition()


def test_a_send_at_a_set_time_asks_waits_and_sends(ready_event, converter):
    panel = ui.ScheduledSend(ui.Session(load_event(ready_event), converter))
    assert panel.confirm() is None  # no question asked: nothing starts
    panel.when.value = (datetime.now() + timedelta(seconds=3)).strftime("%Y-%m-%d %H:%M:%S")
    assert panel.ask() and "23 to send" in panel.text()
    thread = panel.confirm()
    assert thread is not None and "Waiting until" in panel.text() and sent(ready_event) == 0
    thread.join(timeout=300)
    assert sent(ready_event) == 23 and "Done at" in panel.text()


def test_cancelling_a_scheduled_send_sends_nothing(ready_event, converter):
    panel = ui.ScheduledSend(ui.Session(load_event(ready_event), converter))
    panel.when.value = "2099-01-01 09:00"
    assert panel.ask()
    thread = panel.confirm()
    panel.stop_button.click()
    thread.join(timeout=60)
    assert "nothing was sent" in panel.text() and sent(ready_event) == 0


def test_a_time_that_is_no_time_is_explained(ready_event, converter):
    panel = ui.ScheduledSend(ui.Session(load_event(ready_event), converter))
    panel.when.value = "tomorrow morning"
    assert not panel.ask() and "not a time" in panel.text()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_the_watch_panel_sends_then_stops_on_click(ready_event, converter):
    panel = ui.WatchPanel(ui.Session(load_event(ready_event), converter))
    panel.every.value = 60.0
    assert panel.ask()
    thread = panel.confirm()
    wait_for(lambda: "Sent 23 certificate(s)" in panel.log.value)
    panel.stop_button.click()
    thread.join(timeout=120)
    assert not thread.is_alive() and "Stopped watching after 23" in panel.text()
    assert sent(ready_event) == 23
