"""The `certkit` command: each subcommand parses options, calls one library function, prints."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ._cli_after import add_commands as add_after_commands
from ._cli_life import add_commands as add_life_commands
from ._cli_unattended import add_commands
from .errors import CertkitError

Handler = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, tuple[Handler, argparse.ArgumentParser]] = {}


def _load(args: argparse.Namespace):
    """The event in args.folder."""
    from .config import load_event

    return load_event(args.folder)


def cmd_init(args: argparse.Namespace) -> int:
    """Create an event folder with event.toml, a template and a sample roster.

    Example: certkit init my-event
    """
    from .run import init_event

    folder = init_event(args.folder, template=args.template)
    print(f"Created {folder}. Next: open {folder / 'event.toml'}, then run: certkit check {folder}")
    return 0


def cmd_templates(args: argparse.Namespace) -> int:
    """List the certificate templates shipped with certkit, each with a preview image.

    Example: certkit templates
             certkit init my-event --template modern
    """
    from .docs import bundled_templates

    for template in bundled_templates():
        print(f"{template.name:<12} {template.description}")
        if template.preview_png:
            print(f"{'':<12} preview: {template.preview_png}")
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    """Check a Word template: placeholders, named pictures, what certkit repairs, what to fix.

    Exits 1 when something must be fixed in Word.
    Example: certkit template check my-event/template.docx
             certkit template check my-event/template.docx --fix   (writes template-fixed.docx)
    """
    from .docs import check_template

    fixed = args.file.with_name(f"{args.file.stem}-fixed.docx") if args.fix else None
    check = check_template(args.file, repaired_copy=fixed)
    print(check.to_text())
    if fixed is not None:
        print(f"Wrote {fixed} (placeholders joined; {args.file.name} is unchanged).")
    return 0 if check.ok else 1


def cmd_demo(args: argparse.Namespace) -> int:
    """Build the demo event and run it end to end; mail goes to .eml files, nothing is sent.

    Example: certkit demo
    """
    from .run import run_demo

    summary = run_demo(args.folder)
    print(summary.to_text())
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Check everything `run --send` would meet (roster, columns, mapping, template, pictures,
    filter, settings, mail transport), render a few sample certificates; exit 1 when something
    blocks. Nothing is written, except with --accept-mapping (the matches, into event.toml).

    Example: certkit check my-event
             certkit check my-event --accept-mapping   (save the column matches, guesses too)
             certkit check my-event --preview 0        (no sample renders)
    """
    from .run import check

    event = _load(args)
    result = check(event, accept_guesses=args.accept_mapping, save=args.accept_mapping,
                   render=args.preview)
    print(result.to_text())
    return 1 if result.report.has_blocking() else 0


def cmd_run(args: argparse.Namespace) -> int:
    """Make every certificate; with --send, mail them (after a confirmation) and record statuses.

    Example: certkit run my-event            (PDFs only, nothing sent)
             certkit run my-event --test-to me@example.org --sample 3
                                             (3 typical certificates to yourself, marked TEST)
             certkit run my-event --send     (asks before sending)
             certkit run my-event --send --rows 3,7-9
             certkit run my-event --send --at "2026-12-02 09:00"   (waits, then sends)
    Exit codes: 0 finished; 1 nothing sent (or made) because of problems to fix first;
    2 certkit could not run (the message says why); 3 finished, but rows Failed or are Unknown,
    or statuses could not be written into the sheet; 130 stopped with Ctrl-C (run it again).
    """
    from ._cli_unattended import check_at, wait_for_start
    from ._progress import ProgressBars
    from .checks import parse_rows
    from .run import run_event

    event = _load(args)
    rows = parse_rows(args.rows) if args.rows else None
    if args.test_to and rows is None and not args.sample:
        args.sample = 3  # a test goes to one inbox: never the whole roster
    check_at(args.at)
    checked = None
    if args.test_to:
        _check_address(args.test_to)
    elif args.send and not args.yes:
        from .checks import check_event

        checked = check_event(event)  # read and checked once: the run goes on from it
        if not _confirm_send(event, args.limit, at=args.at, checked=checked):
            print("Nothing was sent.")
            return 1
    if not wait_for_start(args.at):
        return 130
    bars = ProgressBars()
    try:
        summary = run_event(event, send=args.send, limit=args.limit, rows=rows, sample=args.sample,
                            test_to=args.test_to, progress=bars, write_sheet=args.write_sheet,
                            preflight=None if args.at else checked)
    finally:
        bars.close()
    print(summary.to_text())
    if args.test_to:
        print(f"Test sent to {args.test_to} (subject starts with TEST); nothing was marked in "
              "the sheet.")
    elif not args.send:
        print(f"Nothing was sent. To send: certkit run {args.folder} --send")
    return summary.exit_code()


def _check_address(address: str, option: str = "--test-to") -> None:
    """Refuse an address the check would refuse (not an address, a mistyped domain)."""
    from .emails import valid_email

    valid_email(address, option)


