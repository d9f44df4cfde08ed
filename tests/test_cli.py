"""The command line: help for every command, safe defaults, readable errors."""

from __future__ import annotations

import subprocess
import sys

from certkit import errors
from certkit.cli import COMMANDS, build_parser, main
from certkit.config import load_event

from .conftest import use_smtp


def run_cli(*args: str, cwd=None, stdin: str | None = None) -> subprocess.CompletedProcess:
    """`python -m certkit ARGS` in a subprocess, as a user would run it."""
    return subprocess.run([sys.executable, "-m", "certkit", *args], capture_output=True, text=True,
                          cwd=cwd, input=stdin, timeout=300, check=False)


def test_every_command_has_help():
    build_parser()
    for name, (handler, parser) in COMMANDS.items():
        assert handler.__doc__ and "Example:" in handler.__doc__, name
        assert parser.format_help().strip(), name


def test_help_works_from_python_dash_m():
    result = run_cli("--help")
    assert result.returncode == 0 and "demo" in result.stdout and "resend" in result.stdout


def test_send_without_a_terminal_or_yes_sends_nothing(event_dir, smtp):
    sink, controller = smtp
    use_smtp(event_dir, controller.port)
    result = run_cli("run", str(event_dir), "--send", stdin="")
    assert result.returncode == 1
    assert "Send 23 certificate(s) from Data Skills Bootcamp <certificates@example.org>" in result.stdout
    assert sink.messages == []


def test_run_with_limit_and_yes_sends_that_many(event_dir, smtp):
    sink, controller = smtp
    use_smtp(event_dir, controller.port)
    assert main(["run", str(event_dir), "--send", "--yes", "--limit", "3"]) == 0
    assert len(sink.messages) == 3


def test_init_never_overwrites(event_dir, capsys):
    assert main(["init", str(event_dir)]) == 2
    assert "never overwrites" in capsys.readouterr().err


def test_errors_read_as_one_line_with_what_to_do(tmp_path, capsys):
    assert main(["check", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "certkit init" in err and "Traceback" not in err


def test_check_exits_1_when_rows_block(event_dir, capsys):
    assert main(["check", str(event_dir)]) == 1
    out = capsys.readouterr().out
    assert "Row 11" in out and "priya.r@example" in out


def test_resend_to_a_corrected_address(event_dir, smtp):
    sink, controller = smtp
    use_smtp(event_dir, controller.port)
    main(["run", str(event_dir), "--send", "--yes"])
    assert main(["resend", str(event_dir), "--email", "ana.typo@example.org"]) == 2
    assert main(["resend", str(event_dir), "--email", "amelie.dubois@example.org",
                 "--to", "amelie.new@example.org", "--yes"]) == 0
    assert len(sink.to("amelie.new@example.org")) == 1
    assert len(sink.to("amelie.dubois@example.org")) == 1
    event = load_event(event_dir)
    from certkit.sheets import open_roster

    row = open_roster(event).read().rows[0]
    assert row.get("Email") == "amelie.new@example.org"
    assert "was amelie.dubois@example.org" in row.get("Detail")


def test_every_error_is_a_certkit_error():
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.CertkitError)


def test_a_picture_the_template_lacks_blocks_the_check(event_dir, capsys):
    from certkit.config import save_setting

    save_setting(event_dir, "template", {"path": "template.docx",
                                         "pictures": {"logo": "logo.jpg", "stamp": "stamp.png"}})
    assert main(["check", str(event_dir)]) == 1
    out = capsys.readouterr().out
    assert "'stamp'" in out and "Edit Alt Text" in out


def test_every_command_is_in_the_readme():
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    build_parser()
    missing = [n for n in COMMANDS if not re.search(rf"certkit {re.escape(n)}\b", readme)]
    assert missing == [], f"commands the README never shows: {missing}"


def test_progress_bars_draw_on_a_terminal_and_stay_silent_otherwise():
    import io

    from certkit._progress import ProgressBars

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    term, pipe = Terminal(), io.StringIO()
    for stream in (term, pipe):
        bars = ProgressBars(stream)
        for done in range(4):
            bars("render", done, 3)
        bars("send", 3, 3)
        bars.close()
    assert "Making PDFs" in term.getvalue() and "3/3" in term.getvalue()
    assert "Sending" in term.getvalue()
    assert pipe.getvalue() == ""
