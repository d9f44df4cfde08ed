"""Ctrl-C (a real SIGINT to the `certkit` process) always ends with the stop message and exit 130,
wherever it lands (also inside the ledger's COMMIT), and the exit code tells a scheduled run how it
went: 0 done, 1 nothing sent because of problems to fix, 3 rows Failed or statuses not written."""

from __future__ import annotations

import random
import shutil
import signal
import sqlite3
import subprocess
import time

import openpyxl
import pytest

from certkit.config import save_setting

from . import test_kill
from .test_kill import ROOT, certkit, check_exactly_one, child_env, finish
from .test_pipeline import sheet_rows
from .test_reconcile import gmail_like, point_at

small_event = test_kill.small_event  # the 12-row event (PDFs made by each run, while it sends)
full_run = test_kill.full_run

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

STOP = "Stopped. Run the same command again"


def test_ctrl_c_anywhere_ends_with_the_stop_message_and_exit_130(small_event, imap, full_run,
                                                                 tmp_path):
    folder = tmp_path / "event"
    shutil.copytree(small_event, folder)
    sink, controller = gmail_like(imap, delay=0.02)
    rng = random.Random(12)
    codes: list[int] = []
    try:
        point_at(folder, controller.port, imap)
        for _ in range(6):
            proc = subprocess.Popen(certkit("run", str(folder), "--send", "--yes"), cwd=ROOT,
                                    env=child_env(), stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
            seen = len(sink.received)
            deadline = time.monotonic() + 60
            while len(sink.received) == seen and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)  # sending has begun (the mail stage, where stops matter)
            time.sleep(rng.uniform(0, full_run / 3))
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=60)
            assert "Traceback" not in err, err
            codes.append(proc.returncode)
            if proc.returncode in (0, 3):  # it had finished before the signal (3: a row Unknown)
                continue
            assert proc.returncode == 130 and STOP in err, (proc.returncode, err)
        assert 130 in codes, codes
        finish(folder)
        check_exactly_one(folder, sink)
    finally:
        controller.stop()


def test_exit_codes_say_failed_rows_and_blocked_rows(small_event, imap, tmp_path):
    folder = tmp_path / "event"
    shutil.copytree(small_event, folder)
    sink, controller = gmail_like(imap)
    refused = "amelie.dubois@example.org"
    sink.on_rcpt = lambda address: "550 5.1.1 No such user" if address == refused else None
    try:
        point_at(folder, controller.port, imap)
        run = subprocess.run(certkit("run", str(folder), "--send", "--yes"), cwd=ROOT,
                             env=child_env(), capture_output=True, text=True, timeout=120)
        assert run.returncode == 3, run.stdout + run.stderr  # one row Failed, 11 sent
        assert "Amélie Dubois): Failed" in run.stdout
    finally:
        controller.stop()
    help_text = subprocess.run(certkit("run", "--help"), cwd=ROOT, env=child_env(),
                               capture_output=True, text=True, timeout=60).stdout
    assert "Exit codes" in help_text and "130" in help_text


def test_exit_code_1_when_nothing_is_sent_because_every_row_needs_a_fix(small_event, tmp_path):
    folder = tmp_path / "event"
    shutil.copytree(small_event, folder)
    (folder / "certkit.db").unlink(missing_ok=True)  # a fresh event: nobody has a certificate yet
    book = openpyxl.load_workbook(folder / "roster.xlsx")
    for row in book.worksheets[0].iter_rows(min_row=2):
        if row[0].value:
            row[1].value = "not-an-address"
    book.save(folder / "roster.xlsx")
    run = subprocess.run(certkit("run", str(folder), "--send", "--yes"), cwd=ROOT, env=child_env(),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr


def test_kill_before_the_first_flush_then_a_corrected_name_gets_no_second_certificate(
        small_event, imap, tmp_path):
    folder = tmp_path / "event"
    shutil.copytree(small_event, folder)
    sink, controller = gmail_like(imap, delay=0.05)
    try:
        point_at(folder, controller.port, imap)
        save_setting(folder, "roster", {"flush_rows": 1000, "flush_seconds": 3600.0})
        proc = subprocess.Popen(certkit("run", str(folder), "--send", "--yes"), cwd=ROOT,
                                env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while len(sink.received) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        mailed = sink.received[0].rcpt_tos[0]
        book = openpyxl.load_workbook(folder / "roster.xlsx")
        sheet = book.worksheets[0]
        assert sheet.max_column == 6  # no status was ever written: the kill came first
        row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == mailed)
        row[0].value = f"{row[0].value} Jr."  # the organizer corrects the name
        book.save(folder / "roster.xlsx")
        finish(folder)
        assert sink.per_recipient()[mailed] == 1
        check_exactly_one(folder, sink)
        rows = {r["Email"]: r for r in sheet_rows(folder / "roster.xlsx").values()}
        assert "Changed in the sheet after it was sent" in rows[mailed]["Detail"]
        db = sqlite3.connect(folder / "certkit.db")
        assert db.execute("SELECT COUNT(*) FROM certificates").fetchone()[0] == len(rows)
        db.close()
    finally:
        controller.stop()
