"""Can the template's fonts draw every character of a value? (A CJK name in a Latin-only font.)

The fonts are read from the .docx itself (document, headers, footers, text boxes; run, style,
document defaults and theme), for the runs that hold each placeholder, per script slot as Word
and LibreOffice use them: Western, East Asian, Complex (Arabic, Hebrew, Indic, Thai...).
`fc-match` finds the installed file LibreOffice will use, fontTools reads its character map.
LibreOffice borrows missing characters from other installed fonts, so a gap is a warning:
the characters come out in another typeface, or as empty boxes when no font has them.
"""

from __future__ import annotations

import bisect
import functools
import re
import subprocess
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
SLOTS = ("western", "asian", "complex")
_ATTRS = {"ascii": ("ascii", "asciiTheme"), "hAnsi": ("hAnsi", "hAnsiTheme"),
          "eastAsia": ("eastAsia", "eastAsiaTheme"), "cs": ("cs", "cstheme")}
_PARTS = re.compile(r"^word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml$")
_ASIAN = ((0x1100, 0x11FF), (0x2E80, 0x9FFF), (0xA000, 0xA4CF), (0xAC00, 0xD7AF),
          (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF))
_COMPLEX = ((0x0590, 0x08FF), (0x0900, 0x0DFF), (0x0E00, 0x0EFF), (0x0F00, 0x0FFF),
            (0x1000, 0x109F), (0x1780, 0x18AF), (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF))
PACKAGES = {"asian": "fonts-noto-cjk", "complex": "fonts-noto-core",
            "emoji": "fonts-noto-color-emoji", "western": "fonts-noto-core"}
SCRIPT_WORDS = {"asian": "Chinese/Japanese/Korean", "complex": "Arabic/Hebrew/Indic/Thai",
                "western": "these", "emoji": "emoji"}



@dataclass(frozen=True)
class FontMatch:
    """What fontconfig gives for a family name: the family really used, its file and face."""

    requested: str
    family: str
    path: str
    index: int = 0

    @property
    def substituted(self) -> bool:
        """True when the requested font is not installed and another stands in for it."""
        return self.family.casefold() != self.requested.casefold()


@dataclass(frozen=True)
class GlyphGap:
    """Characters of a value that a template font lacks, and who can draw them instead."""

    font: str  # the family the template asks for
    slot: str  # western | asian | complex | emoji
    chars: str  # the missing characters, each once
    fallback: str  # an installed family that has them, or '' (they print as boxes)


def available() -> bool:
    """True when fontconfig's fc-match and fc-list are installed (Linux; often absent elsewhere)."""
    import shutil

    return bool(shutil.which("fc-match") and shutil.which("fc-list"))


def slot_of(ch: str) -> str:
    """The script slot LibreOffice picks a font from for `ch` (western, asian or complex)."""
    cp = ord(ch)
    if cp < 0x0590:  # below every Asian and complex-script range (Latin, Greek, Cyrillic, ...)
        return "western"
    if any(lo <= cp <= hi for lo, hi in _ASIAN):
        return "asian"
    if any(lo <= cp <= hi for lo, hi in _COMPLEX):
        return "complex"
    return "western"


def placeholder_fonts(docx: Path, placeholders: Iterable[str]) -> dict[str, set[tuple[str, str]]]:
    """For each placeholder found in `docx`, the (slot, family) pairs its runs use."""
    names = list(placeholders)
    patterns = {n: re.compile(r"[{«\[]\s*" + re.escape(n) + r"\s*[}»\]|]") for n in names}
    found: dict[str, set[tuple[str, str]]] = {n: set() for n in names}
    with zipfile.ZipFile(docx) as zf:
        styles = _Styles(zf)
        for part in (n for n in zf.namelist() if _PARTS.match(n)):
            root = etree.fromstring(zf.read(part))
            for para, runs in _paragraph_runs(root).items():
                text, spans = "", []
                for run in runs:
                    piece = "".join(t.text or "" for t in run.findall(f"{W}t"))
                    spans.append((len(text), len(text) + len(piece), run))
                    text += piece
                for name, pattern in patterns.items():
                    for m in pattern.finditer(text):
                        for start, end, run in spans:
                            if start < m.end() and end > m.start() and end > start:
                                found[name] |= styles.run_fonts(para, run)
    return {n: f for n, f in found.items() if f}


