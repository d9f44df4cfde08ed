"""The `certkit` commands for a certificate's later life: reissue, revoke, history, and resend's
question when a row was corrected. Each parses nothing itself: cli.py adds the options."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def ask(prompt: str) -> bool:
    """A yes/no question on the terminal; without a terminal the answer is no."""
    if not sys.stdin.isatty():
        print(prompt + "(no terminal to answer; add --yes to confirm)")
        return False
    return input(prompt).strip().lower() == "yes"


def choose(prompt: str, choices: dict[str, str]) -> str:
    """One of several answers typed on the terminal ("" without a terminal or for no answer)."""
    if not sys.stdin.isatty():
        print(prompt + "(no terminal to answer)")
        return ""
    answer = input(prompt).strip().lower()
    return answer if answer in choices else ""


def cmd_reissue(args: argparse.Namespace) -> int:
    """After a row was corrected in the sheet: a new certificate (new ID and PDF) mailed to the
    person; the old one says Replaced, with a link to the new one. Asks before sending.

    Example: certkit reissue my-event --row 12
    """
    from .config import load_event
    from .run import plan_reissue, reissue

    event = load_event(args.folder)
    plan = plan_reissue(event, row=args.row)
    if not args.yes:
        print(plan.to_text(event))
        if not ask(f"Reissue and send 1 certificate to {plan.email}? Type 'yes': "):
            print("Nothing was changed or sent.")
            return 1
    summary = reissue(event, row=args.row)
    print(summary.to_text())
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    """Withdraw a certificate for good: its page says Revoked (with the date and the reason, which
    is public), the sheet's Status says Revoked, and it is never sent again.

    Example: certkit revoke my-event --id CK-7F3K-9QX2 --reason "Issued by mistake"
    """
    from .config import load_event
    from .run import revoke

    event = load_event(args.folder)
    if not args.yes and not ask(f"Revoke certificate {args.id} for good (the reason is shown on its "
                                "page)? Type 'yes': "):
        print("Nothing was changed.")
        return 1
    rec = revoke(event, args.id, args.reason or "")
    print(f"{rec.cert_id} ({rec.name}) is revoked. Make the verification site again (certkit "
          f"publish {args.folder}) so that its page says so.")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    """What happened to each certificate (issued, sent, resent, reissued, revoked), when, and by
    which command; print it, or write it to a CSV file.

    Example: certkit history my-event
             certkit history my-event --id CK-7F3K-9QX2
             certkit history my-event --csv history.csv
    """
    from .config import load_event
    from .run import history, history_rows, write_history_csv

    event = load_event(args.folder)
    entries = history(event, args.id, everything=args.all)
    if args.csv:
        count = write_history_csv(event, entries, args.csv)
        print(f"Wrote {count} line(s) to {args.csv}.")
        return 0
    if not entries:
        print("Nothing has happened yet.")
    for row in history_rows(event, entries):
        print(f"{row['When'][:16].replace('T', ' ')}  {row['Certificate ID']:<13}  {row['What']:<11}  "
              f"{row['Detail']}  [{row['Command']}]")
    return 0


def resend_corrected(args: argparse.Namespace, error: Exception) -> int:
    """resend found the row corrected since the PDF was made: reissue, send the old as is, or stop."""
    from .config import load_event
    from .run import resend, resend_target

    print(error)
    event = load_event(args.folder)
    answer = choose("[r] reissue a corrected certificate, [o] send the old one as it is, or Enter to "
                    "stop: ", {"r": "reissue", "o": "old"})
    if answer == "r":
        args.row = resend_target(event, row=args.row, email=args.email).row_number
        args.yes = False
        return cmd_reissue(args)
    if answer == "o":
        print(resend(event, row=args.row, email=args.email, to=args.to, as_is=True).to_text())
        return 0
    print("Nothing was sent.")
    return 1


def add_commands(add) -> None:
    """Add reissue, revoke and history to the parser (`add(name, handler)` makes a subparser)."""
    p = add("reissue", cmd_reissue)
    p.add_argument("folder", type=Path)
    p.add_argument("--row", type=int, required=True, help="the corrected row's number in the sheet")
    p.add_argument("--yes", action="store_true", help="do not ask before sending")
    p = add("revoke", cmd_revoke)
    p.add_argument("folder", type=Path)
    p.add_argument("--id", required=True, help="the certificate ID")
    p.add_argument("--reason", help="why, in a few words: shown on the certificate's page")
    p.add_argument("--yes", action="store_true", help="do not ask")
    p = add("history", cmd_history)
    p.add_argument("folder", type=Path)
    p.add_argument("--id", help="only this certificate (and those it replaced or was replaced by)")
    p.add_argument("--csv", type=Path, metavar="FILE", help="write it to this CSV file")
    p.add_argument("--all", action="store_true", help="also every internal status change")
