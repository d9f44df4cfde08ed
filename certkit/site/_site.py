"""Verification without a SaaS: a static site of one page per certificate, and an offline file check."""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..config import Event
from ..errors import CertkitError
from ..ledger import Record, open_ledger

VALID = {"Sent", "Claimed", "Bounced"}  # issued; a bounce is a mail problem, not a revocation
ID_PATTERN = re.compile(r"^[A-Z0-9]{2,8}-[A-Z0-9]{4}-[A-Z0-9]{4}$")

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem;
       color: #1f2937; }}
.badge {{ display: inline-block; padding: .3rem .8rem; border-radius: 1rem; font-weight: 600; }}
.valid {{ background: #dcfce7; color: #166534; }} .invalid {{ background: #fee2e2; color: #991b1b; }}
dt {{ color: #6b7280; margin-top: .8rem; }} dd {{ margin: 0; font-size: 1.1rem; }}
code {{ word-break: break-all; font-size: .8rem; }}
</style></head><body>
{body}
</body></html>
"""


@dataclass
class Verdict:
    """What an offline check found: whether the file or ID is a genuine, valid certificate."""

    valid: bool
    message: str
    record: Record | None = None


def sha256(path: Path) -> str:
    """The SHA-256 of a file, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def shown_fields(event: Event, record: Record) -> list[tuple[str, str]]:
    """What a verification page shows: the holder and what the certificate says, never the email."""
    skip = {"certificate_id", "Certificate ID", "verify_url", "qr_code", event.roster.email_column}
    rows = [("Awarded to", record.name)]
    rows += [(k, v) for k, v in record.fields.items() if k not in skip and v and v != record.name]
    return rows


def _page(event: Event, record: Record, digest: str) -> str:
    """One certificate's verification page; every value HTML-escaped."""
    ok = record.status in VALID
    e = html.escape
    badge = (
        '<p class="badge valid">Valid certificate</p>' if ok
        else f'<p class="badge invalid">Not valid: {e(record.status.lower())}</p>'
    )
    items = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in shown_fields(event, record))
    issued = f"<dt>Issued</dt><dd>{e(record.sent_at[:10])}</dd>" if record.sent_at else ""
    body = (
        f"<h1>{e(event.name)}</h1>{badge}<dl>{items}{issued}"
        f"<dt>Certificate ID</dt><dd>{e(record.cert_id)}</dd>"
        f"<dt>SHA-256 of the PDF</dt><dd><code>{e(digest)}</code></dd></dl>"
        "<p>A PDF is genuine when its SHA-256 fingerprint is the one above "
        "(<code>sha256sum file.pdf</code> on Linux/macOS, "
        "<code>certutil -hashfile file.pdf SHA256</code> on Windows).</p>"
    )
    return PAGE.format(title=e(f"{record.cert_id} · {event.name}"), body=body)


def _index(event: Event) -> str:
    """The landing page: type a certificate ID to open its page (no list of names)."""
    e = html.escape
    body = (
        f"<h1>{e(event.name)}</h1><p>Check a certificate: type the ID printed under its QR code.</p>"
        '<form onsubmit="location.href=encodeURIComponent(this.id.value.trim().toUpperCase())+\'/\';'
        'return false"><input name="id" placeholder="CK-XXXX-XXXX" required> '
        "<button>Check</button></form>"
    )
    return PAGE.format(title=e(event.name), body=body)


def publish_site(event: Event, out: Path | None = None) -> tuple[Path, int]:
    """Write the static verification site (one folder per issued certificate); returns (folder, count).

    Upload the folder so that `verify_base_url` points at it: each QR code then opens its page.
    """
    out = out or event.out / "verify-site"
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    count = 0
    with open_ledger(event.folder) as ledger:
        for record in ledger.all():
            pdf = event.path(record.pdf) if record.pdf else None
            if not (record.sent_at or record.status in VALID) or not pdf or not pdf.exists():
                continue
            if not ID_PATTERN.match(record.cert_id):
                continue  # an ID typed into the sheet by hand never becomes a path
            page = tmp / record.cert_id
            page.mkdir()
            (page / "index.html").write_text(_page(event, record, sha256(pdf)), encoding="utf-8")
            count += 1
    (tmp / "index.html").write_text(_index(event), encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    os.replace(tmp, out)
    return out, count


def verify(event: Event, what: str) -> Verdict:
    """Check a certificate ID, or a PDF file against the ledger's copy, offline."""
    path = Path(what)
    with open_ledger(event.folder) as ledger:
        if path.is_file():
            digest = sha256(path)
            for record in ledger.all():
                mine = event.path(record.pdf) if record.pdf else None
                if mine and mine.exists() and sha256(mine) == digest:
                    return _verdict(record, f"{path.name} is the certificate issued to {record.name}")
            return Verdict(False, f"{path.name} does not match any certificate of {event.name}: "
                                  "it was altered, or it comes from another event.")
        record = ledger.get(what.strip().upper())
        if record is None:
            raise CertkitError(f"No certificate with ID '{what}' in {event.name}. Check the spelling.")
        return _verdict(record, f"{record.cert_id} was issued to {record.name}")


def _verdict(record: Record, found: str) -> Verdict:
    """Valid or not, by the certificate's status."""
    if record.status in VALID:
        return Verdict(True, f"{found}; it is valid.", record)
    return Verdict(False, f"{found}, but its status is {record.status}: it is not valid.", record)
