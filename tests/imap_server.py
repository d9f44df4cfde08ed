"""A real IMAP server (pymap, in-memory) on 127.0.0.1 whose Sent folder the SMTP sink fills, as Gmail does."""

from __future__ import annotations

import imaplib
import socket
import subprocess
import sys
import threading
import time

from .smtp_server import free_port

USER, PASSWORD = "office@example.org", "imap-and-smtp-password"


class ImapServer:
    """pymap's dict back-end in a child process; `append` files a message in Sent."""

    def __init__(self, user: str = USER, password: str = PASSWORD):
        self.user, self.password, self.port = user, password, free_port()
        self.lock = threading.Lock()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from pymap.main import main; main()", "--host", "127.0.0.1",
             "--port", str(self.port), "dict", "--demo-data", "--demo-user", user,
             "--demo-password", password],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError("the pymap IMAP server did not start") from None
                time.sleep(0.05)

    def _client(self) -> imaplib.IMAP4:
        """A logged-in client."""
        conn = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        conn.login(self.user, self.password)
        return conn

    def append(self, raw: bytes, folder: str = "Sent") -> None:
        """File a message in Sent (what Gmail does with everything sent through its SMTP server),
        or in another folder (a bounce into INBOX)."""
        with self.lock:
            conn = self._client()
            try:
                typ, data = conn.append(folder, None, None, raw)
                assert typ == "OK", data
            finally:
                conn.logout()

    def sent_ids(self) -> list[str]:
        """The Message-IDs in Sent."""
        with self.lock:
            conn = self._client()
            try:
                conn.select("Sent", readonly=True)
                _, data = conn.search(None, "HEADER", "Message-ID", '"certkit."')
                ids = []
                for num in (data[0] or b"").split():
                    _, parts = conn.fetch(num, "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
                    ids.append(parts[0][1].decode().split(":", 1)[1].strip())
                return ids
            finally:
                conn.logout()

    def flags(self, folder: str = "INBOX") -> list[bytes]:
        """Every message's UID and flags in `folder` (read-only), to show nothing was touched."""
        with self.lock:
            conn = self._client()
            try:
                conn.select(folder, readonly=True)
                _, data = conn.fetch("1:*", "(UID FLAGS)")
                return sorted(d for d in data if isinstance(d, bytes))
            finally:
                conn.logout()

    def clear(self, folder: str = "Sent") -> None:
        """Empty a folder (Sent by default)."""
        with self.lock:
            conn = self._client()
            try:
                conn.select(folder)
                _, data = conn.search(None, "ALL")
                for num in (data[0] or b"").split():
                    conn.store(num, "+FLAGS", "\\Deleted")
                conn.expunge()
            finally:
                conn.logout()

    def stop(self) -> None:
        """Stop the server process."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
