"""Which roster column fills each template placeholder: found automatically, saved in event.toml.

Matching goes exact name, then normalized name (case, spaces, punctuation and accents ignored,
so "Full Name" = `full_name` = "FULL-NAME"), then closest spelling. A closest-spelling match is
a guess: it is returned in `MappingResult.guessed` and never saved without the organizer's word.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from ..config import Event, save_setting
from ._resolve import BUILTIN_PLACEHOLDERS

GUESS_CUTOFF = 0.75



@dataclass
class MappingResult:
    """The mapping found, what is still missing, and notes an organizer should read."""

    mapping: dict[str, str]  # placeholder -> column (guesses included)
    unmapped: list[str]  # placeholders with no column, constant, date or built-in value
    unused_columns: list[str]  # columns no placeholder uses
    notes: list[str]  # one sentence per decision worth knowing
    guessed: dict[str, str] = field(default_factory=dict)  # closest-spelling matches to confirm

    @property
    def confident(self) -> dict[str, str]:
        """The mapping without the guesses: what may be saved without asking."""
        return {p: c for p, c in self.mapping.items() if p not in self.guessed}


def key(name: str) -> str:
    """A name folded for matching: accents dropped, letters and digits only, casefolded."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def builtin_names(event: Event | None = None, pictures: Collection[str] = ()) -> set[str]:
    """Placeholders that need no column: certkit's own, pictures, constants, dates, computed text."""
    names = set(BUILTIN_PLACEHOLDERS) | set(pictures)
    if event is not None:
        names |= (set(event.template.pictures) | set(event.constants) | set(event.dates)
                  | set(event.fields))
    return names


def auto_map(
    placeholders: Sequence[str],
    header: Sequence[str],
    existing: dict[str, str] | None = None,
    *,
    builtin: Collection[str] = (),
) -> MappingResult:
    """Map each placeholder to a roster column: kept from `existing`, exact, normalized, guessed."""
    existing = dict(existing or {})
    columns = [h for h in header if h.strip()]
    by_key: dict[str, list[str]] = {}
    for col in columns:
        by_key.setdefault(key(col), []).append(col)
    builtin_names_all = set(BUILTIN_PLACEHOLDERS) | set(builtin)
    mapping: dict[str, str] = {}
    guessed: dict[str, str] = {}
    notes: list[str] = []
    todo: list[str] = []
    for name in dict.fromkeys(placeholders):
        if name in existing and existing[name] in columns:
            mapping[name] = existing[name]
        elif name in builtin_names_all:
            continue
        elif name in existing:
            notes.append(
                f"Placeholder '{name}' was mapped to column '{existing[name]}', which is no "
                "longer in the roster."
            )
            todo.append(name)
        elif name in columns:
            mapping[name] = name
        else:
            todo.append(name)
    rest: list[str] = []
    for name in todo:
        found = by_key.get(key(name), [])
        if len(found) == 1:
            mapping[name] = found[0]
            notes.append(f"Placeholder '{name}' -> column '{found[0]}' (same name, written "
                         "differently).")
        else:
            if len(found) > 1:
                notes.append(f"Placeholder '{name}' matches several columns "
                             f"({', '.join(found)}); choose one.")
            rest.append(name)
    free = [c for c in columns if c not in mapping.values()]
    for name in rest:
        col = _closest(name, free)
        if col:
            mapping[name] = guessed[name] = col
            free.remove(col)
            notes.append(f"Placeholder '{name}' -> column '{col}' is a guess (closest spelling): "
                         "check it before sending.")
    unmapped = [n for n in todo if n not in mapping]
    unused = [c for c in columns if c not in mapping.values()]
    return MappingResult(mapping, unmapped, unused, notes, guessed)


def save_mapping(event: Event, mapping: dict[str, str]) -> None:
    """Write `mapping` as the [mapping] table of event.toml and into `event`, keeping the rest."""
    clean = {str(p): str(c) for p, c in mapping.items()}
    save_setting(event.folder, "mapping", clean)
    event.mapping = clean


def _closest(name: str, columns: Sequence[str]) -> str:
    """The one column containing `name` (or contained in it), else the one spelled most like it
    when clearly closer than the others; '' when nothing is close or two are equally close."""
    if not columns:
        return ""
    target = key(name)
    within = [c for c in columns if min(len(target), len(key(c))) >= 4
              and (target in key(c) or key(c) in target)]
    if len(within) == 1:
        return within[0]  # "Course" in "Course title"
    scored = sorted(
        ((difflib.SequenceMatcher(None, target, key(c)).ratio(), c) for c in columns),
        reverse=True,
    )
    best_score, best = scored[0]
    if best_score < GUESS_CUTOFF:
        return ""
    if len(scored) > 1 and best_score - scored[1][0] < 0.05:
        return ""  # two columns equally close: no guess
    return best
