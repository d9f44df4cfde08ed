"""Preview: real certificates for a few rows, as PDF and PNG, to look at before anything is sent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..config import Event
from ..errors import ConversionError
from ..findings import BLOCKING, Finding
from ..sheets import Row
from ._fields import Certificate, render_docx
from ._pdf import PdfConverter, get_converter, page_count
from ._resolve import row_fields
from ._templates import PreparedTemplate, prepare_template, template_file

PREVIEW_ID = "PREVIEW-0000"  # shown where the certificate ID goes; never a real ID
WORK_DIR = ".certkit"



@dataclass(frozen=True)
class Preview:
    """One rendered certificate: its PDF, a PNG of its pages stacked, and its page count."""

    row: int
    pdf: Path
    png: Path
    pages: int


def check_pages(expected_pages: int, pages_by_row: dict[int, int]) -> list[Finding]:
    """A blocking finding for each row whose certificate has more (or fewer) pages than the
    template: a name or field too long for its place pushes the certificate onto a new page."""
    found = []
    for row, pages in sorted(pages_by_row.items()):
        if pages != expected_pages:
            found.append(Finding(
                row, None, BLOCKING,
                f"The certificate comes out on {pages} pages instead of {expected_pages}: a name "
                "or field is too long for its place.",
                "Shorten the value in the sheet, or give it more room in the template (wider "
                "box, smaller font, or text that shrinks to fit), then look at the preview.",
            ))
    return found


def template_pages(prepared: PreparedTemplate, converter: PdfConverter, work_dir: Path) -> int:
    """How many pages the bare template has: what every certificate should have.

    Converted once per template content and remembered in `work_dir`, so a run knows it before
    its first certificate is ready (sending starts while the rest is converted). Raises
    ConversionError when the template cannot be converted at all.
    """
    import shutil
    import uuid

    memo = work_dir / f"{prepared.path.stem}.pages"
    try:
        return int(memo.read_text(encoding="ascii"))
    except (OSError, ValueError):
        pass
    folder = work_dir / f"pages-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        bare = folder / "template.docx"
        shutil.copyfile(prepared.source, bare)
        pdf = converter.convert([bare], folder).get(bare)
        if pdf is None:
            raise ConversionError(f"The template {prepared.source.name} could not be made into a PDF.")
        pages = page_count(pdf)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    memo.write_text(str(pages), encoding="ascii")
    return pages


def preview(
    event: Event,
    row: Row,
    *,
    prepared: PreparedTemplate | None = None,
    converter: PdfConverter | None = None,
    out_dir: Path | None = None,
    scale: float = 1.5,
) -> Preview:
    """Render one row's certificate to PDF and PNG (for a notebook or a quick look)."""
    return previews(event, [row], prepared=prepared, converter=converter, out_dir=out_dir,
                    scale=scale)[0]


def previews(
    event: Event,
    rows: Sequence[Row],
    *,
    prepared: PreparedTemplate | None = None,
    converter: PdfConverter | None = None,
    out_dir: Path | None = None,
    scale: float = 1.5,
    with_template: bool = False,
) -> list[Preview]:
    """Render several rows in one conversion; files are named by row number, never by name.

    Raises TemplateError when a row cannot be rendered, ConversionError when LibreOffice (or
    Word) produces no PDF. With `with_template`, the last Preview is the bare template (row 0).
    """
    prepared = prepared or prepare_template(template_file(event)[0], event.folder / WORK_DIR)
    out_dir = out_dir or event.out / "preview"
    out_dir.mkdir(parents=True, exist_ok=True)
    docs: dict[Path, int] = {}
    for row in rows:
        fields = row_fields(event, row, prepared.placeholders, PREVIEW_ID)
        target = out_dir / f"preview-row-{row.number}.docx"
        docs[render_docx(prepared, Certificate(row, PREVIEW_ID, fields), event, target)] = row.number
    if with_template:
        bare = out_dir / "preview-template.docx"
        bare.write_bytes(prepared.source.read_bytes())
        docs[bare] = 0
    own = converter is None
    converter = converter or get_converter(event.template.converter)
    try:
        converted = converter.convert(list(docs), out_dir)
    finally:
        if own and hasattr(converter, "close"):
            converter.close()
    result = []
    for docx, number in docs.items():
        pdf = converted.get(docx)
        if pdf is None:
            raise ConversionError(f"The preview of row {number} could not be made into a PDF.",
                                  row=number or None)
        png = pdf.with_suffix(".png")
        pages = render_png(pdf, png, scale)
        result.append(Preview(number, pdf, png, pages))
        docx.unlink(missing_ok=True)
    return result


def check_rendered(
    event: Event,
    rows: Sequence[Row],
    *,
    prepared: PreparedTemplate | None = None,
    converter: PdfConverter | None = None,
) -> tuple[list[Preview], list[Finding]]:
    """Render `rows` (e.g. the representative sample) and the bare template, and report rows
    whose certificate does not fit on the template's pages."""
    shown = previews(event, rows, prepared=prepared, converter=converter, with_template=True)
    expected = shown[-1].pages
    shown[-1].pdf.unlink(missing_ok=True)
    shown[-1].png.unlink(missing_ok=True)
    return shown[:-1], check_pages(expected, {p.row: p.pages for p in shown[:-1]})


def render_png(pdf: Path, png: Path, scale: float = 1.5) -> int:
    """Draw every page of `pdf` into one PNG (pages stacked, a gap between); return the count."""
    import pypdfium2 as pdfium
    from PIL import Image

    doc = pdfium.PdfDocument(str(pdf))
    try:
        images = [doc[i].render(scale=scale).to_pil().convert("RGB") for i in range(len(doc))]
    finally:
        doc.close()
    if not images:
        raise ConversionError(f"{pdf.name} has no pages.")
    gap = 12
    width = max(im.width for im in images)
    sheet = Image.new("RGB", (width, sum(im.height for im in images) + gap * (len(images) - 1)),
                      (128, 128, 128))
    y = 0
    for im in images:
        sheet.paste(im, (0, y))
        y += im.height + gap
    sheet.save(png)
    return page_count(pdf)
