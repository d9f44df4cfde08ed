"""Rendering certificates: docxtpl with autoescape, a QR code per certificate, stable IDs."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..config import Event
from ..errors import TemplateError
from ..sheets import Row
from ._resolve import QR_NAME, verify_url
from ._templates import PreparedTemplate, apply_pictures, picture_sources, template_context

NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


QR_MASK = 0  # any of the 8 masks reads the same; trying all 8 tripled the time of every code


@lru_cache(maxsize=512)
def qr_png(data: str) -> bytes:
    """A QR code PNG for `data`, black on white, 8 pixels a module, the standard quiet zone.

    About 1-3 ms: one fixed mask and the version reused for data of the same length, instead of
    qrcode's default (encode twice, try all 8 masks, draw module by module: 15-20 ms, the largest
    cost of rendering a certificate). Cached, since a certificate rendered again keeps its code.
    """
    from PIL import Image

    version = _QR_VERSIONS.get(len(data))
    qr = _qr(data, version)
    if qr is None:
        qr = _qr(data, None)
        assert qr is not None
    _QR_VERSIONS[len(data)] = qr.version
    matrix = qr.get_matrix()  # with the 4-module border
    size = len(matrix)
    raw = bytes(0 if dark else 255 for line in matrix for dark in line)
    image = Image.frombytes("L", (size, size), raw).resize((size * 8, size * 8), Image.NEAREST)
    buf = io.BytesIO()
    image.convert("1").save(buf, format="PNG")
    return buf.getvalue()


_QR_VERSIONS: dict[int, int] = {}


def _qr(data: str, version: int | None) -> Any:
    """The QR code for `data` at `version` (None: the smallest that fits); None if it overflows."""
    import qrcode
    from qrcode.exceptions import DataOverflowError

    qr = qrcode.QRCode(version=version, error_correction=qrcode.constants.ERROR_CORRECT_M,
                       border=4, mask_pattern=QR_MASK)
    qr.add_data(data)
    try:
        qr.make(fit=version is None)
    except DataOverflowError:
        return None
    return qr


@dataclass
class Certificate:
    """One certificate to produce: who, with which ID, and the fields the template shows."""

    row: Row
    certificate_id: str
    fields: dict[str, str]  # placeholder -> text
    name: str = ""  # the person's name, for the PDF's file name

    @property
    def file_name(self) -> str:
        """The PDF's file name: the person's name (made safe) and the certificate ID."""
        from ._names import pdf_file_name

        return pdf_file_name(self.name, self.certificate_id)


def xml_text(value: str) -> str:
    """A value a .docx can hold: each character XML 1.0 forbids becomes a space.

    docxtpl parses a rendered document in lxml's recover mode, where one such character (a
    manual line break pasted from Word arrives as \\x0b) silently dropped '&', '<' and '>'
    elsewhere in the document: in a chunk, from other people's names. \\a and \\f (docxtpl's
    paragraph and page breaks) are among them, so a cell cannot add pages either.
    """
    return NOT_XML.sub(" ", value)


def certificate_values(
    tpl: Any, prepared: PreparedTemplate, cert: Certificate, event: Event
) -> dict[str, Any]:
    """Put `cert`'s pictures into `tpl` (a DocxTemplate) and return its docxtpl context.

    Shared by the one-document and the many-certificates-per-document renderers, so both fill a
    template the same way.
    """
    from docx.shared import Mm
    from docxtpl import InlineImage

    qr = qr_png(verify_url(event, cert.certificate_id))
    values: dict[str, Any] = {k: xml_text(v) for k, v in cert.fields.items()}
    pictures: dict[str, bytes | Path] = dict(picture_sources(event, cert.row))
    if QR_NAME in prepared.pictures:
        pictures[QR_NAME] = qr
    else:
        values[QR_NAME] = InlineImage(tpl, io.BytesIO(qr), width=Mm(28))
    apply_pictures(tpl, prepared, pictures)
    return template_context(prepared, values)


def render_docx(
    prepared: PreparedTemplate,
    cert: Certificate,
    event: Event,
    target: Path,
) -> Path:
    """Render one certificate to `target` (.docx); raise TemplateError naming the row."""
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(str(prepared.path))
    context = certificate_values(tpl, prepared, cert, event)
    try:
        tpl.render(context, autoescape=True)
        tpl.save(str(target))
    except Exception as exc:  # jinja2 and lxml errors from a broken template or value
        raise TemplateError(
            f"The certificate could not be rendered: {exc}. Check the template's placeholders.",
            row=cert.row.number,
        ) from exc
    return target
