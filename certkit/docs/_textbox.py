"""Text boxes of fixed size: will a row's value fit, or will Word and LibreOffice cut it off?

A placeholder inside a text box (a wps shape without "resize shape to fit text") is measured
with the font LibreOffice will use: the paragraph's text with the value put in, wrapped to the
box's inner width, must fit its inner height. A long name that would be clipped gets a warning
before anything is rendered, not a silent half-name on a certificate.
"""

from __future__ import annotations

import functools
import math
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ._fonts import _PARTS, W, _Styles, font_file

WPS = "{http://schemas.microsoft.com/office/word/2010/wordprocessingShape}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
EMU_PER_PT = 12700
INSET_LR, INSET_TB = 91440, 45720  # Word's default inner margins (0.1 in, 0.05 in)
DEFAULT_SIZE = 11.0


@dataclass(frozen=True)
class TextBox:
    """Where a placeholder sits in a fixed-size text box: the paragraph and the room it has."""

    placeholder: str
    paragraph: str  # the paragraph's text as written, placeholder included
    token: str  # the placeholder as written in it, e.g. "{{ full_name }}"
    width: float  # inner width, points
    height: float  # inner height, points
    size: float  # font size, points
    family: str  # the western font family ("" when the template names none)

    def clipped(self, value: str) -> bool:
        """True when the paragraph with `value` in place needs more lines than the box holds."""
        font = _font(self.family, self.size)
        if font is None or self.width <= 0:
            return False
        text = self.paragraph.replace(self.token, value)
        ascent, descent = font.getmetrics()
        line = (ascent + descent) / 10
        lines = max(1, math.ceil(font.getlength(text) / 10 / self.width))
        return lines * line > self.height + 0.5


@functools.lru_cache(maxsize=64)
def _font(family: str, size: float):  # -> PIL.ImageFont.FreeTypeFont | None
    """The font file fontconfig picks for `family`, at ten times `size` (for precision)."""
    from PIL import ImageFont

    match = font_file(family or "Liberation Serif")
    if not match.path:
        return None
    try:
        return ImageFont.truetype(match.path, size=max(1, round(size * 10)), index=match.index)
    except OSError:
        return None


def text_boxes(docx: Path, placeholders: Iterable[str]) -> list[TextBox]:
    """Every placeholder of `placeholders` written inside a fixed-size text box of `docx`."""
    names = list(placeholders)
    patterns = {n: re.compile(r"(\{\{\s*" + re.escape(n) + r"\s*\}\}|<<\s*" + re.escape(n) + r"\s*>>)")
                for n in names}
    found: list[TextBox] = []
    with zipfile.ZipFile(docx) as zf:
        styles = _Styles(zf)
        sizes = _Sizes(zf)
        for part in (n for n in zf.namelist() if _PARTS.match(n)):
            root = etree.fromstring(zf.read(part))
            for shape in root.iter(f"{WPS}wsp"):
                if any(a.tag == MC_FALLBACK for a in shape.iterancestors()):
                    continue
                room = _room(shape)
                if room is None:
                    continue
                for para in shape.iter(f"{W}p"):
                    runs = list(para.iter(f"{W}r"))
                    text = "".join(t.text or "" for r in runs for t in r.iter(f"{W}t"))
                    for name, pattern in patterns.items():
                        m = pattern.search(text)
                        if m and runs:
                            family = next((f for slot, f in sorted(styles.run_fonts(para, runs[0]))
                                           if slot == "western"), "")
                            found.append(TextBox(name, text, m.group(1), room[0], room[1],
                                                 sizes.size(para, runs[0]), family))
    return found


def _room(shape: etree._Element) -> tuple[float, float] | None:
    """Inner (width, height) in points of a text box that keeps its size; None if it grows."""
    body = shape.find(f"{WPS}bodyPr")
    ext = shape.find(f"{WPS}spPr/{A}xfrm/{A}ext")
    if shape.find(f"{WPS}txbx") is None or ext is None:
        return None
    if body is not None and (body.find(f"{A}spAutoFit") is not None
                             or body.find(f"{A}normAutofit") is not None):
        return None
    get = (lambda k, d: int(body.get(k, d))) if body is not None else (lambda _k, d: d)
    width = int(ext.get("cx", "0")) - get("lIns", INSET_LR) - get("rIns", INSET_LR)
    height = int(ext.get("cy", "0")) - get("tIns", INSET_TB) - get("bIns", INSET_TB)
    return width / EMU_PER_PT, height / EMU_PER_PT


class _Sizes:
    """Font sizes: direct formatting, then the paragraph style chain, then the document default."""

    def __init__(self, zf: zipfile.ZipFile):
        self.styles: dict[str, etree._Element] = {}
        self.default = DEFAULT_SIZE
        self.default_para = ""
        if "word/styles.xml" in zf.namelist():
            root = etree.fromstring(zf.read("word/styles.xml"))
            sz = root.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}sz")
            if sz is not None:
                self.default = int(sz.get(f"{W}val", "22")) / 2
            for style in root.iter(f"{W}style"):
                self.styles[style.get(f"{W}styleId", "")] = style
                if style.get(f"{W}type") == "paragraph" and style.get(f"{W}default") in ("1", "true"):
                    self.default_para = style.get(f"{W}styleId", "")

    def size(self, para: etree._Element, run: etree._Element) -> float:
        """The run's font size in points."""
        sz = run.find(f"{W}rPr/{W}sz")
        if sz is not None:
            return int(sz.get(f"{W}val", "22")) / 2
        pstyle = para.find(f"{W}pPr/{W}pStyle")
        style_id = pstyle.get(f"{W}val", "") if pstyle is not None else self.default_para
        seen: set[str] = set()
        while style_id in self.styles and style_id not in seen:
            seen.add(style_id)
            sz = self.styles[style_id].find(f"{W}rPr/{W}sz")
            if sz is not None:
                return int(sz.get(f"{W}val", "22")) / 2
            based = self.styles[style_id].find(f"{W}basedOn")
            style_id = based.get(f"{W}val", "") if based is not None else ""
        return self.default
