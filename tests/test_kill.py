"""kill -9 at random points of `certkit run --send`, then run again: everyone gets exactly one message.

The SMTP server (and the IMAP server its accepted mail is filed to, as Gmail does) lives in this test
process; the sender is a child process killed with SIGKILL after a random delay, several times per
seed, then left to finish. Rows a kill left Unknown are settled from the Sent folder by the next run,
or resent by the organizer (`certkit resend --row N --yes`) when not found there.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl
import pytest

from certkit.run import init_event

from .imap_server import PASSWORD
from .smtp_server import Sink
from .test_pipeline import sheet_rows
from .test_reconcile import gmail_like, point_at

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # loopback

ROOT = Path(__file__).resolve().parent.parent
ROWS = 12
KILLS_PER_SEED = 3
REPLY_DELAY = 0.04  # the server thinks a moment before confirming: kills land there too


@pytest.fixture(scope="module")
def small_event(tmp_path_factory) -> Path:
    """A 12-row event (all addresses valid) with no PDFs yet: every run below converts while it
    sends (mail goes out as soon as the first chunk is verified), so kills land in both."""
    folder = init_event(tmp_path_factory.mktemp("kill") / "event")
    book = openpyxl.load_workbook(folder / "roster.xlsx")
    sheet = book.worksheets[0]
    sheet.delete_rows(11, 2)  # the invalid and the empty address
    sheet.delete_rows(ROWS + 2, sheet.max_row)
    book.save(folder / "roster.xlsx")
    return folder


def addresses(folder: Path) -> set[str]:
    """Every address in the roster."""
    return {r["Email"] for r in sheet_rows(folder / "roster.xlsx").values()}


def open_states(folder: Path) -> list[str]:
    """Attempt states a killed run left open (read-only look at the ledger)."""
    db = sqlite3.connect(f"file:{folder / 'certkit.db'}?mode=ro", uri=True)
    try:
        return [r[0] for r in db.execute(
            "SELECT state FROM attempts WHERE state IN ('pending', 'handing_over')")]
    except sqlite3.OperationalError:
        return []
    finally:
        db.close()


def ledger_rows(folder: Path) -> dict[int, str]:
    """Row number -> status in the ledger."""
    db = sqlite3.connect(folder / "certkit.db")
    rows = dict(db.execute("SELECT row_number, status FROM certificates"))
    db.close()
    return rows


def certkit(*args: str) -> list[str]:
    """The command line of a certkit child process."""
    return [sys.executable, "-m", "certkit", *args]


def child_env() -> dict[str, str]:
    """The environment of the child: this checkout's certkit, the mail password."""
    return {**os.environ, "PYTHONPATH": str(ROOT), "CERTKIT_SMTP_PASSWORD": PASSWORD}


def finish(folder: Path) -> list[int]:
    """Run to the end; then resend what is still Unknown (not in the Sent folder). Returns those rows."""
    done = subprocess.run(certkit("run", str(folder), "--send", "--yes"), cwd=ROOT, env=child_env(),
                          capture_output=True, text=True, timeout=120)
    unknown = sorted(n for n, s in ledger_rows(folder).items() if s == "Unknown")
    assert done.returncode == (3 if unknown else 0), done.stdout + done.stderr  # 3: rows Unknown
    for row in unknown:  # the organizer's decision: not in Sent, so it did not arrive
        again = subprocess.run(certkit("resend", str(folder), "--row", str(row), "--yes"), cwd=ROOT,
                               env=child_env(), capture_output=True, text=True, timeout=120)
        assert again.returncode == 0, again.stderr
    return unknown


def check_exactly_one(folder: Path, sink: Sink) -> None:
    """Every address got one message, and the ledger and the sheet say Sent."""
    counts = sink.per_recipient()
    assert counts == dict.fromkeys(addresses(folder), 1), counts
    assert set(ledger_rows(folder).values()) == {"Sent"}
    assert {r["Status"] for r in sheet_rows(folder / "roster.xlsx").values()} == {"Sent"}


