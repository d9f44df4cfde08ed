"""Word templates built in tests: placeholders in the body, a header, a footer and a text box."""

from __future__ import annotations

from pathlib import Path

import docx
from docx.oxml import parse_xml
from docx.shared import Pt

NAMESPACES = " ".join(f'xmlns:{k}="{v}"' for k, v in {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
}.items())
TEXTBOX = """
<w:r {ns}>
  <w:drawing>
    <wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="2"
               behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1">
      <wp:simplePos x="0" y="0"/>
      <wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>
      <wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>
      <wp:extent cx="5400000" cy="900000"/>
      <wp:effectExtent l="0" t="0" r="0" b="0"/>
      <wp:wrapTopAndBottom/>
      <wp:docPr id="10" name="Name box"/>
      <wp:cNvGraphicFramePr/>
      <a:graphic>
        <a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">
          <wps:wsp>
            <wps:cNvSpPr txBox="1"/>
            <wps:spPr>
              <a:xfrm><a:off x="0" y="0"/><a:ext cx="5400000" cy="900000"/></a:xfrm>
              <a:prstGeom prst="rect"><a:avLst/></a:prstGeom>
            </wps:spPr>
            <wps:txbx>
              <w:txbxContent>
                <w:p><w:r>{rpr}<w:t xml:space="preserve">{text}</w:t></w:r></w:p>
              </w:txbxContent>
            </wps:txbx>
            <wps:bodyPr rot="0" vert="horz" wrap="square" anchor="t"><a:noAutofit/></wps:bodyPr>
          </wps:wsp>
        </a:graphicData>
      </a:graphic>
    </wp:anchor>
  </w:drawing>
</w:r>
"""


def run_fonts(font: str, east_asia: str = "", size: int = 0) -> str:
    """An rPr with explicit fonts for every script slot (east_asia defaults to `font`)."""
    ea = east_asia or font
    sz = f'<w:sz w:val="{size * 2}"/>' if size else ""
    return (f'<w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{ea}" '
            f'w:cs="{font}"/>{sz}</w:rPr>')


def make_template(
    path: Path,
    *,
    body: list[str] = (),
    header: str = "",
    footer: str = "",
    textbox: str = "",
    textbox_font: str = "",
    textbox_east_asia: str = "",
) -> Path:
    """A one-page .docx; `textbox` text goes in a floating text box (wps shape)."""
    document = docx.Document()
    document.styles["Normal"].font.name = "Liberation Sans"
    document.styles["Normal"].font.size = Pt(14)
    section = document.sections[0]
    if header:
        section.header.paragraphs[0].text = header
    if footer:
        section.footer.paragraphs[0].text = footer
    if textbox:
        rpr = run_fonts(textbox_font, textbox_east_asia) if textbox_font else ""
        xml = TEXTBOX.format(ns=NAMESPACES, rpr=rpr, text=textbox)
        document.add_paragraph()._p.append(parse_xml(xml))
    for line in body:
        document.add_paragraph(line)
    document.save(path)
    return path
