"""What the command line prints, the way an organizer meets it: a 1,000-row event whose run summary
fits on one screen, `status` before anything was made and piped into `head`, the help texts."""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest

from certkit.cli import FOLDER_HELP, build_parser, main
from certkit.config import update_setting
from certkit.status import FAILED, NOT_SENT, SENT
from certkit.summary import LISTED, NOT_ELIGIBLE, Outcome, RunSummary

SCREEN = 40  # lines a small terminal window shows


def cli(*args: str, **kw) -> subprocess.CompletedProcess:
    """`python -m certkit ARGS`, as typed in a terminal."""
    return subprocess.run([sys.executable, "-m", "certkit", *args], capture_output=True, text=True,
                          timeout=600, check=False, **kw)


@pytest.fixture
def big_event(event_dir):
    """The demo event with a 1,000-row CSV roster: 10 to certify, 30 bad addresses, the rest
    failing the eligibility filter (Attended == 'no')."""
    rows = []
    for i in range(1000):
        attended = "yes" if i < 40 else "no"
        email = f"person{i}@example.org"
        if 10 <= i < 40:
            email = f"person{i}@example"  # no dot after the @: blocked by the data check
        rows.append({"Full Name": f"Person Number {i}", "Email": email,
                     "Course": "Data Analysis with Python", "Completion Date": "2026-06-12",
                     "Score": "90", "Attended": attended})
    with (event_dir / "roster.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    update_setting(event_dir, "roster", {"source": "csv", "path": "roster.csv",
                                         "eligible": "Attended == 'yes'"})
    return event_dir


def test_a_1000_row_run_fits_on_one_screen_and_points_to_status_all(big_event):
    result = cli("run", str(big_event))
    assert result.returncode in (0, 1) and result.stderr == "", result.stderr  # exit codes: issue 12
    lines = result.stdout.splitlines()
    assert len(lines) <= SCREEN, result.stdout
    assert lines[0] == "30 blocked, 960 not eligible, 10 not sent"
    assert "Not eligible" not in result.stdout.split("\n", 1)[1]  # counted, never listed
    assert f"{30 - LISTED} more needing attention: certkit status {big_event} --all" in result.stdout
    status = cli("status", str(big_event))
    assert len(status.stdout.splitlines()) <= SCREEN, status.stdout
    assert "Blocked" in status.stdout and "Not eligible" in status.stdout
    every = cli("status", str(big_event), "--all")
    assert sum(1 for line in every.stdout.splitlines() if line.startswith("  row ")) == 1000


def test_status_piped_into_head_ends_without_a_traceback(big_event):
    piped = subprocess.run(f'"{sys.executable}" -m certkit status "{big_event}" --all | head -1',
                           shell=True, capture_output=True, text=True, timeout=600, check=False)
    assert piped.stdout.count("\n") == 1
    assert "Traceback" not in piped.stderr and "BrokenPipe" not in piped.stderr, piped.stderr


def test_status_before_anything_was_made_counts_every_row(event_dir, capsys):
    assert main(["status", str(event_dir)]) == 0
    out = capsys.readouterr().out
    assert "No certificate yet  23" in out and "Blocked             2" in out
    assert "row 11 Priya Raghunathan: Blocked: The email address" in out
    assert f"certkit run {event_dir}" in out


def test_run_summary_groups_by_outcome_and_lists_a_screenful():
    outcomes = [Outcome(i, f"P{i}", SENT) for i in range(2, 900)]
    outcomes += [Outcome(i, f"P{i}", FAILED, "550 no such user") for i in range(900, 950)]
    outcomes += [Outcome(i, f"P{i}", NOT_SENT, "Not eligible: x", group=NOT_ELIGIBLE)
                 for i in range(950, 1002)]
    text = RunSummary(outcomes, folder=None).to_text()
    lines = text.splitlines()
    assert lines[0] == "50 failed, 52 not eligible, 898 sent"
    assert lines[1] == "Failed (50):"
    assert len(lines) == 2 + LISTED + 1 and "38 more needing attention" in lines[-1]


def test_main_help_shows_whole_summaries_and_folder_is_described():
    text = build_parser().format_help()
    assert "sample certificates; exit 1 when something blocks" in " ".join(text.split())
    for command in ("check", "run", "status", "resend", "publish"):
        sub = cli(command, "--help").stdout
        assert FOLDER_HELP.split("(")[0].strip() in " ".join(sub.split()), command