def glyph_gaps(text: str, fonts: set[tuple[str, str]]) -> list[GlyphGap]:
    """The characters of `text` each template font cannot draw (fonts given as (slot, family))."""
    gaps: list[GlyphGap] = []
    by_slot: dict[str, list[str]] = {}
    for ch in dict.fromkeys(text):
        if ch.isspace() or not ch.isprintable() or 0xFE00 <= ord(ch) <= 0xFE0F:
            continue
        by_slot.setdefault(slot_of(ch), []).append(ch)
    for slot, chars in by_slot.items():
        families = sorted(f for s, f in fonts if s == slot)
        if not families:  # the template names no font for this script: LibreOffice's default
            missing = [c for c in chars if not any_font_has(c)]
            if missing:
                gaps.append(GlyphGap("", _slot_name(slot, missing), "".join(missing), ""))
            continue
        for family in families:
            match = font_file(family)
            if not match.path:
                continue
            cmap = _cmap(match.path, match.index)
            missing = [c for c in chars if ord(c) not in cmap]
            nobody = [c for c in missing if not any_font_has(c)]
            borrowed = [c for c in missing if c not in nobody]
            if borrowed:
                fallback = any_font_has("".join(borrowed)) or any_font_has(borrowed[0])
                gaps.append(GlyphGap(family, _slot_name(slot, borrowed), "".join(borrowed),
                                     fallback))
            if nobody:
                gaps.append(GlyphGap(family, _slot_name(slot, nobody), "".join(nobody), ""))
    return gaps


@functools.lru_cache(maxsize=256)
def font_file(family: str) -> FontMatch:
    """The installed font file fontconfig (and so LibreOffice) uses for `family`."""
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{family[0]}\t%{file}\t%{index}", family],
            capture_output=True, text=True, timeout=20, check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return FontMatch(family, "", "")
    parts = out.split("\t")
    if len(parts) != 3:
        return FontMatch(family, "", "")
    return FontMatch(family, parts[0], parts[1], int(parts[2] or 0))


def any_font_has(chars: str) -> str:
    """An installed family that has every character of `chars`, or '' when none has them."""
    points = [ord(c) for c in chars]
    for family, starts, ends in _installed_charsets():
        if all((i := bisect.bisect_right(starts, p) - 1) >= 0 and p <= ends[i] for p in points):
            return family
    return ""