@pytest.fixture(scope="module")
def full_run(small_event, imap, tmp_path_factory) -> float:
    """Seconds one uninterrupted child run takes (the range the random kills are drawn from)."""
    folder = tmp_path_factory.mktemp("full") / "event"
    shutil.copytree(small_event, folder)
    sink, controller = gmail_like(imap, delay=REPLY_DELAY)
    try:
        point_at(folder, controller.port, imap)
        start = time.monotonic()
        assert finish(folder) == []
        took = time.monotonic() - start
        check_exactly_one(folder, sink)
    finally:
        controller.stop()
    return took


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_sigkill_at_random_points_then_rerun_sends_exactly_one_each(seed, small_event, imap, full_run,
                                                                    tmp_path):
    folder = tmp_path / "event"
    shutil.copytree(small_event, folder)
    sink, controller = gmail_like(imap, delay=REPLY_DELAY)
    rng = random.Random(seed)
    story = []
    try:
        point_at(folder, controller.port, imap)
        for _ in range(KILLS_PER_SEED):
            proc = subprocess.Popen(certkit("run", str(folder), "--send", "--yes"), cwd=ROOT,
                                    env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            delay = rng.uniform(0.2, full_run)
            try:
                proc.wait(timeout=delay)
                story.append(f"finished before {delay:.2f}s")
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=30)
                story.append(f"killed at {delay:.2f}s after {len(sink.received)} received, "
                             f"open: {open_states(folder)}")
        resent = finish(folder)
        story.append(f"still Unknown after the Sent-folder check, resent: rows {resent}")
        print(f"seed {seed}: " + "; ".join(story))
        check_exactly_one(folder, sink)
    finally:
        controller.stop()


def test_a_kill_while_waiting_for_the_reply_is_settled_from_the_sent_folder(small_event, imap, tmp_path):
    folder = tmp_path / "event"
    shutil.copytree(small_event, folder)
    sink, controller = gmail_like(imap)
    sink.on_data = lambda msg, n, kept: setattr(sink, "delay", 20.0 if n == 4 else 0.0)
    try:
        point_at(folder, controller.port, imap)
        proc = subprocess.Popen(certkit("run", str(folder), "--send", "--yes"), cwd=ROOT,
                                env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while len(sink.received) < 4 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        time.sleep(0.2)  # the sender now waits for the reply to message 4
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert open_states(folder) == ["handing_over"] and len(sink.received) == 4
        sink.on_data, sink.delay = None, 0.0
        assert finish(folder) == []  # found in the Sent folder: Sent, not sent again
        db = sqlite3.connect(folder / "certkit.db")
        (detail,) = db.execute(
            "SELECT detail FROM attempts WHERE detail LIKE 'Found in the Sent%'").fetchone()
        db.close()
        assert "not sent again" in detail
        check_exactly_one(folder, sink)
    finally:
        controller.stop()


def test_a_killed_run_s_libreoffice_profile_is_removed_by_the_next_one(tmp_path):
    """kill -9 leaves no chance to clean up: the next converter removes the orphaned profile,
    and one that is merely dropped (a notebook kernel's) is removed without close()."""
    import gc

    from certkit.docs import LibreOfficeConverter

    code = ("import time; from certkit.docs import LibreOfficeConverter; "
            "c = LibreOfficeConverter(); print(c._profiles, flush=True); time.sleep(60)")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        orphan = Path(child.stdout.readline().strip())
        assert orphan.is_dir() and str(child.pid) in orphan.name
    finally:
        child.kill()
        child.wait(timeout=10)
    assert orphan.is_dir()  # nothing ran at the kill
    alive = Path(tempfile.mkdtemp(prefix=f"certkit-lo-{os.getppid()}-"))  # a living owner
    try:
        converter = LibreOfficeConverter()
        assert not orphan.exists()
        assert alive.is_dir()
        mine = converter._profiles
        del converter
        gc.collect()
        assert not mine.exists()
        with LibreOfficeConverter() as converter:
            mine = converter._profiles
        assert not mine.exists()
    finally:
        shutil.rmtree(alive, ignore_errors=True)
