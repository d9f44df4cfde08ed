"""`certkit serve` over HTTP on 127.0.0.1 (uvicorn in a thread): pages, personal links, counters,
and `Claimed` written to the emulated Google Sheet."""

from __future__ import annotations

import threading
import time

import httpx
import uvicorn

from certkit.ledger import open_ledger
from certkit.run import run_event
from certkit.track import create_app

from . import test_links
from .smtp_server import free_port
from .test_gsheets_pipeline import sheet_by_email
from .test_links import _eml

linked = test_links.linked  # the fixture: five rows of the demo sent with deliver = "link"


class Served:
    """The app under uvicorn on a free loopback port, in a thread."""

    def __init__(self, app):
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "uvicorn did not start"
            time.sleep(0.02)
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=10)

    def stop(self) -> None:
        self.http.close()
        self.server.should_exit = True
        self.thread.join(timeout=20)
        assert not self.thread.is_alive()


def test_serve_counts_views_downloads_linkedin_and_claims_into_the_sheet(linked, sheets_emulator):
    event, source, key = linked
    with open_ledger(event.folder) as ledger:
        sent = [r for r in ledger.all() if r.status == "Sent"]
        first, second = sent[0], sent[1]
        token, token2 = ledger.link_token(first.cert_id), ledger.link_token(second.cert_id)
    served = Served(create_app(event, source=source, flush_seconds=0.1))
    try:
        http = served.http
        page = http.get(f"/{first.cert_id}/")
        assert page.status_code == 200 and first.name in page.text
        assert http.get(f"/{first.cert_id}").status_code in (200, 308)
        assert http.get("/CK-ZZZZ-ZZZZ/").status_code == 404
        assert http.get("/").status_code == 200
        badge = http.get(f"/{first.cert_id}/badge.json")  # the page's Open Badges link
        assert badge.status_code == 200 and badge.json()["id"].endswith(f"{first.cert_id}/badge.json")
        assert http.get(f"/{first.cert_id}/{token2}/").status_code == 404  # someone else's token
        assert http.get(f"/{second.cert_id}/{token2}/?preview=1").status_code == 200  # a test copy
        with open_ledger(event.folder) as ledger:
            assert ledger.get(first.cert_id).status == "Sent"  # the public page claims nothing
            assert ledger.get(second.cert_id).status == "Sent"

        mine = http.get(f"/{first.cert_id}/{token}/")
        assert mine.status_code == 200 and 'id="download"' in mine.text
        pdf = http.get(f"/{first.cert_id}/{token}/{first.cert_id}.pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.content == event.path(first.pdf).read_bytes()
        assert http.get(f"/{first.cert_id}/{token}/other.pdf").status_code == 404
        assert 'href="linkedin"' in page.text  # the page's "Add to profile" goes through serve
        go = http.get(f"/{first.cert_id}/linkedin")
        assert go.status_code == 302 and go.headers["location"].startswith("https://www.linkedin.com/")

        deadline = time.monotonic() + 20  # claims reach the sheet in the next batched write
        while sheet_by_email(sheets_emulator, key)[first.email]["Status"] != "Claimed":
            assert time.monotonic() < deadline, "Claimed never reached the sheet"
            time.sleep(0.1)
    finally:
        served.stop()
    sheet = sheet_by_email(sheets_emulator, key)
    assert sheet[first.email]["Status"] == "Claimed"
    assert sheet[second.email]["Status"] == "Sent"
    with open_ledger(event.folder) as ledger:
        counts = ledger.counters()
        c = counts[first.cert_id]
        assert (c["views"], c["downloads"]) == (2, 1) and c["claimed_at"]
        assert c["linkedin"] == 1
        assert second.cert_id not in counts  # a preview only looks
        assert ledger.get(first.cert_id).status == "Claimed"
    # a later run keeps the claim and mails nobody again
    before = len(_eml(event))
    run_event(event, send=True, rows=[2, 3, 4, 5, 6], source=source)
    assert len(_eml(event)) == before
    assert sheet_by_email(sheets_emulator, key)[first.email]["Status"] == "Claimed"


def test_the_serve_command_answers_on_loopback_and_stops_on_ctrl_c(event_dir):
    import os
    import signal
    import subprocess
    import sys

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "certkit", "serve", str(event_dir), "--port",
                             str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                reply = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None, "serve did not start"
                time.sleep(0.1)
        assert reply.status_code == 200 and "Check a certificate" in reply.text
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode in (0, 130)
    assert f"http://127.0.0.1:{port}/" in out.decode()
