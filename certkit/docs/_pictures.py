"""Named sample pictures (alt text logo, signature, qr_code) swapped for the real images.

The designer places a sample picture and names it (Word: Edit Alt Text; LibreOffice: Name or
Description; Google Docs: Alt text). certkit puts the real image in its place, fitted inside the
sample's box (aspect ratio kept, centred), so the layout does not move.
"""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from .._text import suggest
from ..errors import TemplateError

if TYPE_CHECKING:
    from ..config import Event
    from ..sheets import Row

NS = {
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}
CONTAINERS = (f"{{{NS['wp']}}}inline", f"{{{NS['wp']}}}anchor")
R_EMBED = f"{{{NS['r']}}}embed"
R_LINK = f"{{{NS['r']}}}link"
DEFAULT_NAME = re.compile(
    r"^(picture|image|graphic|grafik|bild|imagen|immagine|afbeelding|obraz|figure|img|photo|"
    r"foto|shape|frame|object|drawing|grafika|imagem|kuva)[\s_]*\d*$",
    re.IGNORECASE,
)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp")
PICTURE_FIELD = re.compile(r"\{([^{}]+)\}")
ALIASES = {"qr": "qr_code", "qrcode": "qr_code"}  # a sample QR left in place would mislead


def picture_key(text: str) -> str:
    """A picture name folded for matching: 'QR Code', 'qr-code', 'QR' and 'qr_code' are one."""
    text = unicodedata.normalize("NFKC", text or "").strip().casefold()
    key = re.sub(r"[\s\-]+", "_", text)
    return ALIASES.get(key, key)


def _attributes(container) -> list[str]:
    """The names a picture carries: alt text (descr), title and name, outer frame first."""
    values = []
    for path in ("wp:docPr", ".//pic:cNvPr"):
        el = container.find(path, NS)
        if el is not None:
            values += [el.get("descr", ""), el.get("title", ""), el.get("name", "")]
    return values


def picture_keys(container) -> list[str]:
    """Every key the picture answers to; a file name also answers without its extension."""
    keys = []
    for value in _attributes(container):
        key = picture_key(value)
        if key.endswith(IMAGE_SUFFIXES):
            key = key.rsplit(".", 1)[0]
        if key and key not in keys:
            keys.append(key)
    return keys


def picture_label(container) -> str | None:
    """The picture's name as shown to the organizer, or None for an unnamed sample."""
    for key in picture_keys(container):
        if re.fullmatch(r"\w{1,40}", key) and not DEFAULT_NAME.match(key):
            return key
    return None


def pictures_in(root) -> list[tuple[str | None, object]]:
    """Every picture (with an embedded or linked image) in one XML part, with its label."""
    found = []
    for container in root.iter(*CONTAINERS):
        if container.find(".//a:blip", NS) is not None:
            found.append((picture_label(container), container))
    return found


def _fit(fill, container, width: float, height: float) -> None:
    """Fit the image inside the sample's box, centred, by padding it (a negative crop).

    The box itself stays as the designer drew it, so nothing around it moves; Word and
    LibreOffice both draw a negative crop as empty margin.
    """
    extent = container.find("wp:extent", NS)
    cx, cy = int(extent.get("cx")), int(extent.get("cy"))
    if cx <= 0 or cy <= 0 or width <= 0 or height <= 0:
        return
    ratio = width / height
    factor = (cy * ratio / cx) if ratio > cx / cy else (cx / (cy * ratio))
    pad = round((factor - 1) * 50000)  # per side, in thousandths of a percent
    if pad <= 0:
        return
    sides = ("t", "b") if ratio > cx / cy else ("l", "r")
    rect = fill.makeelement(f"{{{NS['a']}}}srcRect", {side: str(-pad) for side in sides})
    fill.find("a:blip", NS).addnext(rect)


def swap_picture(part, container, data: bytes, name: str) -> None:
    """Point one sample picture at a new image part holding `data`, fitted into its box."""
    from docx.image.exceptions import UnrecognizedImageError

    try:
        r_id, image = part.get_or_add_image(io.BytesIO(data))
    except UnrecognizedImageError as exc:
        raise TemplateError(
            f"The image for the picture '{name}' is not a PNG, JPEG, GIF or BMP file. "
            "Save it as PNG or JPEG."
        ) from exc
    blip = container.find(".//pic:blipFill/a:blip", NS)
    if blip is None:
        blip = container.find(".//a:blip", NS)
    blip.set(R_EMBED, r_id)
    blip.attrib.pop(R_LINK, None)
    for child in list(blip):  # an SVG twin (asvg:svgBlip) or effects of the sample
        blip.remove(child)
    fill = blip.getparent()
    src_rect = fill.find("a:srcRect", NS)
    if src_rect is not None:  # the sample's cropping would cut the new image
        fill.remove(src_rect)
    width = image.px_width / (image.horz_dpi or 72)
    height = image.px_height / (image.vert_dpi or 72)
    _fit(fill, container, width, height)