def _confirm_send(event, limit: int | None, *, at: str | None = None, watching: bool = False,
                  checked=None) -> bool:
    """Ask before sending, naming the count, what the daily quota allows, and the sender."""
    from .checks import describe_examples, example_settings
    from .run import send_plan

    plan = send_plan(event, limit=limit, preflight=checked)
    print(plan.to_text())
    examples = describe_examples(example_settings(event))
    if examples:
        print(f"Warning: {examples} They are in {event.folder / 'event.toml'}.")
    if watching or at:
        what = ("now, and then each new eligible row as it appears," if watching else
                f"at {at} (with any rows that become eligible by then)")
        return _ask(f"Send {plan.allowed_now} certificate(s) {what} from {plan.sender} via "
                    f"{plan.backend}? Type 'yes': ")
    if plan.allowed_now == 0:
        return plan.to_send == 0
    prompt = f"Send {plan.allowed_now} certificate(s) from {plan.sender} via {plan.backend}? Type 'yes': "
    return _ask(prompt)


def _ask(prompt: str) -> bool:
    """A yes/no question on the terminal; without a terminal the answer is no."""
    from ._cli_life import ask

    return ask(prompt)


def cmd_status(args: argparse.Namespace) -> int:
    """Show where every row stands: how many in each status, and the rows needing attention.

    Rows that are blocked, not eligible or have no certificate yet are counted too.
    Example: certkit status my-event
             certkit status my-event --all      (every row, one line each)
    """
    from .run import event_status

    event = _load(args)
    print(f"{event.name}: reading the participants list and the ledger…", flush=True)
    print(event_status(event).to_text(str(args.folder), every_row=args.all))
    return 0


def cmd_resend(args: argparse.Namespace) -> int:
    """Send one person's existing certificate again (the same PDF), optionally to a corrected address.

    Example: certkit resend my-event --email old@example.org --to new@example.org
             certkit resend my-event --row 12
             certkit resend my-event --row 12 --as-is   (the row was corrected since: send the old PDF)
    """
    from .errors import RowCorrected
    from .run import check_resend, resend, resend_target

    event = _load(args)
    if args.to:
        _check_address(args.to, "--to")  # refused as the check refuses it, before asking
    if not args.as_is:
        try:
            check_resend(event, row=args.row, email=args.email)
        except RowCorrected as exc:
            from ._cli_life import resend_corrected

            return resend_corrected(args, exc)
    if not args.yes:
        rec = resend_target(event, row=args.row, email=args.email)
        who = f"{event.email.sender_name} <{event.email.sender}>"
        prompt = (f"Resend certificate {rec.cert_id} (row {rec.row_number}, {rec.name}, now "
                  f"{rec.status}) to {args.to or rec.email} from {who}? Type 'yes': ")
        if not _ask(prompt):
            print("Nothing was sent.")
            return 1
    summary = resend(event, row=args.row, email=args.email, to=args.to, as_is=args.as_is)
    print(summary.to_text())
    return 0


def cmd_login(args: argparse.Namespace) -> int:
    """Store the mail password (Gmail: an app password) in this computer's keyring.

    Example: certkit login gmail
             certkit login smtp --host smtp.example.org --username me@example.org
    """
    from .send import ENV_DEFAULTS, keyring_service, store_password

    username, host = args.username, args.host
    if args.folder:
        cfg = _load(args).transport
        username, host = username or cfg.username, host or cfg.host
    if not username:
        username = input("Your Gmail address: " if args.backend == "gmail" else "Login name: ").strip()
    if args.backend == "smtp" and not host:
        raise _config_error("certkit login smtp needs --host (or an event folder with [transport] host).")
    label = "Gmail app password (16 letters)" if args.backend == "gmail" else "Password"
    secret = _read_secret(f"{label} for {username}: ")
    if args.backend == "gmail":
        secret = secret.replace(" ", "")
    store_password(keyring_service(args.backend, host or ""), username, secret,
                   ENV_DEFAULTS[args.backend])
    print(f"Stored in this computer's keyring. In event.toml set [transport] backend = "
          f"\"{args.backend}\" and username = \"{username}\".")
    return 0


def _read_secret(prompt: str) -> str:
    """A password from the terminal without echo, or one line from standard input."""
    import getpass

    if sys.stdin.isatty():
        return getpass.getpass(prompt).strip()
    return sys.stdin.readline().strip()


def _config_error(text: str) -> CertkitError:
    """A ConfigError (imported late to keep startup light)."""
    from .errors import ConfigError

    return ConfigError(text)


FOLDER_HELP = "the event folder (holds event.toml; made by certkit init)"


