"""Text hygiene for roster cells: invisible characters, odd spaces, and names typed in one case.

Why by hand: nameparser (the maintained name library) reorders "DE SOUZA, ANA" and writes
"MACHADO" as "MacHado"; certificates need the name as typed, only with its case repaired.
"""

from __future__ import annotations

import re
import unicodedata

from .._text import INVISIBLE, JOINERS, ODD_SPACES, clean_text

PARTICLES = {
    "van", "von", "der", "den", "de", "del", "della", "dello", "dei", "degli", "di", "da", "das",
    "dos", "do", "du", "la", "le", "les", "lo", "ten", "ter", "te", "zu", "zum", "zur", "y", "e",
    "af", "av", "bin", "binti", "ibn", "bint", "al", "el", "van't", "in", "het", "'t",
}
ROMAN = {"ii", "iii", "iv"}  # generational suffixes kept upper case


def odd_characters(text: str) -> list[str]:
    """Names of the invisible or unusual characters in `text` (each kind once), for a message."""
    if text.isprintable():  # most cells: every character reported here is unprintable
        return []
    found: dict[str, None] = {}
    latin_only = all(ord(ch) < 0x250 or ch in JOINERS for ch in text)
    for ch in text:
        if ch in INVISIBLE:
            found[INVISIBLE[ch]] = None
        elif ch in ODD_SPACES:
            found[ODD_SPACES[ch]] = None
        elif ch in JOINERS and latin_only:  # joiners are needed in emoji and some scripts
            found[JOINERS[ch]] = None
        elif unicodedata.category(ch) == "Cc":
            found["line break or tab" if ch in "\r\n\t" else "control character"] = None
    return list(found)


def name_case_problem(name: str) -> str:
    """'ALL CAPS' or 'all lowercase' when a name is typed so and a proper-case form differs."""
    cased = [ch for ch in name if ch.isupper() or ch.islower()]
    if len(cased) < 3:  # "DJ", "Li": too short to judge
        return ""
    if all(ch.isupper() for ch in cased):
        kind = "ALL CAPS"
    elif all(ch.islower() for ch in cased):
        kind = "all lowercase"
    else:
        return ""
    return kind if proper_case(name) != name else ""


def proper_case(name: str) -> str:
    """A name in proper case: 'JAN VAN DER BERG' -> 'Jan van der Berg', "o'brien" -> "O'Brien"."""
    words = clean_text(name).split(" ")
    out = []
    for i, word in enumerate(words):
        lower = word.casefold()
        if i > 0 and i < len(words) - 1 and lower in PARTICLES:
            out.append(lower)
        elif i > 0 and lower in ROMAN:
            out.append(word.upper())
        else:
            out.append("-".join(_cap_part(p) for p in word.split("-")))
    return " ".join(out)


def _cap_part(part: str) -> str:
    """One hyphen-free name part capitalized, with O'/D'/L' and Mc prefixes handled."""
    m = re.match(r"^(\w)(['’])(\w+)$", part)
    if m:
        return m.group(1).upper() + m.group(2) + _cap(m.group(3))
    if len(part) > 3 and part.casefold().startswith("mc"):
        return "Mc" + _cap(part[2:])
    return _cap(part)


def _cap(word: str) -> str:
    """First letter upper, the rest lower (Unicode-aware)."""
    return word[:1].upper() + word[1:].lower()
