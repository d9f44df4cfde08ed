"""Messages per second to a local aiosmtpd server: one reused connection vs one connection per message.

Run from the repository root:  python benchmarks/bench_smtp.py [N] [--tls]

Measured in the same run, each with a ~60 KB certificate-sized PDF attached:
  naive    a new connection (and TLS handshake), send_message, QUIT for every message
  reused   certkit's SmtpTransport: one connection for the batch, MAIL/RCPT/DATA step by step
  ledger   as `reused`, plus certkit's three SQLite commits per message (pending, handing over,
           result; synchronous=FULL), i.e. what `certkit run --send` does per message
"""

from __future__ import annotations

import os
import smtplib
import ssl
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from certkit.config import Event  # noqa: E402
from certkit.ledger import Ledger  # noqa: E402
from certkit.send import SmtpTransport, build_message  # noqa: E402
from tests.smtp_server import Sink, make_ca, start_server  # noqa: E402


def messages(folder: Path, n: int) -> list:
    """n certificate emails with a PDF-sized attachment."""
    pdf = folder / "c.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + os.urandom(60_000))
    event = Event(folder=folder)
    return [build_message(event, {"name": f"Person {i}"}, f"p{i}@example.org", pdf,
                          f"<certkit.CK-BENCH.{i}@example.org>", certificate_id=f"CK-{i}")
            for i in range(n)]


def naive(port: int, msgs: list, context: ssl.SSLContext | None) -> None:
    """One connection per message, as a plain smtplib loop (or yagmail's send) does."""
    for msg in msgs:
        if context:
            conn: smtplib.SMTP = smtplib.SMTP_SSL("127.0.0.1", port, context=context, timeout=30)
        else:
            conn = smtplib.SMTP("127.0.0.1", port, timeout=30)
        conn.send_message(msg)
        conn.quit()


def reused(port: int, msgs: list, context: ssl.SSLContext | None, ledger: Ledger | None = None) -> None:
    """certkit's transport: one connection for the whole batch (optionally with ledger commits)."""
    security = "ssl" if context else "none"
    with SmtpTransport("127.0.0.1", port, security=security, context=context, timeout=30) as transport:
        for i, msg in enumerate(msgs):
            if ledger is None:
                transport.send(msg)
                continue
            attempt = ledger.begin_attempt(f"CK-{i}", f"p{i}@example.org", "example.org")
            transport.send(msg, lambda a=attempt.id: ledger.handing_over(a))
            ledger.finish_attempt(attempt.id, "sent")


def measure(label: str, run, count: int) -> float:
    """Time one way of sending and print messages per second."""
    start = time.perf_counter()
    run()
    rate = count / (time.perf_counter() - start)
    print(f"  {label:<8} {rate:8.1f} messages/s")
    return rate


def main() -> None:
    """Run every way on the same server, plain and with implicit TLS, and print the figures."""
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), "200"))
    kinds = ["none", "ssl"] if "--tls" in sys.argv else ["none"]
    ca = make_ca()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        msgs = messages(folder, n)
        for tls in kinds:
            sink = Sink()
            server = start_server(sink, tls=tls, ca=ca)
            context = ca.client if tls == "ssl" else None
            print(f"{n} messages, {'implicit TLS' if context else 'plain'}, 127.0.0.1 aiosmtpd:")
            try:
                slow = measure("naive", lambda c=context, p=server.port: naive(p, msgs, c), n)
                fast = measure("reused", lambda c=context, p=server.port: reused(p, msgs, c), n)
                with Ledger(folder / f"bench-{tls}.db") as ledger:
                    for i in range(n):
                        ledger.assign(f"fp{i}", i + 2, f"p{i}@example.org", f"Person {i}", f"CK-{i}")
                    measure("ledger", lambda c=context, p=server.port, lg=ledger: reused(p, msgs, c, lg), n)
            finally:
                server.stop()
            assert len(sink.received) == 3 * n, len(sink.received)
            print(f"  reused / naive = {fast / slow:.1f}x")


if __name__ == "__main__":
    main()