def _summary(doc: str) -> str:
    """A command's one-line summary for the main help: its docstring's first paragraph."""
    first = doc.split("\n\n")[0].split("Example:")[0]
    return " ".join(first.split())


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="certkit",
        description="Issue certificates from a roster sheet: template, PDF, mail, status.",
        epilog="Exit codes: 0 done; 1 nothing sent because of problems to fix first (or a check "
        "failed); 2 certkit could not run; 3 finished with Failed or Unknown rows, or statuses "
        "not written; 130 stopped with Ctrl-C.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, handler: Handler) -> argparse.ArgumentParser:
        doc = (handler.__doc__ or "").strip()
        p = sub.add_parser(
            name, help=_summary(doc), description=doc,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.set_defaults(handler=handler)
        COMMANDS[name] = (handler, p)
        return p

    p = add("init", cmd_init)
    p.add_argument("folder", type=Path, help="the new event folder to create (e.g. my-event)")
    p.add_argument("--template", default="classic",
                   help="bundled template name (default classic; see: certkit templates)")
    add("templates", cmd_templates)
    p = add("template", cmd_template)
    p.add_argument("action", choices=["check"])
    p.add_argument("file", type=Path, help="the .docx template")
    p.add_argument("--fix", action="store_true", help="also write FILE-fixed.docx, repaired")
    p = add("demo", cmd_demo)
    p.add_argument("folder", type=Path, nargs="?", default=Path("demo-event"),
                   help="where to build the demo event (default demo-event)")
    p = add("check", cmd_check)
    p.add_argument("folder", type=Path, help=FOLDER_HELP)
    p.add_argument("--accept-mapping", action="store_true",
                   help="also save the guessed (closest-spelling) column matches")
    p.add_argument("--preview", type=int, default=3, metavar="N",
                   help="render N representative certificates and check they fit (default 3)")
    p = add("run", cmd_run)
    p.add_argument("folder", type=Path, help=FOLDER_HELP)
    p.add_argument("--send", action="store_true", help="mail the certificates (asks first)")
    p.add_argument("--yes", action="store_true", help="do not ask before sending")
    p.add_argument("--limit", type=int, help="at most N certificates in this run")
    p.add_argument("--write-sheet", action="store_true",
                   help="without --send: still show the statuses (PDF ready) in a roster file; by "
                   "default a run that only makes PDFs leaves the file as it is")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--rows", metavar="SPEC", help="only these sheet rows, e.g. 3,7-9")
    which.add_argument("--sample", type=int, metavar="N",
                       help="only N representative rows (longest name, other scripts, ...)")
    p.add_argument("--at", metavar="TIME",
                   help='wait until this local time, then run, e.g. "2026-12-02 09:00"')
    p.add_argument("--test-to", metavar="ADDRESS",
                   help="send to this address instead (subject marked TEST; the sheet is "
                   "untouched); without --rows, a sample of 3")
    p = add("status", cmd_status)
    p.add_argument("folder", type=Path, help=FOLDER_HELP)
    p.add_argument("--all", action="store_true", help="list every row, not only those needing attention")
    p = add("resend", cmd_resend)
    p.add_argument("folder", type=Path, help=FOLDER_HELP)
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--row", type=int, help="the row number in the sheet")
    who.add_argument("--email", help="the address the certificate went to")
    p.add_argument("--to", help="send to this corrected address instead")
    p.add_argument("--yes", action="store_true", help="do not ask before sending")
    p.add_argument("--as-is", action="store_true",
                   help="send the existing PDF even though the row was corrected since")
    p = add("login", cmd_login)
    p.add_argument("backend", choices=["gmail", "smtp"])
    p.add_argument("folder", type=Path, nargs="?", help="event folder to take the username from")
    p.add_argument("--username", default="", help="the login (Gmail: your address)")
    p.add_argument("--host", default="", help="the SMTP server (smtp only)")
    add_commands(add, _confirm_send)
    add_life_commands(add)  # reissue, revoke, history
    add_after_commands(add, FOLDER_HELP)  # reconcile, bounces, serve, stats, publish, verify
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; errors print as one readable message and exit 2.

    Output piped into a program that stops reading (`certkit status x | head -1`) ends quietly.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0
    from .ledger import acting_as

    words = list(sys.argv[1:] if argv is None else argv)
    try:
        with acting_as(shlex.join(["certkit", *words])):
            try:
                return args.handler(args)
            finally:
                sys.stdout.flush()  # a closed pipe shows up here, inside the handler below
    except BrokenPipeError:
        _quiet_stdout()
        return 141  # what a shell reports for a program stopped by a closed pipe (128 + SIGPIPE)
    except CertkitError as exc:
        print(f"certkit: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Stopped. Run the same command again to continue where it stopped.", file=sys.stderr)
        return 130


def entry() -> None:
    """The `certkit` program: run `main`, then ignore a Ctrl-C that lands while Python shuts down
    (worker threads joining), which would otherwise end a finished run as killed, with no message."""
    import signal

    code = main()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(code)


def _quiet_stdout() -> None:
    """Point stdout at the null device, so Python's final flush does not complain again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (e.g. captured in tests)
        pass
