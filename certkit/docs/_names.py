"""PDF file names an organizer can search by a person's name, yet unique and safe on every OS."""

from __future__ import annotations

import re
import unicodedata

from pathvalidate import sanitize_filename

NAME_CHARS = 60  # characters of the name kept in a file name (the ID keeps it unique)


def pdf_file_name(name: str, certificate_id: str) -> str:
    """`Ana Souza - CK-7F3K-9QX2.pdf`: the person's name made safe, then the certificate ID.

    The name is data, never a path: separators, characters Windows refuses, control characters,
    reserved names (CON, NUL, ...), leading dots and trailing dots or spaces are removed, and it
    is cut to NAME_CHARS characters. The ID makes the name unique; without a usable name the
    file is named by the ID alone.
    """
    cert = _clean(certificate_id, 64) or "certificate"
    person = _clean(name, NAME_CHARS)
    return f"{person} - {cert}.pdf" if person else f"{cert}.pdf"


def _clean(text: str, limit: int) -> str:
    """One safe file-name part: NFC, no path or control characters, no reserved name."""
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text)
    text = sanitize_filename(text, replacement_text=" ", platform="universal")
    text = re.sub(r"\s+", " ", text).strip(" .")[:limit].strip(" .")
    return sanitize_filename(text, platform="universal") if text else ""
