"""`certkit run --send --at TIME`: waits (saying until when), then sends; Ctrl-C while waiting sends
nothing. And the time and duration words it accepts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from certkit.errors import ConfigError
from certkit.run import parse_at, parse_every

ROOT = Path(__file__).resolve().parent.parent


def certkit(*args: str, **kwargs) -> subprocess.Popen:
    """A certkit child process (this checkout), output captured."""
    return subprocess.Popen([sys.executable, "-m", "certkit", *args], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def sent_files(folder: Path) -> list[Path]:
    return sorted((folder / "out" / "outbox").glob("*.eml"))


def test_a_send_at_a_time_a_few_seconds_ahead_waits_then_sends(ready_event):
    start = datetime.now().replace(microsecond=0) + timedelta(seconds=4)
    proc = certkit("run", str(ready_event), "--send", "--yes", "--at", f"{start:%Y-%m-%d %H:%M:%S}")
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert f"Sending at {start:%Y-%m-%d %H:%M}" in out and "Ctrl-C cancels" in out
    assert "sending now" in out
    files = sent_files(ready_event)
    assert len(files) == 23
    assert min(f.stat().st_mtime for f in files) >= start.timestamp() - 1  # nothing left early


def test_ctrl_c_while_waiting_sends_nothing(ready_event):
    later = datetime.now() + timedelta(hours=2)
    proc = certkit("run", str(ready_event), "--send", "--yes", "--at", f"{later:%Y-%m-%d %H:%M}")
    deadline = time.monotonic() + 120
    line = ""
    while "Sending at" not in line and time.monotonic() < deadline:
        line = proc.stdout.readline()
        assert line or proc.poll() is None, proc.stderr.read()
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "nothing was sent" in err and "Traceback" not in err
    assert sent_files(ready_event) == []


def test_a_time_in_the_past_is_refused_before_anything_is_asked(ready_event):
    proc = certkit("run", str(ready_event), "--send", "--at", "2020-01-01 09:00")
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2 and "already passed" in err
    assert sent_files(ready_event) == []


def test_times_and_durations_in_words():
    now = datetime(2026, 12, 1, 20, 0).astimezone()
    assert parse_at("2026-12-02 09:00", now) == datetime(2026, 12, 2, 9, 0).astimezone()
    assert parse_at("09:00", now) == datetime(2026, 12, 2, 9, 0).astimezone()  # the next 09:00
    assert parse_at("21:30", now) == datetime(2026, 12, 1, 21, 30).astimezone()
    for bad in ("tomorrow", "2026-13-01 09:00", "25:00"):
        with pytest.raises(ConfigError, match="not a time"):
            parse_at(bad, now)
    assert [parse_every(x) for x in ("5m", "30s", "1h", "90", "1.5m")] == [300, 30, 3600, 90, 90]
    with pytest.raises(ConfigError):
        parse_every("often")
