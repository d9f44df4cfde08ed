"""Text folding for comparisons and suggestions, and cleaning cell text: used by every stage."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

# Characters that print as nothing but break matching, searching and copy-paste.
INVISIBLE = {
    "\u200b": "zero-width space",
    "\u2060": "word joiner",
    "\ufeff": "byte-order mark",
    "\u00ad": "soft hyphen",
    "\u200e": "left-to-right mark",
    "\u200f": "right-to-left mark",
    "\u202a": "direction mark", "\u202b": "direction mark", "\u202c": "direction mark",
    "\u202d": "direction override", "\u202e": "direction override",
    "\u2066": "direction mark", "\u2067": "direction mark", "\u2068": "direction mark",
    "\u2069": "direction mark",
}
JOINERS = {"\u200c": "zero-width non-joiner", "\u200d": "zero-width joiner"}
ODD_SPACES = {"\u00a0": "non-breaking space", "\u202f": "narrow non-breaking space",
              "\u205f": "math space", "\u1680": "ogham space"}
ODD_SPACES.update({chr(c): "typographic space" for c in range(0x2000, 0x200B)})


def normalize(text: str) -> str:
    """Text folded for comparison: Unicode NFKC, stripped, inner whitespace collapsed, casefolded."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(text.split()).casefold()


def suggest(name: str, choices: Sequence[str]) -> str:
    """' Did you mean 'X'?' for the closest choice, or '' when nothing is close."""
    import difflib

    folded = {normalize(c): c for c in choices}
    close = difflib.get_close_matches(normalize(name), list(folded), n=1, cutoff=0.6)
    return f" Did you mean '{folded[close[0]]}'?" if close else ""


_CLEAN = {**{ord(c): None for c in INVISIBLE}, **{ord(c): " " for c in ODD_SPACES},
          **{c: " " for c in [*range(0x20), *range(0x7F, 0xA0)]}}  # category Cc is exactly these
_CLEAN_LATIN = {**_CLEAN, **{ord(c): None for c in JOINERS}}


def clean_text(text: str) -> str:
    """`text` without invisible characters, odd spaces turned into plain ones, spaces collapsed.

    Zero-width joiners are kept where a script needs them (beyond Latin), dropped otherwise.
    """
    if text.isprintable():  # most cells: every character this cleans is unprintable
        return " ".join(text.split())
    latin_only = all(ord(ch) < 0x250 or ch in JOINERS for ch in text)
    return " ".join(text.translate(_CLEAN_LATIN if latin_only else _CLEAN).split())
