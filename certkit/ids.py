"""The certificate-ID rule: how IDs are made, which typed IDs are accepted, how they are looked up."""

from __future__ import annotations

import re
import secrets

ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud, typed by hand
SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")  # a certificate ID that can name a file


def new_certificate_id(prefix: str = "CK") -> str:
    """A random, unguessable, human-typable certificate ID such as CK-7F3K-9QX2."""
    body = "".join(secrets.choice(ID_ALPHABET) for _ in range(8))
    return f"{prefix}-{body[:4]}-{body[4:]}"
