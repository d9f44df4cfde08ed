"""Personal download links on the static verification site: the PDF beside its page, under an
unguessable path only its recipient was sent (`verify_base_url/ID/TOKEN/`)."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

from ..config import Event
from ..ledger import open_ledger
from ..status import REPLACED, REVOKED


def personal_page(page: str, cert_id: str, token: str, downloadable: bool) -> str:
    """A verification page as its recipient sees it at /ID/TOKEN/: links still resolved from /ID/,
    and a button to download the PDF (not for a revoked or replaced certificate)."""
    page = page.replace("<head>", '<head><base href="../">', 1)
    if downloadable:
        button = (f'<p><a class="button" id="download" href="{html.escape(token)}/{cert_id}.pdf">'
                  "Download your certificate (PDF)</a></p>")
        page = page.replace("</h1>", "</h1>" + button, 1)
    return page


def publish_links(event: Event, site: Path) -> int:
    """Add each mailed personal link's folder (page and PDF) to a published site; returns how many.

    Only certificates whose mail carried a link have one ([email] deliver = "link" or "both").
    """
    from ..site import site_page

    count = 0
    with open_ledger(event.folder) as ledger:
        tokens = dict(ledger.db.execute("SELECT cert_id, token FROM links").fetchall())
        for cert_id, token in tokens.items():
            record = ledger.get(cert_id)
            page = site_page(event, cert_id, ledger) if record else None
            if record is None or page is None or not (site / cert_id).is_dir():
                continue
            ok = record.status not in (REVOKED, REPLACED)
            folder = site / cert_id / token
            folder.mkdir(exist_ok=True)
            (folder / "index.html").write_text(personal_page(page, cert_id, token, ok), encoding="utf-8")
            if ok:
                shutil.copyfile(event.path(record.pdf), folder / f"{cert_id}.pdf")
            count += 1
    return count
