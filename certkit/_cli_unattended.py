"""Commands for distribution without a person at the keyboard: watch, a send at a set time, bundle.

Registered by cli.py; each parses options, calls one library function, prints.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path


def cmd_watch(args: argparse.Namespace) -> int:
    """Keep watching the roster: each new eligible row gets its certificate mailed, exactly once.

    Looks at the roster every --every (default 5m), e.g. a Google Form's response sheet.
    Asks once before it starts sending (--yes: do not ask, for a service or scheduled task).
    Stop with Ctrl-C (or SIGTERM); start it again to go on where it stopped.
    Example: certkit watch my-event
             certkit watch my-event --every 2m --yes
    """
    from .config import load_event
    from .run import in_words, parse_every, watch_event

    every = parse_every(args.every)
    event = load_event(args.folder)
    if not args.yes and not args.confirm(event, None, watching=True):
        print("Nothing was sent; not watching.")
        return 1
    print(f"Watching {event.folder.name}: the roster is checked every {in_words(every)}. "
          "Stop with Ctrl-C; start again to continue.", flush=True)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        sent = watch_event(event, every=every, say=lambda text: print(text, flush=True))
    except KeyboardInterrupt:
        print(f"Stopped watching. Nothing is lost: start again with: certkit watch {args.folder}",
              flush=True)
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(f"Stopped watching after {sent} certificate(s).")
    return 0


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM (a service being stopped) stops the same safe way as Ctrl-C."""
    raise KeyboardInterrupt


def wait_for_start(at: str | None) -> bool:
    """For `run --at`: wait until the time, saying so; False when cancelled (nothing sent)."""
    if not at:
        return True
    from .run import in_words, local_time, parse_at, wait_until

    moment = parse_at(at)
    try:
        print(f"Sending at {local_time(moment)} (in {in_words(moment.timestamp() - time.time())}). "
              "Keep this window open and the computer awake. Ctrl-C cancels: nothing is sent.",
              flush=True)
        wait_until(moment)
    except KeyboardInterrupt:
        print("Cancelled before the set time: nothing was sent.", file=sys.stderr)
        return False
    print(f"It is {local_time(moment)}: sending now.", flush=True)
    return True


def check_at(at: str | None) -> None:
    """Refuse an --at that is not a future time, before anything is asked or made."""
    if at:
        from .run import parse_at

        parse_at(at)


def cmd_bundle(args: argparse.Namespace) -> int:
    """Put every issued certificate in one ZIP, for printing or archiving.

    The ZIP holds one PDF per person (named by person), one merged PDF of all of them in roster
    order (ready to print), and index.csv (who is on which page).
    Example: certkit bundle my-event          (writes my-event/out/certificates.zip)
             certkit bundle my-event --out ceremony.zip
    """
    from .config import load_event
    from .run import make_bundle

    print(make_bundle(load_event(args.folder), args.out).to_text())
    return 0


def add_commands(add, confirm) -> None:
    """Register watch and bundle with the main parser (`add(name, handler)` returns a subparser); `confirm`
    asks before sending, as `run --send` does."""
    p = add("watch", cmd_watch)
    p.set_defaults(confirm=confirm)
    p.add_argument("folder", type=Path, help="the event folder")
    p.add_argument("--every", default="5m", help="how often to look at the roster (default 5m)")
    p.add_argument("--yes", action="store_true", help="do not ask before sending")
    p = add("bundle", cmd_bundle)
    p.add_argument("folder", type=Path, help="the event folder")
    p.add_argument("--out", type=Path, help="the ZIP to write (default out/certificates.zip)")