def story_parts(document) -> list:
    """The document body and its headers and footers (where pictures can sit)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    parts = [document.part]
    for rel in document.part.rels.values():
        if rel.reltype in (RT.HEADER, RT.FOOTER) and not rel.is_external:
            parts.append(rel.target_part)
    return parts


def replace_pictures(document, pictures: dict[str, bytes | Path], known: list[str]) -> None:
    """Swap each named picture of a python-docx Document; raise TemplateError for unknown names."""
    wanted: dict[str, tuple[str, bytes]] = {}
    for name, source in pictures.items():
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        wanted[picture_key(name)] = (name, data)
    done: set[str] = set()
    for part in story_parts(document):
        for container in part.element.iter(*CONTAINERS):
            keys = picture_keys(container)
            hit = next((k for k in wanted if k in keys), None)
            if hit is not None and container.find(".//a:blip", NS) is not None:
                swap_picture(part, container, wanted[hit][1], wanted[hit][0])
                done.add(hit)
    missing = [wanted[k][0] for k in wanted if k not in done]
    if missing:
        name = missing[0]
        have = ", ".join(known) or "none"
        raise TemplateError(
            f"The template has no picture named '{name}' (named pictures in it: {have})."
            f"{suggest(name, known)} In Word, right-click the sample picture, choose "
            f"'Edit Alt Text' and type {name}; or fix [template] pictures in event.toml."
        )


def picture_problems(event: Event, known: list[str]) -> list[str]:
    """What is wrong with [template] pictures before any row renders: names the template lacks,
    files missing from the event folder (per-row files are checked row by row)."""
    problems = []
    for name, spec in event.template.pictures.items():
        if picture_key(name) not in known:
            problems.append(
                f"event.toml [template] pictures names '{name}', but the template has no picture "
                f"called that (named pictures: {', '.join(known) or 'none'}). In Word, right-click "
                f"the sample picture, choose 'Edit Alt Text' and type {name}.")
        elif not PICTURE_FIELD.search(spec) and not event.path(spec).is_file():
            problems.append(f"The picture file '{spec}' for '{name}' is not in {event.folder}.")
    return problems


def event_file(folder: Path, name: str, *, row: int | None = None,
               column: str | None = None) -> Path:
    """The picture file `name` (from a roster cell) inside the event folder, or TemplateError.

    A name from a cell is data: it may not be absolute, contain '..', or lead outside the
    folder through a link, and it must be a picture file.
    """
    text = name.strip().replace("\\", "/")
    where = {"row": row, "column": column}
    pure = PurePosixPath(text)
    if (not text or "\x00" in text or pure.is_absolute() or re.match(r"^[A-Za-z]:", text)
            or ".." in pure.parts):
        raise TemplateError(
            f"'{name}' is not a file name inside the event folder. Put the picture in "
            f"{folder} and type just its name (e.g. signature-smith.png).", **where)
    if not text.lower().endswith(IMAGE_SUFFIXES):
        raise TemplateError(
            f"'{name}' is not a picture file name: use a .png or .jpg file.", **where)
    base = folder.resolve()
    path = (base / pure).resolve()
    if not path.is_relative_to(base):
        raise TemplateError(
            f"'{name}' leads outside the event folder (through a link). Copy the picture "
            f"into {folder} itself.", **where)
    if not path.is_file():
        raise TemplateError(
            f"There is no picture '{text}' in the event folder {folder}. Copy it there or fix "
            "the file name.", **where)
    return path


def picture_sources(event: Event, row: Row) -> dict[str, Path]:
    """The image file for each picture in event.toml [template] pictures, for this row.

    A value in braces names a column whose cell holds a file name in the event folder
    ("{Signature File}", or "signatures/{Signer}.png"); other values are files of the event.
    Raises TemplateError naming the row and column when a file is missing or not allowed.
    """
    found: dict[str, Path] = {}
    for name, spec in event.template.pictures.items():
        columns = PICTURE_FIELD.findall(spec)
        if not columns:
            path = event.path(spec)
            if not path.is_file():
                raise TemplateError(
                    f"The picture file '{spec}' for '{name}' ([template] pictures in "
                    f"event.toml) is not in {event.folder}. Copy it there or fix the name."
                )
            found[name] = path
            continue
        for column in columns:
            if column not in row.values:
                raise TemplateError(
                    f"event.toml [template] pictures takes '{name}' from the column '{column}', "
                    f"but the roster has no such column.{suggest(column, list(row.values))}",
                    column=column,
                )
            if not row.get(column).strip():
                raise TemplateError(
                    f"The cell for the picture '{name}' is empty. Type the picture's file name "
                    "(a file in the event folder).", row=row.number, column=column)
        text = PICTURE_FIELD.sub(lambda m: row.get(m.group(1)).strip(), spec)
        found[name] = event_file(event.folder, text, row=row.number, column=columns[0])
    return found
