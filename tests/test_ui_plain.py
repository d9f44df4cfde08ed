"""Notebook words: no terminal command, settings section or raw network error; counts of every
status that refresh after an action; a blocked person found with the reason."""

from __future__ import annotations

import re

import pytest

from certkit import ui
from certkit.config import load_event
from certkit.run import run_demo

FORBIDDEN = re.compile(r"certkit (login|run|check|resend)|\[\w+\]|environment variable|"
                       r"HTTPSConnectionPool|Errno|Traceback")


@pytest.mark.parametrize("raw", [
    "No password for gmail account a@b.org. Run: certkit login gmail",
    "Fix [roster] worksheet in event.toml.",
    "In event.toml set [transport] host",
    "Or set the environment variable CERTKIT_SMTP_PASSWORD.",
    "The roster could not be read: ConnectionError: HTTPSConnectionPool(host='sheets.googleapis.com',"
    " port=443): Max retries exceeded ([Errno -2] Name or service not known)",
])
def test_library_messages_become_what_to_do_on_screen(raw):
    said = ui.plain(raw)
    assert not FORBIDDEN.search(said), said
    assert "notebook" in said or "internet connection" in said


def test_status_counts_blocked_rows_and_refresh_after_send(event_dir, converter):
    session = ui.Session(load_event(event_dir), converter=converter)
    summary = ui.StatusSummary(session)
    assert "Blocked: 2" in summary.text() and "No certificate yet: 23" in summary.text()
    send = ui.SendPanel(session)
    send.send_button.click()
    send.yes.click()
    assert "Sent: 23" in summary.text() and "Blocked: 2" in summary.text()  # refreshed by itself


def test_finding_a_blocked_person_says_why(event_dir, converter):
    run_demo(event_dir)
    session = ui.Session(load_event(event_dir), converter=converter)
    finder = ui.FindPerson(session)
    finder.query.value = "Priya"
    said = ui.strip_html(finder.status.value)
    assert "Row 11 (Priya Raghunathan) has no certificate yet: Blocked" in said
    assert "priya.r@example" in said and "Check again" in said
    finder.query.value = "nobody-like-this"
    assert "Nobody in the participants list matches" in ui.strip_html(finder.status.value)
