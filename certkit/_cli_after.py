"""The `certkit` commands for after the event: the verification site (publish, verify, serve),
settling Unknown rows (reconcile), bounces and statistics. cli.py adds them to the parser."""

from __future__ import annotations

import argparse
from pathlib import Path

from .config import load_event


def cmd_publish(args: argparse.Namespace) -> int:
    """Write the verification site: one page per issued certificate, for the QR codes to open.

    Example: certkit publish my-event      (then upload my-event/out/verify-site to verify_base_url)
    """
    from .site import publish_site

    event = load_event(args.folder)
    site, count = publish_site(event, args.out)
    if event.email.deliver != "attach":  # the personal links mailed so far: page and PDF
        from .track import publish_links

        print(f"{publish_links(event, site)} personal download link(s) added beside their pages.")
    print(f"{count} certificate page(s) in {site}. Upload that folder so that "
          f"{event.verify_base_url}/<ID> opens each page.")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Check a certificate PDF or ID against the event's ledger, offline; exit 1 when not valid.

    Example: certkit verify my-event received.pdf
             certkit verify my-event CK-7F3K-9QX2
    """
    from .site import verify

    verdict = verify(load_event(args.folder), args.what)
    print(verdict.message)
    return 0 if verdict.valid else 1


def cmd_reconcile(args: argparse.Namespace) -> int:
    """Look for Unknown rows' messages in the Sent folder (Gmail over IMAP); found ones become Sent.

    Example: certkit reconcile my-event
    """
    from .send import reconcile

    event = load_event(args.folder)
    print(reconcile(event).to_text(event.folder))
    return 0


def cmd_bounces(args: argparse.Namespace) -> int:
    """Read the sender's inbox (read-only) for bounces since the first send; mark those rows Bounced.

    Each Bounced row's Detail says why ("no such address", "mailbox full", "refused as spam") and
    the command to resend. Auto-replies and people's replies are left alone.
    Example: certkit bounces my-event
    """
    from .send import find_bounces

    print(find_bounces(load_event(args.folder)).to_text())
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    """How the event went: certificates per status (bounces by reason), sent and claimed per day;
    the chart is saved as out/stats.png.

    Example: certkit stats my-event
             certkit stats my-event --chart report.png
    """
    from .run import event_status
    from .track import CHART_FILE, event_stats, stats_chart

    event = load_event(args.folder)
    rows = event_status(event)  # blocked rows and rows without a certificate are counted too
    stats = event_stats(event).with_rows(rows.counts())
    if rows.note:
        print(rows.note)
    print(stats.to_text())
    print(f"Chart: {stats_chart(stats, args.chart or event.out / CHART_FILE)}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the verification pages and personal download links; count views, downloads and
    LinkedIn clicks; the first opening of a personal link marks the row Claimed in the sheet.

    Runs until Ctrl-C. Put it behind your web server so that verify_base_url reaches it.
    Example: certkit serve my-event
             certkit serve my-event --port 8080
    """
    from .track import serve

    event = load_event(args.folder)
    print(f"Serving {event.name} on http://{args.host}:{args.port}/ (Ctrl-C stops). "
          f"{event.verify_base_url} must lead here.")
    serve(event, host=args.host, port=args.port)
    return 0


def add_commands(add, folder_help: str) -> None:
    """Add publish, verify, reconcile, bounces, stats and serve (`add(name, handler)` makes a
    subparser; `folder_help` explains the event folder argument)."""
    add("reconcile", cmd_reconcile).add_argument("folder", type=Path, help=folder_help)
    add("bounces", cmd_bounces).add_argument("folder", type=Path, help=folder_help)
    p = add("serve", cmd_serve)
    p.add_argument("folder", type=Path)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p = add("stats", cmd_stats)
    p.add_argument("folder", type=Path, help=folder_help)
    p.add_argument("--chart", type=Path, help="where to save the chart (default out/stats.png)")
    p = add("publish", cmd_publish)
    p.add_argument("folder", type=Path, help=folder_help)
    p.add_argument("--out", type=Path, help="where to write the site (default out/verify-site)")
    p = add("verify", cmd_verify)
    p.add_argument("folder", type=Path, help=folder_help)
    p.add_argument("what", help="a PDF file or a certificate ID")
