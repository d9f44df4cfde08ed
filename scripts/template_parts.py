"""Building blocks for scripts/make_templates.py: sample pictures and python-docx helpers.

python-docx covers paragraphs, runs, tables and inline pictures; the rest (page borders,
floating pictures, paragraph rules, letter spacing) is raw WordprocessingML.
"""

from __future__ import annotations

import io
import math
import zipfile
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor
from PIL import Image, ImageDraw, ImageFont

FIXED_TIME = (2026, 1, 1, 0, 0, 0)  # zip entry times, so rebuilding gives the same bytes
FONT_DIR = Path("/usr/share/fonts/truetype")


# ---------------------------------------------------------------- sample pictures


def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    """A Debian-packaged TrueType font for drawing the sample pictures."""
    for found in FONT_DIR.rglob(name):
        return ImageFont.truetype(str(found), size)
    return ImageFont.load_default()


def make_logo(path: Path) -> None:
    """A sample emblem (navy disc, gold ring, open book), saved as JPEG: quick to convert."""
    size, s = 480, 4
    img = Image.new("RGB", (size * s, size * s), "white")
    d = ImageDraw.Draw(img)
    c, r = size * s // 2, size * s // 2 - 8 * s
    d.ellipse((c - r, c - r, c + r, c + r), fill="#1F2A44")
    d.ellipse((c - r + 22 * s, c - r + 22 * s, c + r - 22 * s, c + r - 22 * s),
              outline="#C9A227", width=7 * s)
    w, h, top = 118 * s, 118 * s, c - 62 * s  # an open book: two pages and a spine
    for side in (-1, 1):
        pts = [(c, top + 14 * s), (c + side * w, top), (c + side * w, top + h),
               (c, top + h + 14 * s)]
        d.polygon(pts, fill="white")
        for k in range(1, 5):
            y = top + 14 * s + k * 22 * s
            d.line([(c + side * 18 * s, y), (c + side * (w - 18 * s), y - 12 * s)],
                   fill="#8A93A8", width=3 * s)
    d.line([(c, top + 14 * s), (c, top + h + 14 * s)], fill="#C9A227", width=5 * s)
    font = _font("DejaVuSans-Bold.ttf", 34 * s)
    text = "EST. 2026"
    tw = d.textlength(text, font=font)
    d.text((c - tw / 2, c + 92 * s), text, font=font, fill="#C9A227")
    img.resize((size, size), Image.LANCZOS).save(path, "JPEG", quality=88, optimize=True)


def make_signature(path: Path) -> None:
    """A handwriting-like sample signature (blue ink on white, no transparency) as PNG."""
    w, h, s = 640, 200, 3
    img = Image.new("L", (w * s, h * s), 255)
    d = ImageDraw.Draw(img)
    # letters as (height in x-heights, backtrack, advance): a loop where backtrack*2pi > advance
    letters = [(3.2, 12, 46), (1.0, 3, 32), (1.0, 3, 32), (2.6, 8, 28), (1.0, 6, 28),
               (1.0, 3, 32), (2.4, 8, 28), (1.0, 6, 28), (-1.8, 8, 30), (1.0, 3, 34)]
    pts, x0, base, xh = [], 60.0, 120.0, 24.0
    for hgt, back, adv in letters:
        for k in range(80):
            t = k / 80
            ang = 2 * math.pi * t
            y = base - xh * abs(hgt) * (1 - math.cos(ang)) / 2 * (1 if hgt > 0 else -1)
            pts.append((x0 + adv * t - back * math.sin(ang) + 0.32 * (base - y), y))
        x0 += adv
    end_x, end_y = pts[-1]
    for k in range(1, 120):  # the tail sweeps back under the name
        t = k / 119
        pts.append((end_x + 40 * math.sin(t * math.pi / 2) - (end_x - 40) * t ** 1.6,
                    end_y + 34 * math.sin(t * math.pi) + 8 * t))
    d.line([(x * s, y * s) for x, y in pts], fill=25, width=int(3.6 * s), joint="curve")
    gray = img.resize((w, h), Image.LANCZOS)
    left, top, right, bottom = Image.eval(gray, lambda v: 255 - v).getbbox()
    gray = gray.crop((max(0, left - 12), max(0, top - 12), right + 12, bottom + 12))
    gray = gray.point(lambda v: 255 if v > 245 else v)  # a pure white background
    ink = Image.new("RGB", gray.size, "#1B2A6B")
    Image.composite(Image.new("RGB", gray.size, "white"), ink, gray).save(path, "PNG",
                                                                           optimize=True)


