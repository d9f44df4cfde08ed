"""Cutting a chunk's PDF into one PDF per certificate, checked and stripped of others' data.

LibreOffice gives every page of a PDF the same resource dictionaries, listing every image of the
document: split naively, each certificate would carry the whole chunk's QR codes and pictures.
`prune_resources` cuts each page's resources down to the names its own content uses.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path
from typing import Any

NAME = re.compile(rb"/[^\s/\[\]()<>{}%]*")
INLINE_IMAGE = re.compile(rb"(?:^|\s)BI\s")
RESOURCE_KINDS = ("/XObject", "/Font", "/ExtGState", "/ColorSpace", "/Pattern", "/Shading", "/Properties")


def open_pdf(path: Path) -> Any:
    """A pypdf reader for `path`."""
    from pypdf import PdfReader

    return PdfReader(str(path))


def certificate_pages(reader: Any, count: int, mark: str) -> list[range] | None:
    """Each certificate's pages, from the named destinations `{mark}0` .. `{mark}{count-1}`.

    None unless every certificate has its destination and they start at page 0 in order, so a
    page can never be given to the wrong person.
    """
    pattern = re.compile(rf"/?{re.escape(mark)}(\d+)")
    starts: dict[int, int] = {}
    for name, dest in reader.named_destinations.items():
        found = pattern.fullmatch(str(name))
        if found:
            page = reader.get_destination_page_number(dest)
            if page is not None and page >= 0:
                starts[int(found.group(1))] = page
    if sorted(starts) != list(range(count)):
        return None
    firsts = [starts[i] for i in range(count)] + [len(reader.pages)]
    spans = [range(a, b) for a, b in pairwise(firsts)]
    if firsts[0] != 0 or any(len(s) < 1 for s in spans):
        return None
    return spans


def prune_resources(reader: Any) -> None:
    """Give every page, and every form it draws, only the resources its content stream names."""
    seen: set[int] = set()
    for page in reader.pages:
        _prune(page, page.get_contents(), reader, seen)


def _prune(holder: Any, content: Any, reader: Any, seen: set[int]) -> None:
    """Replace `holder`'s /Resources with a fresh dictionary holding only the names used."""
    from pypdf.generic import DictionaryObject, NameObject

    if "/Resources" not in holder:
        return
    resources = holder["/Resources"].get_object()
    used = _names(content, reader) if content is not None else set()
    fresh = DictionaryObject()
    for kind, value in resources.items():
        if kind not in RESOURCE_KINDS:
            fresh[NameObject(kind)] = value
            continue
        entries = value.get_object()
        kept = DictionaryObject({NameObject(k): v for k, v in entries.items() if k in used})
        if kept:
            fresh[NameObject(kind)] = kept
        if kind == "/XObject":
            for ref in kept.values():
                _prune_form(ref, reader, seen)
    holder[NameObject("/Resources")] = fresh


def _prune_form(ref: Any, reader: Any, seen: set[int]) -> None:
    """Prune a form XObject's own resources once (what it uses does not depend on the page)."""
    key = getattr(ref, "idnum", None)
    form = ref.get_object()
    if form.get("/Subtype") != "/Form" or (key is not None and key in seen):
        return
    if key is not None:
        seen.add(key)
    _prune(form, form, reader, seen)


def _names(content: Any, reader: Any) -> set[str]:
    """Every name operand in a content stream (resources are named only by operands).

    LibreOffice writes text as hex strings, so a plain scan for `/Name` tokens is exact and ten
    times faster than parsing; a stream with literal strings, comments or inline images (where a
    '/' may be data) is parsed properly instead.
    """
    from pypdf.generic import ContentStream

    data = content.get_data()
    if b"(" not in data and b"%" not in data and not INLINE_IMAGE.search(data):
        return {_decode_name(m) for m in NAME.findall(data)}
    stream = content if isinstance(content, ContentStream) else ContentStream(content, reader)
    found: set[str] = set()
    for operands, _operator in stream.operations:
        _collect(operands, found)
    return found


def _decode_name(raw: bytes) -> str:
    """A name token as pypdf spells it: '#xx' escapes decoded."""
    if b"#" in raw:
        raw = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)
    return raw.decode("utf-8", errors="surrogateescape")


def _collect(value: Any, found: set[str]) -> None:
    """Add the names inside operands, arrays and dictionaries to `found`."""
    from pypdf.generic import NameObject

    if isinstance(value, NameObject):
        found.add(str(value))
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect(item, found)


def write_pages(reader: Any, pages: Iterable[int], target: Path) -> int:
    """Write the given pages of `reader` as a new PDF at `target` (atomically); return the count."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    count = 0
    for index in pages:
        writer.add_page(reader.pages[index])
        count += 1
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        writer.write(fh)
    os.replace(tmp, target)
    return count
