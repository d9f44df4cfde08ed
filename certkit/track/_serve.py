"""`certkit serve`: the verification pages and personal download links, with per-certificate counters.

A Starlette app (run by uvicorn) that sends the very pages `certkit publish` writes (certkit.site
makes them) and records, in the event's ledger, page views, PDF downloads and LinkedIn clicks.
The first opening through a recipient's personal link (`/ID/TOKEN/`) marks the row `Claimed`;
claims are written to the sheet in batches by the existing status write-back.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
from collections.abc import AsyncIterator

from ..config import Event
from ..errors import CertkitError, LedgerError
from ..ledger import Ledger, open_ledger
from ..sheets import RosterSource
from ..status import REPLACED, REVOKED
from ._links import personal_page

LINKEDIN = re.compile(r'(<a\b[^>]*\bid="linkedin"[^>]*\bhref=")([^"]*)(")')
NOT_FOUND = ("<!doctype html><meta charset='utf-8'><title>Not found</title>"
             "<p>No certificate has this address. Check the ID printed under the QR code.</p>")


def claimed_to_sheet(event: Event, source: RosterSource | None = None) -> int:
    """Write the statuses of newly claimed certificates to the sheet (one batched write).

    Skipped (0) while another certkit command works on the event: that run shows them itself.
    """
    from ..jobs import Run
    from ..sheets import open_roster
    from ..status import CLAIMED

    with open_ledger(event.folder) as ledger:
        waiting = [r for r in ledger.unsynced() if r.status == CLAIMED]
        if not waiting:
            return 0
        try:
            ledger.lock()
        except LedgerError:
            return 0
        run = Run(event, source or open_roster(event), ledger)
        for record in waiting:
            run.show(record)
        run.flush()
        return len(waiting) if not run.summary.sheet_errors else 0


class Tracker:
    """The app's state: the event, its ledger (opened in the server's thread) and the sheet."""

    def __init__(self, event: Event, source: RosterSource | None, flush_seconds: float):
        self.event, self.source, self.flush_seconds = event, source, flush_seconds
        self.ledger: Ledger | None = None

    @property
    def db(self) -> Ledger:
        """The open ledger."""
        assert self.ledger is not None, "the app's lifespan opens the ledger"
        return self.ledger

    def flush(self) -> None:
        """Claims to the sheet; a sheet that cannot be reached now is tried again later."""
        with contextlib.suppress(CertkitError):
            claimed_to_sheet(self.event, self.source)

    def page(self, cert_id: str) -> str | None:
        """The certificate's verification page as certkit.site makes it (LinkedIn link counted)."""
        from ..site import site_page

        found = site_page(self.event, cert_id, self.db)
        if found is None:
            return None
        return LINKEDIN.sub(lambda m: f"{m[1]}linkedin{m[3]}", found)

    def linkedin(self, cert_id: str) -> str | None:
        """Where the page's LinkedIn button leads, as certkit.site builds it."""
        from ..site import site_page

        found = site_page(self.event, cert_id, self.db)
        link = LINKEDIN.search(found or "")
        return html.unescape(link[2]) if link else None


def _count(request, cert_id: str, kind: str, personal: bool = False) -> None:
    """Count one opening (HEAD requests and test-copy previews only look)."""
    if request.method == "HEAD" or request.query_params.get("preview"):
        return
    tracker: Tracker = request.app.state.tracker
    if tracker.db.count(cert_id, kind, personal=personal):
        request.app.state.claimed.set()


def create_app(event: Event, *, source: RosterSource | None = None, flush_seconds: float | None = None):
    """The ASGI app of `certkit serve` for one event (Starlette)."""
    from starlette.applications import Starlette
    from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
    from starlette.routing import Route

    from ..site import badge_json, index_page

    tracker = Tracker(event, source, event.roster.flush_seconds if flush_seconds is None else flush_seconds)

    def missing() -> Response:
        return HTMLResponse(NOT_FOUND, status_code=404)

    async def index(request):
        return HTMLResponse(index_page(event))

    async def slash(request):
        return RedirectResponse(request.url.path + "/", status_code=308)

    async def certificate(request):
        cert_id = request.path_params["cert_id"].upper()
        page = tracker.page(cert_id)
        if page is None:
            return missing()
        _count(request, cert_id, "views")
        return HTMLResponse(page)

    async def badge(request):
        cert_id = request.path_params["cert_id"].upper()
        record = tracker.db.get(cert_id)
        if record is None or tracker.page(cert_id) is None:
            return missing()
        return JSONResponse(badge_json(event, record), media_type="application/ld+json")

    async def linkedin(request):
        cert_id = request.path_params["cert_id"].upper()
        url = tracker.linkedin(cert_id)
        if not url:
            return missing()
        _count(request, cert_id, "linkedin")
        return RedirectResponse(url, status_code=302)

    def mine(request) -> tuple[str, str] | None:
        cert_id, token = request.path_params["cert_id"].upper(), request.path_params["token"]
        return (cert_id, token) if tracker.db.token_matches(cert_id, token) else None

    async def personal(request):
        found = mine(request)
        page = tracker.page(found[0]) if found else None
        if page is None or found is None:
            return missing()
        record = tracker.db.get(found[0])
        ok = record is not None and record.status not in (REVOKED, REPLACED)
        _count(request, found[0], "views", personal=True)
        return HTMLResponse(personal_page(page, found[0], found[1], ok))

    async def download(request):
        found = mine(request)
        record = tracker.db.get(found[0]) if found else None
        if (found is None or record is None or not record.pdf
                or request.path_params["file"] != f"{found[0]}.pdf"):
            return missing()
        if record.status in (REVOKED, REPLACED):
            return HTMLResponse(f"<p>This certificate is {record.status.lower()}: see "
                                f'<a href="../">its page</a>.</p>', status_code=410)
        pdf = event.path(record.pdf)
        if not pdf.exists():
            return missing()
        _count(request, found[0], "downloads", personal=True)
        return FileResponse(pdf, media_type="application/pdf",
                            filename=f"Certificate {found[0]}.pdf")

    @contextlib.asynccontextmanager
    async def lifespan(app) -> AsyncIterator[None]:
        tracker.ledger = open_ledger(event.folder)
        app.state.tracker, app.state.claimed = tracker, asyncio.Event()
        task = asyncio.create_task(_flush_loop(app))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            tracker.db.close()
            await asyncio.to_thread(tracker.flush)  # nothing claimed stays unwritten at a stop

    routes = [
        Route("/", index),
        Route("/{cert_id}", slash),
        Route("/{cert_id}/", certificate),
        Route("/{cert_id}/linkedin", linkedin),
        Route("/{cert_id}/badge.json", badge),  # the Open Badges file certkit.site makes
        Route("/{cert_id}/{token}", slash),
        Route("/{cert_id}/{token}/", personal),
        Route("/{cert_id}/{token}/{file}", download),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


async def _flush_loop(app) -> None:
    """Write claims to the sheet in batches: at most once per flush_seconds, only after a claim."""
    tracker: Tracker = app.state.tracker
    while True:
        await app.state.claimed.wait()
        await asyncio.sleep(tracker.flush_seconds)
        app.state.claimed.clear()
        await asyncio.to_thread(tracker.flush)


def serve(event: Event, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """`certkit serve`: run the app with uvicorn until Ctrl-C."""
    try:
        import uvicorn
    except ImportError:
        raise CertkitError("certkit serve needs its extra: pip install 'certkit[serve]'.") from None
    uvicorn.run(create_app(event), host=host, port=port, log_level="warning")
