#!/usr/bin/env python3
"""Build the bundled certificate templates, their sample pictures and their preview images.

Writes templates_docx/{classic,modern,transcript}.docx, templates_docx/assets/ (logo.jpg,
signature.png, qr_code.png) and templates_docx/previews/NAME.png (rendered with certkit itself,
converted by real LibreOffice, rasterized by pdftoppm). Run from the repository root:

    python scripts/make_templates.py            # templates, assets and previews
    python scripts/make_templates.py --no-previews
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Mm, Pt
from PIL import Image
from template_parts import (
    border,
    cell_paragraph,
    finish,
    float_picture,
    make_band,
    make_logo,
    make_qr,
    make_signature,
    name_line,
    new_document,
    page_border,
    para,
    picture,
    plain_table,
    run,
)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "templates_docx"
ASSETS = OUT / "assets"
PREVIEWS = OUT / "previews"
CJK_SERIF, CJK_SANS = "Noto Serif CJK SC", "Noto Sans CJK SC"
CLASSIC_SIZES = ((26, 40), (42, 30), (None, 22))  # up to N characters -> points; None = longer
MODERN_SIZES = ((23, 40), (31, 30), (None, 22))
SAMPLE = {
    "Full Name": "Amelia Rodríguez-Okafor",
    "Course": "Data Analysis with Python",
    "Date": "12 June 2026",
    "Organization": "Data Skills Bootcamp",
    "Certificate ID": "CK-7F3K-9QX2",
    "Score": "92",
}


# ---------------------------------------------------------------- the templates

NAVY, GOLD, INK, GREY = "1F2A44", "B08D57", "2E2E2E", "6B6B6B"
TEAL, AMBER, DARK = "0F4C5C", "E09F3E", "1B1B1B"


def classic_page(doc) -> None:
    """The classic certificate: serif, centred, gold double border and ornament."""
    page_border(doc.sections[0], style="thinThickSmallGap", color=GOLD, size=24, space=20)
    p = para(doc, before=4)
    picture(p, ASSETS / "logo.jpg", "logo", height=Mm(24))
    p = para(doc, before=8)
    run(p, "CERTIFICATE", size=40, color=NAVY, spacing=8)
    p = para(doc, before=0)
    run(p, "OF COMPLETION", size=13, color=GOLD, spacing=5, bold=True)
    p = para(doc, before=6)
    rule = "\u2500" * 9
    run(p, f"{rule}  \u2766  {rule}", size=12, color=GOLD, font="DejaVu Sans")
    p = para(doc, before=14)
    run(p, "This certificate is proudly presented to", size=14, italic=True, color=GREY)
    p = name_line(doc, CLASSIC_SIZES, "center", NAVY, CJK_SERIF, italic=True)
    p.paragraph_format.left_indent = p.paragraph_format.right_indent = Mm(25)
    p.paragraph_format.space_before = Pt(4)
    border(p, "bottom", GOLD, size=6, space=2)
    p = para(doc, before=16)
    run(p, "for successfully completing", size=14, italic=True, color=GREY)
    p = para(doc, before=6)
    run(p, "{{Course}}", size=24, bold=True, color=INK)
    p = para(doc, before=8)
    run(p, "awarded by {{Organization}}", size=12.5, color=GREY)
    table = plain_table(doc, (85, 87, 85))
    left, middle, right = table.rows[0].cells
    p = cell_paragraph(left)
    run(p, "{{Date}}", size=13, color=INK)
    p = left.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.left_indent = p.paragraph_format.right_indent = Mm(14)
    border(p, "top", GOLD, size=6, space=3)
    run(p, "Date", size=10, color=GREY, spacing=1)
    p = cell_paragraph(middle)
    picture(p, ASSETS / "qr_code.png", "qr_code", width=Mm(25), height=Mm(25))
    p = middle.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(p, "Certificate ID {{Certificate ID}}", size=8.5, color=GREY, spacing=0.5)
    p = cell_paragraph(right)
    picture(p, ASSETS / "signature.png", "signature", height=Mm(15))
    p = right.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.left_indent = p.paragraph_format.right_indent = Mm(14)
    border(p, "top", GOLD, size=6, space=3)
    run(p, "Programme Director", size=10, color=GREY, spacing=1)
    table_spacing(doc, before=30)


def table_spacing(doc, before: float) -> None:
    """Space above the last table: an empty paragraph of that height in front of it."""
    tbl = doc.tables[-1]._tbl
    p = parse_xml(
        f'<w:p {nsdecls("w")}><w:pPr><w:spacing w:before="0" w:after="0" w:line="{int(before * 20)}"'
        f' w:lineRule="exact"/><w:rPr><w:sz w:val="2"/></w:rPr></w:pPr></w:p>')
    tbl.addprevious(p)


def build_classic(path: Path) -> None:
    """templates_docx/classic.docx."""
    doc = new_document(20, 20, 15, 10, "Liberation Serif", CJK_SERIF)
    classic_page(doc)
    finish(doc, path, "Classic certificate",
           "Serif, centred, gold double border; logo, signature and QR code.")


def build_transcript(path: Path) -> None:
    """templates_docx/transcript.docx: the classic certificate and a transcript page."""
    doc = new_document(20, 20, 15, 10, "Liberation Serif", CJK_SERIF)
    classic_page(doc)
    p = para(doc, before=18)
    p.paragraph_format.page_break_before = True
    run(p, "TRANSCRIPT", size=28, color=NAVY, spacing=6)
    p = para(doc, before=4)
    rule = "\u2500" * 9
    run(p, f"{rule}  \u2766  {rule}", size=12, color=GOLD, font="DejaVu Sans")
    p = para(doc, before=10, after=18)
    run(p, "{{Full Name}}", size=20, italic=True, color=INK, cjk=CJK_SERIF)
    rows = [("Course", "{{Course}}"), ("Completed on", "{{Date}}"), ("Score", "{{Score}}"),
            ("Issued by", "{{Organization}}"), ("Certificate ID", "{{Certificate ID}}")]
    grid_table(doc, ("Item", "Detail"), rows, (60, 140))
    p = para(doc, before=22, after=8)
    run(p, "Modules", size=14, bold=True, color=NAVY)
    modules = [("1", "Working with data in Python", "8 h"),
               ("2", "Cleaning and reshaping tables", "6 h"),
               ("3", "Charts that tell the story", "6 h"),
               ("4", "Final project", "10 h")]
    grid_table(doc, ("No.", "Module", "Hours"), modules, (20, 150, 30))
    p = para(doc, before=20)
    run(p, "Scan the QR code on the certificate to check that it is genuine.", size=10,
        italic=True, color=GREY)
    finish(doc, path, "Certificate with transcript",
           "Two pages: the classic certificate, then a transcript (course, score, modules).")


def grid_table(doc, header, rows, widths_mm) -> None:
    """A table with thin gold rules, a bold header row and the given column widths."""
    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    rule = f'w:val="single" w:sz="4" w:space="0" w:color="{GOLD}"'
    table._tbl.tblPr.append(parse_xml(
        f'<w:tblBorders {nsdecls("w")}><w:top {rule}/><w:bottom {rule}/>'
        f'<w:insideH {rule}/></w:tblBorders>'))
    table._tbl.tblPr.append(parse_xml(f'<w:tblLayout {nsdecls("w")} w:type="fixed"/>'))
    for col, width in zip(table.columns, widths_mm):
        col.width = Mm(width)
    for i, values in enumerate([header, *rows]):
        for cell, value, width in zip(table.rows[i].cells, values, widths_mm):
            cell.width = Mm(width)
            p = cell_paragraph(cell, align="left", before=3, after=3)
            run(p, value, size=11, bold=(i == 0), color=NAVY if i == 0 else INK)


def build_modern(path: Path) -> None:
    """templates_docx/modern.docx: sans, colour band on the left, left-aligned text."""
    doc = new_document(90, 22, 22, 12, "Liberation Sans", CJK_SANS)
    first = para(doc, align="left")
    float_picture(first, make_band(TEAL), "band", 0, 0, Mm(72), Mm(210), behind=True)
    float_picture(first, make_band(AMBER), "stripe", Mm(72), 0, Mm(3), Mm(210), behind=True)
    float_picture(first, ASSETS / "qr_code.png", "qr_code", Mm(18), Mm(150), Mm(36), Mm(36))
    table = plain_table(doc, (27, 158), align=WD_TABLE_ALIGNMENT.LEFT)
    logo, org = table.rows[0].cells
    logo.vertical_alignment = org.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    picture(cell_paragraph(logo, align="left"), ASSETS / "logo.jpg", "logo", height=Mm(21))
    run(cell_paragraph(org, align="left"), "{{Organization}}", size=14, bold=True, color=TEAL,
        spacing=0.5)
    p = para(doc, align="left", before=34)
    run(p, "CERTIFICATE OF COMPLETION", size=15, bold=True, color=AMBER, spacing=3)
    p = para(doc, align="left", before=18)
    run(p, "This is to certify that", size=13, color=GREY)
    p = name_line(doc, MODERN_SIZES, "left", DARK, CJK_SANS, bold=True)
    p.paragraph_format.space_before = Pt(6)
    p = para(doc, align="left", before=6, indent=(0, 160))
    border(p, "bottom", AMBER, size=24, space=1)
    p = para(doc, align="left", before=18)
    run(p, "has successfully completed", size=13, color=GREY)
    p = para(doc, align="left", before=4)
    run(p, "{{Course}}", size=24, bold=True, color=TEAL)
    table = plain_table(doc, (46, 60, 79), align=WD_TABLE_ALIGNMENT.LEFT)
    for cell, label, value in zip(table.rows[0].cells, ("DATE", "CERTIFICATE ID", ""),
                                  ("{{Date}}", "{{Certificate ID}}", "")):
        if label:
            p = cell_paragraph(cell, align="left")
            run(p, label, size=8.5, bold=True, color=GREY, spacing=1.5)
            p = cell.add_paragraph()
            p.paragraph_format.space_before = Pt(3)
            run(p, value, size=12.5, color=DARK)
    sign = table.rows[0].cells[2]
    p = cell_paragraph(sign, align="left")
    picture(p, ASSETS / "signature.png", "signature", height=Mm(15))
    p = sign.add_paragraph()
    p.paragraph_format.right_indent = Mm(20)
    border(p, "top", "BBBBBB", size=6, space=3)
    run(p, "Programme Director", size=10, color=GREY)
    table_spacing(doc, before=42)
    finish(doc, path, "Modern certificate",
           "Sans serif, left-aligned, teal colour band; logo, signature and QR code.")


BUILDERS = {"classic": build_classic, "modern": build_modern, "transcript": build_transcript}


# ---------------------------------------------------------------- previews


def render_previews(names: list[str], values: dict[str, str], out_dir: Path) -> dict[str, Path]:
    """Render each template with `values` through certkit and LibreOffice; name -> PDF path."""
    sys.path.insert(0, str(ROOT))
    from docxtpl import DocxTemplate

    from certkit.docs import apply_pictures, prepare_template, template_context

    docs = []
    for name in names:
        prepared = prepare_template(OUT / f"{name}.docx", out_dir / "work")
        tpl = DocxTemplate(str(prepared.path))
        apply_pictures(tpl, prepared, {"logo": ASSETS / "logo.jpg",
                                       "signature": ASSETS / "signature.png"})
        tpl.render(template_context(prepared, values), autoescape=True)
        target = out_dir / f"{name}.docx"
        tpl.save(str(target))
        docs.append(target)
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{out_dir / 'profile'}", "--headless",
         "--convert-to", "pdf", "--outdir", str(out_dir), *map(str, docs)],
        check=True, capture_output=True, timeout=180)
    return {name: out_dir / f"{name}.pdf" for name in names}


def write_preview(pdf: Path, target: Path) -> None:
    """Page 1 (and 2, side by side, for a two-page template) as a small PNG."""
    stem = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-r", "72", "-png", str(pdf), str(stem)], check=True,
                   timeout=60)
    pages = sorted(pdf.parent.glob(f"{stem.name}-*.png"))
    images = [Image.open(p).convert("RGB") for p in pages]
    gap = 16
    sheet = Image.new("RGB", (sum(i.width for i in images) + gap * (len(images) - 1),
                              max(i.height for i in images)), "#DDDDDD")
    x = 0
    for img in images:
        sheet.paste(img, (x, 0))
        x += img.width + gap
    if sheet.width > 1300:
        sheet = sheet.resize((1300, round(sheet.height * 1300 / sheet.width)), Image.LANCZOS)
    sheet.quantize(128, method=Image.Quantize.MEDIANCUT).save(target, "PNG", optimize=True)


def main() -> int:
    """Build everything; print what was written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-previews", action="store_true")
    args = parser.parse_args()
    ASSETS.mkdir(parents=True, exist_ok=True)
    make_logo(ASSETS / "logo.jpg")
    make_signature(ASSETS / "signature.png")
    make_qr(ASSETS / "qr_code.png")
    for name, build in BUILDERS.items():
        build(OUT / f"{name}.docx")
        print(f"wrote {OUT / name}.docx")
    if args.no_previews:
        return 0
    PREVIEWS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        pdfs = render_previews(list(BUILDERS), SAMPLE, Path(tmp))
        for name, pdf in pdfs.items():
            write_preview(pdf, PREVIEWS / f"{name}.png")
            print(f"wrote {PREVIEWS / name}.png ({(PREVIEWS / f'{name}.png').stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
