"""A Google Doc as the certificate template: exported to .docx through Drive, cached, change-aware.

The organizer edits the template in Google Docs; certkit downloads it as a Word file only when
Drive says it changed (modifiedTime / version), so a run costs one small metadata request.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from ..errors import TemplateError

DRIVE_FILES_API_V3_URL = "https://www.googleapis.com/drive/v3/files"  # as gspread.urls names it

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
GOOGLE_DOC_MIME = "application/vnd.google-apps.document"
_URL_ID = re.compile(r"/(?:document|file)/d/([A-Za-z0-9_-]+)|[?&]id=([A-Za-z0-9_-]+)")
_BARE_ID = re.compile(r"^[A-Za-z0-9_-]{20,}$")


def document_id(url_or_id: str) -> str:
    """The Drive file ID in a Google Docs / Drive address, or the ID itself."""
    text = url_or_id.strip()
    m = _URL_ID.search(text)
    if m:
        return m.group(1) or m.group(2)
    if _BARE_ID.match(text):
        return text
    raise TemplateError(
        f"{url_or_id!r} is not the address of a Google Doc. Open the document in the browser and copy "
        "the address (it contains /document/d/...)."
    )


def _stamp_file(target: Path) -> Path:
    return target.with_name(f".{target.name}.google.json")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def export_google_doc(url_or_id: str, target: Path, client: Any) -> bool:
    """Save the Google Doc (or an uploaded .docx in Drive) as `target`; True when it changed.

    One Drive metadata request when nothing changed since the last call; otherwise one download.
    Raises TemplateError when the file is not found, not shared, or not a Word-compatible document;
    AuthError when Google refuses the sign-in.
    """
    from ..sheets import account_of, google_errors  # the optional `sheets` extra

    key = document_id(url_or_id)
    target = Path(target)
    http = client.http_client
    what = f"the Google Doc {url_or_id!r}"
    with google_errors(what, account_of(client), TemplateError):
        meta = http.request(
            "get",
            f"{DRIVE_FILES_API_V3_URL}/{key}",
            params={"fields": "id,name,mimeType,modifiedTime,version", "supportsAllDrives": True},
        ).json()
        stamp = {"id": key, "modifiedTime": meta.get("modifiedTime"), "version": meta.get("version")}
        old = _read_stamp(target)
        current = target.read_bytes() if target.exists() else None
        if current is not None and old.get("sha256") == _sha256(current) and _same(old, stamp):
            return False
        data = _download(http, key, meta)
    _check_docx(data, meta.get("name", key))
    changed = current is None or _sha256(current) != _sha256(data)
    if changed:
        _atomic_write(target, data)
    _atomic_write(_stamp_file(target), json.dumps({**stamp, "sha256": _sha256(data)}).encode())
    return changed


def _same(old: dict, stamp: dict) -> bool:
    return all(old.get(k) == v for k, v in stamp.items())


def _read_stamp(target: Path) -> dict:
    try:
        data = json.loads(_stamp_file(target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _download(http: Any, key: str, meta: dict) -> bytes:
    """Export a Google Doc as .docx, or download an uploaded Word file as it is."""
    mime = meta.get("mimeType", "")
    if mime == GOOGLE_DOC_MIME:
        url = f"{DRIVE_FILES_API_V3_URL}/{key}/export"
        return http.request("get", url, params={"mimeType": DOCX_MIME}).content
    if mime == DOCX_MIME:
        url = f"{DRIVE_FILES_API_V3_URL}/{key}"
        return http.request("get", url, params={"alt": "media", "supportsAllDrives": True}).content
    raise TemplateError(
        f"'{meta.get('name', key)}' is not a Google Doc or a Word document (Drive says {mime}). "
        "Use a Google Doc, or a .docx file, as the template."
    )


def _check_docx(data: bytes, name: str) -> None:
    """Refuse anything that is not a Word document before it replaces the cached template."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            ok = "word/document.xml" in z.namelist()
    except zipfile.BadZipFile:
        ok = False
    if not ok:
        raise TemplateError(
            f"Google sent something that is not a Word document for '{name}'. Try again later."
        )


def _atomic_write(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder, then replace: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