def make_qr(path: Path) -> None:
    """A sample QR code; certkit swaps in each certificate's own code."""
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    qr.add_data("https://certificates.example.org/verify/SAMPLE")
    qr.make(fit=True)
    qr.make_image().save(str(path))


def make_band(color: str) -> bytes:
    """A small solid JPEG, stretched by Word/LibreOffice into a colour band."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), f"#{color}").save(buf, "JPEG", quality=95)
    return buf.getvalue()


# ---------------------------------------------------------------- document helpers


def new_document(left: float, right: float, top: float, bottom: float, latin: str, cjk: str):
    """A landscape A4 document with the given margins (mm) and default fonts."""
    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = Mm(297), Mm(210)
    sec.left_margin, sec.right_margin = Mm(left), Mm(right)
    sec.top_margin, sec.bottom_margin = Mm(top), Mm(bottom)
    sec.header_distance = sec.footer_distance = Mm(6)
    normal = doc.styles["Normal"]
    normal.font.name = latin
    normal.font.size = Pt(12)
    rfonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), cjk)
    rfonts.set(qn("w:cs"), "DejaVu Sans")
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        for el in defaults.iter(qn("w:rFonts")):
            for attr in ("w:ascii", "w:hAnsi"):
                el.set(qn(attr), latin)
            el.set(qn("w:eastAsia"), cjk)
            for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
                el.attrib.pop(qn(attr), None)
    return doc


def para(container, align="center", before=0.0, after=0.0, keep=False, indent=(0, 0)):
    """A new paragraph with alignment and spacing (points) in a document or a table cell."""
    p = container.add_paragraph()
    p.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "left": WD_ALIGN_PARAGRAPH.LEFT,
                   "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
    fmt = p.paragraph_format
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    fmt.left_indent, fmt.right_indent = Mm(indent[0]), Mm(indent[1])
    fmt.keep_with_next = keep
    return p


def run(p, text, size=12.0, bold=False, italic=False, color="2E2E2E", font=None,
        spacing=0.0, caps=False, cjk=None):
    """A run of text with its look: size in points, colour hex, letter spacing in points."""
    r = p.add_run(text)
    f = r.font
    f.size, f.bold, f.italic = Pt(size), bold, italic
    f.color.rgb = RGBColor.from_string(color)
    if font:
        f.name = font
    if cjk:
        r._r.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), cjk)
    if caps:
        f.all_caps = True
    if spacing:
        rpr = r._r.get_or_add_rPr()
        rpr.append(parse_xml(f'<w:spacing {nsdecls("w")} w:val="{int(spacing * 20)}"/>'))
    return r


def border(p, side="bottom", color="B08D57", size=6, space=4):
    """A line above or below a paragraph (size in eighths of a point, space in points)."""
    ppr = p._p.get_or_add_pPr()
    ppr.append(parse_xml(
        f'<w:pBdr {nsdecls("w")}><w:{side} w:val="single" w:sz="{size}" w:space="{space}" '
        f'w:color="{color}"/></w:pBdr>'))


def name_picture(shape_xml, name: str) -> None:
    """Name a picture the way Word's 'Edit Alt Text' and LibreOffice's 'Name' do."""
    for el in shape_xml.iter(qn("wp:docPr"), qn("pic:cNvPr")):
        el.set("name", name)
        el.set("descr", name)


def picture(p, image, name: str, width=None, height=None):
    """An inline picture named `name` (its alt text), from a path or bytes."""
    source = io.BytesIO(image) if isinstance(image, bytes) else str(image)
    r = p.add_run()
    shape = r.add_picture(source, width=width, height=height)
    name_picture(shape._inline, name)
    return r


def float_picture(p, image, name: str, x, y, width, height, behind=False):
    """A picture placed at a fixed spot on the page (x, y from the page's top-left corner)."""
    r = picture(p, image, name, width, height)
    inline = r._r.find(".//" + qn("wp:inline"))
    extent = inline.find(qn("wp:extent"))
    docpr, graphic = inline.find(qn("wp:docPr")), inline.find(qn("a:graphic"))
    anchor = parse_xml(
        f'<wp:anchor {nsdecls("wp", "a", "pic", "r")} distT="0" distB="0" distL="0" distR="0" '
        f'simplePos="0" relativeHeight="{1 if behind else 3}" behindDoc="{int(behind)}" '
        f'locked="0" layoutInCell="1" allowOverlap="1">'
        f'<wp:simplePos x="0" y="0"/>'
        f'<wp:positionH relativeFrom="page"><wp:posOffset>{int(x)}</wp:posOffset></wp:positionH>'
        f'<wp:positionV relativeFrom="page"><wp:posOffset>{int(y)}</wp:posOffset></wp:positionV>'
        f'<wp:extent cx="{extent.get("cx")}" cy="{extent.get("cy")}"/>'
        f'<wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/></wp:anchor>')
    anchor.append(docpr)
    anchor.append(parse_xml(f'<wp:cNvGraphicFramePr {nsdecls("wp")}/>'))
    anchor.append(graphic)
    inline.getparent().replace(inline, anchor)
    return r


def page_border(section, style="double", color="B08D57", size=12, space=24):
    """A border around the page, measured from the page edge."""
    sides = "".join(
        f'<w:{s} w:val="{style}" w:sz="{size}" w:space="{space}" w:color="{color}"/>'
        for s in ("top", "left", "bottom", "right"))
    pgborders = parse_xml(f'<w:pgBorders {nsdecls("w")} w:offsetFrom="page">{sides}</w:pgBorders>')
    sectpr = section._sectPr
    sectpr.insert(sectpr.index(sectpr.find(qn("w:pgMar"))) + 1, pgborders)


def plain_table(container, widths_mm, align=WD_TABLE_ALIGNMENT.CENTER):
    """A borderless fixed-width table (one row) for side-by-side blocks."""
    table = container.add_table(rows=1, cols=len(widths_mm))
    table.alignment = align
    table.autofit = False
    tblpr = table._tbl.tblPr
    tblpr.append(parse_xml(f'<w:tblLayout {nsdecls("w")} w:type="fixed"/>'))
    tblpr.append(parse_xml(
        f'<w:tblCellMar {nsdecls("w")}><w:left w:w="0" w:type="dxa"/>'
        f'<w:right w:w="0" w:type="dxa"/></w:tblCellMar>'))
    for cell, width in zip(table.rows[0].cells, widths_mm):
        cell.width = Mm(width)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
    for col, width in zip(table.columns, widths_mm):
        col.width = Mm(width)
    return table


def cell_paragraph(cell, **kw):
    """The cell's first paragraph, formatted like `para`."""
    p = cell.paragraphs[0]
    p.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "left": WD_ALIGN_PARAGRAPH.LEFT,
                   "right": WD_ALIGN_PARAGRAPH.RIGHT}[kw.get("align", "center")]
    p.paragraph_format.space_before = Pt(kw.get("before", 0))
    p.paragraph_format.space_after = Pt(kw.get("after", 0))
    return p


def name_line(container, sizes, align, color, cjk, bold=False, italic=False):
    """The participant's name at a size that fits its length (a long name gets a smaller size).

    One paragraph: each size is a run between {% if %} / {% elif %} tags (small and grey in
    the template; only the chosen run is left in a certificate).
    """
    p = para(container, align=align)
    for i, (limit, size) in enumerate(sizes):
        if limit is None:
            tag = "{% else %}"
        else:
            tag = f"{{% {'if' if i == 0 else 'elif'} <<Full Name>>|length <= {limit} %}}"
        run(p, tag, size=6, color="9A9A9A")
        run(p, "{{Full Name}}", size=size, bold=bold, italic=italic, color=color, cjk=cjk)
    run(p, "{% endif %}", size=6, color="9A9A9A")
    return p


def finish(doc, path: Path, title: str, description: str) -> None:
    """Save with fixed document properties and zip times, so a rebuild is byte-identical."""
    props = doc.core_properties
    props.title, props.comments, props.author = title, description, "certkit"
    props.created = props.modified = datetime(2026, 1, 1)
    props.last_modified_by, props.revision = "certkit", 1
    buf = io.BytesIO()
    doc.save(buf)
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            info = zipfile.ZipInfo(item.filename, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, zin.read(item.filename))
