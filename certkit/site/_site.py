"""Verification without a SaaS: a static site of one page per certificate, and an offline file check."""

from __future__ import annotations

import hashlib
import html
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..config import Event
from ..errors import CertkitError
from ..ids import id_key, is_certificate_id
from ..ledger import Ledger, Record, open_ledger
from ..status import REPLACED, REVOKED
from ._pages import VALID, badge_json, certificate_page, index_page, is_valid

SHOWN = VALID | {REVOKED, REPLACED}  # statuses that have a page


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


def has_page(event: Event, record: Record) -> bool:
    """Whether a certificate gets a page: issued (valid, revoked or replaced), with its PDF, and an
    ID by the certificate-ID rule (never a path from anything else: ids.py)."""
    if not (record.sent_at or record.status in SHOWN) or not record.pdf:
        return False  # never delivered: nothing was issued
    return is_certificate_id(record.cert_id) and event.path(record.pdf).exists()


def page_records(ledger: Ledger, event: Event) -> list[Record]:
    """The certificates that get a page, in row order."""
    return [record for record in ledger.all() if has_page(event, record)]


def site_page(event: Event, cert_id: str, ledger: Ledger | None = None) -> str | None:
    """The HTML page of one certificate (None when it has no page), e.g. for a server to send."""
    if ledger is None:
        with open_ledger(event.folder) as own:
            return site_page(event, cert_id, own)
    record = ledger.get(cert_id.strip())  # case ignored (ids.id_key)
    if record is None or not has_page(event, record):
        return None
    replacement = ledger.current(record.cert_id) if record.replaced_by else None
    return certificate_page(event, record, sha256(event.path(record.pdf)), replacement)


def _alias(site: Path, cert_id: str) -> None:
    """A lower-case address for an ID with capitals, sending on to its page: the front page's form
    and a hand-typed address find it whatever case was typed."""
    low = id_key(cert_id)
    alias = site / low
    if low == cert_id or alias.exists():  # on a case-insensitive disk the page itself is found
        return
    alias.mkdir()
    target = html.escape(f"../{cert_id}/")
    (alias / "index.html").write_text(
        f'<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0; url={target}">'
        f'<a href="{target}">{html.escape(cert_id)}</a>', encoding="utf-8")


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
        for record in page_records(ledger, event):
            replacement = ledger.current(record.cert_id) if record.replaced_by else None
            page = tmp / record.cert_id
            page.mkdir()
            digest = sha256(event.path(record.pdf))
            (page / "index.html").write_text(certificate_page(event, record, digest, replacement),
                                             encoding="utf-8")
            (page / "badge.json").write_text(json.dumps(badge_json(event, record), indent=1,
                                                        ensure_ascii=False), encoding="utf-8")
            _alias(tmp, record.cert_id)
            count += 1
    (tmp / "index.html").write_text(index_page(event), encoding="utf-8")
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
        record = ledger.get(what.strip())
        if record is None:
            raise CertkitError(f"No certificate with ID '{what}' in {event.name}. Check the spelling.")
        return _verdict(record, f"{record.cert_id} was issued to {record.name}")


def _verdict(record: Record, found: str) -> Verdict:
    """Valid or not, by the certificate's status."""
    if is_valid(record):
        return Verdict(True, f"{found}; it is valid.", record)
    if record.status == REPLACED:
        return Verdict(False, f"{found}, but it was replaced by {record.replaced_by} on "
                              f"{record.ended_at[:10]}: it is not valid any more.", record)
    if record.status == REVOKED:
        why = f" ({record.reason})" if record.reason else ""
        return Verdict(False, f"{found}, but it was revoked on {record.ended_at[:10]}{why}: it is "
                              "not valid.", record)
    return Verdict(False, f"{found}, but its status is {record.status}: it is not valid.", record)
