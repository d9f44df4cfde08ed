"""The certificate-ID rule: how IDs are made, which typed IDs are accepted, how they are looked up.

One pattern serves every stage: an ID certkit makes (CK-7F3K-9QX2) and an ID the organizer types
into the sheet (2026-001) are both letters, digits, '-' and '_', so either can name a PDF, go into
the QR code's address, get a page on the verification site and be looked up. Lookups ignore case
(`id_key`): a typed ck-7f3k-9qx2 finds CK-7F3K-9QX2.
"""

from __future__ import annotations

import re
import secrets

ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud, typed by hand
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")  # safe as a file name and in a URL
SAFE_ID = ID_PATTERN  # the older name, kept for callers


def new_certificate_id(prefix: str = "CK") -> str:
    """A random, unguessable, human-typable certificate ID such as CK-7F3K-9QX2."""
    body = "".join(secrets.choice(ID_ALPHABET) for _ in range(8))
    return f"{prefix}-{body[:4]}-{body[4:]}"


def is_certificate_id(text: str) -> bool:
    """True when `text` is a usable certificate ID (made by certkit or typed in the sheet)."""
    return bool(ID_PATTERN.fullmatch(text or ""))


def id_key(text: str) -> str:
    """An ID folded for lookups: surrounding spaces dropped, case ignored."""
    return (text or "").strip().casefold()


ID_RULE = "letters, digits, '-' and '_' (at most 64, starting with a letter or digit)"