@functools.lru_cache(maxsize=1)
def _installed_charsets() -> list[tuple[str, list[int], list[int]]]:
    """Every installed font's family and character ranges, from one `fc-list` call."""
    try:
        out = subprocess.run(["fc-list", "--format", "%{family[0]}\t%{charset}\n"],
                             capture_output=True, text=True, timeout=30, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    fonts = []
    for line in sorted(out.splitlines()):
        family, _, charset = line.partition("\t")
        starts, ends = [], []
        for part in charset.split():
            lo, _, hi = part.partition("-")
            starts.append(int(lo, 16))
            ends.append(int(hi or lo, 16))
        if starts:
            fonts.append((family, starts, ends))
    return fonts


@functools.lru_cache(maxsize=64)
def _cmap(path: str, index: int) -> frozenset[int]:
    """The code points a font file maps to glyphs."""
    from fontTools.ttLib import TTFont

    try:
        font = TTFont(path, fontNumber=index, lazy=True)
        return frozenset(font.getBestCmap() or {})
    except Exception:  # an unreadable font draws nothing we can vouch for
        return frozenset()


def _slot_name(slot: str, chars: list[str]) -> str:
    """'emoji' for pictographs (so the fix names an emoji font), else the slot."""
    if slot == "western" and all(ord(c) >= 0x1F000 or 0x2600 <= ord(c) <= 0x27BF for c in chars):
        return "emoji"
    return slot


def _paragraph_runs(root: etree._Element) -> dict[etree._Element, list[etree._Element]]:
    """Each paragraph with its own runs (not those of text boxes nested inside it)."""
    result: dict[etree._Element, list[etree._Element]] = {}
    for run in root.iter(f"{W}r"):
        para = next(run.iterancestors(f"{W}p"), None)
        if para is not None:
            result.setdefault(para, []).append(run)
    return result


class _Styles:
    """Font resolution over styles.xml and the theme: defaults, style chains, direct formatting."""

    def __init__(self, zf: zipfile.ZipFile):
        self.theme: dict[str, str] = {}
        theme = next((n for n in zf.namelist() if n.startswith("word/theme/")), None)
        if theme:
            root = etree.fromstring(zf.read(theme))
            for kind in ("major", "minor"):
                font = root.find(f".//{A}{kind}Font")
                if font is not None:
                    for tag, suffix in (("latin", ("Ascii", "HAnsi")), ("ea", ("EastAsia",)),
                                        ("cs", ("Bidi",))):
                        el = font.find(f"{A}{tag}")
                        for s in suffix:
                            self.theme[kind + s] = el.get("typeface", "") if el is not None else ""
        self.styles: dict[str, etree._Element] = {}
        self.defaults: dict[str, str] = {}
        self.default_para = ""
        if "word/styles.xml" in zf.namelist():
            root = etree.fromstring(zf.read("word/styles.xml"))
            rpr = root.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
            self.defaults = self._fonts(rpr)
            for style in root.iter(f"{W}style"):
                sid = style.get(f"{W}styleId", "")
                self.styles[sid] = style
                default = style.get(f"{W}default") in ("1", "true")
                if style.get(f"{W}type") == "paragraph" and default:
                    self.default_para = sid

    def _fonts(self, rpr: etree._Element | None) -> dict[str, str]:
        """The rFonts of an rPr, theme references resolved (theme wins, as in Word)."""
        fonts: dict[str, str] = {}
        el = rpr.find(f"{W}rFonts") if rpr is not None else None
        if el is None:
            return fonts
        for slot, (plain, themed) in _ATTRS.items():
            theme_ref = el.get(f"{W}{themed}")
            value = self.theme.get(theme_ref, "") if theme_ref else el.get(f"{W}{plain}", "")
            if value or theme_ref:
                fonts[slot] = value
        return fonts

    def _chain(self, style_id: str) -> dict[str, str]:
        """Fonts from a style and the styles it is based on (base first, then overrides)."""
        chain, seen = [], set()
        while style_id and style_id in self.styles and style_id not in seen:
            seen.add(style_id)
            chain.append(self.styles[style_id])
            based = self.styles[style_id].find(f"{W}basedOn")
            style_id = based.get(f"{W}val", "") if based is not None else ""
        fonts: dict[str, str] = {}
        for style in reversed(chain):
            fonts.update(self._fonts(style.find(f"{W}rPr")))
        return fonts

    def run_fonts(self, para: etree._Element, run: etree._Element) -> set[tuple[str, str]]:
        """(slot, family) for a run: defaults < paragraph style < character style < direct."""
        fonts = dict(self.defaults)
        pstyle = para.find(f"{W}pPr/{W}pStyle")
        fonts.update(self._chain(pstyle.get(f"{W}val", "") if pstyle is not None
                                 else self.default_para))
        rstyle = run.find(f"{W}rPr/{W}rStyle")
        if rstyle is not None:
            fonts.update(self._chain(rstyle.get(f"{W}val", "")))
        fonts.update(self._fonts(run.find(f"{W}rPr")))
        pairs = {("western", fonts.get("ascii", "")), ("western", fonts.get("hAnsi", "")),
                 ("asian", fonts.get("eastAsia", "")), ("complex", fonts.get("cs", ""))}
        return {(slot, family) for slot, family in pairs if family}
