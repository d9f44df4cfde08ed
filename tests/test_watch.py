"""`certkit watch` as a real child process against the emulated Google Sheet: rows appended while it
runs (as a Google Form adds them) each get exactly one certificate, across a SIGKILL and a restart;
SIGTERM stops it cleanly. In-process: one roster read per poll, and the daily limit waits."""

from __future__ import annotations

import email
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from email.utils import parseaddr
from pathlib import Path

import pytest

from certkit.config import load_event, save_setting, update_setting
from certkit.run import init_event, watch_event
from certkit.sheets import GoogleSheetSource

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["Timestamp", "Full Name", "Email", "Course", "Completion Date", "Score", "Attended"]


def form_row(i: int) -> list[str]:
    """One Google Form response."""
    return [f"2026-12-01 10:{i:02d}:00", f"Learner Number{i}", f"learner{i}@example.org",
            "Data Analysis with Python", "2026-06-12", "90", "yes"]


def append(emulator, key: str, rows: list[list[str]]) -> None:
    """Add rows below the last one, as a Google Form does with each response."""
    emulator.insert_rows(key, len(emulator.values(key)) + 1, rows)


def outbox_recipients(folder: Path) -> Counter:
    """How many messages each address got (the outbox transport: one .eml per message)."""
    found: Counter = Counter()
    for path in (folder / "out" / "outbox").glob("*.eml"):
        found[parseaddr(email.message_from_bytes(path.read_bytes())["To"])[1]] += 1
    return found


def statuses(emulator, key: str) -> list[str]:
    """The Status column of the sheet, row by row."""
    values = emulator.values(key)
    col = values[0].index("Status") if "Status" in values[0] else len(values[0])
    return [r[col] if len(r) > col else "" for r in values[1:]]


def wait_for(condition, timeout: float, proc: subprocess.Popen | None = None) -> None:
    """Poll `condition` until true (bounded); fail with the child's output if it died meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the watcher ended early ({proc.returncode}): {out}\n{err}")
        time.sleep(0.2)
    pytest.fail("timed out waiting")


@pytest.fixture
def form_event(tmp_path, sheets_emulator):
    """An event whose roster is a Form's response sheet in the emulator; mail goes to the outbox."""
    folder = init_event(tmp_path / "event")
    key = sheets_emulator.add_spreadsheet("Form responses", [HEADER] + [form_row(i) for i in range(3)])
    update_setting(folder, "roster", {"source": "sheets", "url": key})
    return folder, key


def start_watch(folder: Path, emulator, *extra: str) -> subprocess.Popen:
    """`certkit watch` in a child process talking to the emulator."""
    token = emulator.session().headers["Authorization"].split()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CERTKIT_TEST_TOKEN": token}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.google_child", emulator.url, "watch", str(folder),
         "--every", "1s", *extra],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_rows_appended_while_watching_get_one_certificate_each_across_a_kill(form_event, sheets_emulator):
    folder, key = form_event
    proc = start_watch(folder, sheets_emulator, "--yes")
    try:
        wait_for(lambda: len(outbox_recipients(folder)) == 3, 120, proc)
        append(sheets_emulator, key, [form_row(3), form_row(4)])
        wait_for(lambda: len(outbox_recipients(folder)) == 5, 120, proc)
        append(sheets_emulator, key, [form_row(5)])
        time.sleep(0.5)  # the next poll may be under way: the kill lands wherever it lands
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)

    append(sheets_emulator, key, [form_row(6)])
    proc = start_watch(folder, sheets_emulator, "--yes")  # the restart resumes
    try:
        wait_for(lambda: len(outbox_recipients(folder)) == 7, 120, proc)
        wait_for(lambda: statuses(sheets_emulator, key) == ["Sent"] * 7, 60, proc)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert proc.returncode == 0, err
    assert "Stopped watching" in out and "certkit watch" in out
    assert outbox_recipients(folder) == Counter({f"learner{i}@example.org": 1 for i in range(7)})
    assert statuses(sheets_emulator, key) == ["Sent"] * 7


def test_without_yes_and_without_a_terminal_the_watcher_does_not_start(form_event, sheets_emulator):
    folder, _key = form_event
    proc = start_watch(folder, sheets_emulator)
    out, _err = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "add --yes" in out and "Nothing was sent" in out
    assert not outbox_recipients(folder)


def test_each_poll_reads_the_roster_once_and_sends_nothing_twice(form_event, sheets_emulator, sheets_client,
                                                                  converter):
    folder, _key = form_event
    event = load_event(folder)
    source = GoogleSheetSource.from_event(event, client=sheets_client)
    said: list[str] = []
    assert watch_event(event, every=0.01, rounds=1, say=said.append, source=source,
                       converter=converter) == 3
    assert "Sent 3 certificate(s)" in said[0]
    sheets_emulator.clear_log()
    assert watch_event(event, every=0.01, rounds=3, say=said.append, source=source,
                       converter=converter) == 0
    reads = sheets_emulator.count("read")
    assert reads == 3, [(r.method, r.path) for r in sheets_emulator.log]
    assert sheets_emulator.count("write") == 0 and len(said) == 1  # quiet when nothing happens
    assert sum(outbox_recipients(folder).values()) == 3


def test_over_the_daily_limit_the_watcher_waits_and_says_until_when(form_event, sheets_client, converter):
    folder, _key = form_event
    save_setting(folder, "transport", {"backend": "outbox", "daily_limit": 2})
    event = load_event(folder)
    source = GoogleSheetSource.from_event(event, client=sheets_client)
    said: list[str] = []
    stop = threading.Event()
    thread = threading.Thread(target=watch_event, args=(event,), kwargs=dict(
        every=0.01, say=said.append, stop=stop, source=source, converter=converter), daemon=True)
    thread.start()
    try:
        wait_for(lambda: any("Next check" in s for s in said), 120)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not thread.is_alive()
    text = "\n".join(said)
    assert "Sent 2 certificate(s)" in text and "Daily sending limit reached" in text
    assert "tomorrow at" in text
    assert sum(outbox_recipients(folder).values()) == 2  # the third waits for the limit
