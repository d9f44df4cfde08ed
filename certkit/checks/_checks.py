"""Pre-flight checks on the roster before anything is rendered or sent: one report, per row and
column, blocking or warning. Blocking rows are skipped with their reason; the rest go ahead."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .._text import clean_text, normalize, suggest
from ..config import Event
from ..docs import (
    MISSING,
    NUMERIC,
    TEXT,
    auto_map,
    compose,
    date_style,
    default_order,
    field_columns,
    field_sources,
    numeric_order,
    parse_date,
    picture_problems,
)
from ..emails import check_email, normalize_email
from ..errors import CertkitError
from ..findings import BLOCKING, WARNING, Finding, Report
from ..sheets import Roster, Row, find_column
from ._eligibility import BLANK_ROW, ExcludedRow, eligible_rows, is_blank
from ._settings import settings_findings, textbox_findings
from ._text import name_case_problem, odd_characters, proper_case


def placeholder_columns(
    event: Event, header: Sequence[str], placeholders: Sequence[str], pictures: Sequence[str] = ()
) -> tuple[dict[str, str], list[Finding]]:
    """Placeholder -> the column that fills it (the resolver rendering uses), and blocking findings
    for placeholders nothing fills or whose column is missing."""
    columns: dict[str, str] = {}
    problems: list[Finding] = []
    unresolved: list[str] = []
    for name, source in field_sources(event, placeholders, header, pictures).items():
        if source.kind == TEXT:
            problems += _field_problems(name, event.fields[name], header)
            continue
        if source.kind == MISSING:
            unresolved.append(name)
            continue
        if not source.needs_column:
            continue
        col = find_column(header, source.column)
        if col:
            columns[name] = col
        else:
            problems.append(Finding(
                None, source.column or None, BLOCKING,
                f"Placeholder '{name}' is set to column '{source.column}' in event.toml "
                f"{source.setting}, but the roster has no such column.",
                (suggest(source.column, header) + " Fix the name in event.toml or in the sheet.").strip(),
            ))
    if unresolved:
        guess = auto_map(unresolved, [h for h in header if h not in columns.values()])
        for name in unresolved:
            col = guess.mapping.get(name, "")
            hint = (f'Closest column: \'{col}\'; if right, add "{name}" = "{col}" under [mapping] '
                    "in event.toml." if col else
                    f'Add "{name}" = "<column>" under [mapping] in event.toml.')
            problems.append(Finding(
                None, None, BLOCKING,
                f"Placeholder '{name}' has no value: no column, constant or date is set for it.",
                f"{hint} If it is the same for everyone, set it under [constants] instead.",
            ))
    return columns, problems


def _field_problems(name: str, text: str, header: Sequence[str]) -> list[Finding]:
    """Blocking findings for a computed text field that names no column or a missing one."""
    used = field_columns(text)
    if not used:
        return [Finding(None, None, BLOCKING,
                        f"event.toml [fields] \"{name}\" = \"{text}\" names no column.",
                        "Put each column name in braces, e.g. \"{First name} {Last name}\"; for "
                        "the same text on every certificate use [constants] instead.")]
    return [Finding(None, col, BLOCKING,
                    f"event.toml [fields] \"{name}\" uses column '{col}', but the roster has no "
                    "such column.",
                    (suggest(col, header) + " Fix the name in event.toml or in the sheet.").strip())
            for col in used if col not in header]


def _field_findings(event: Event, row: Row, placeholders: Sequence[str]) -> list[Finding]:
    """A computed text field that comes out empty for this row blocks it, like an empty cell."""
    found = []
    for name, text in event.fields.items():
        if name in placeholders and name not in event.template.optional and not compose(text, row):
            cols = field_columns(text)
            found.append(Finding(row.number, cols[0] if cols else None, BLOCKING,
                                 f"'{name}' comes out empty: {', '.join(cols)} "
                                 f"{'is' if len(cols) == 1 else 'are'} empty in this row.",
                                 "Fill them in the sheet, or leave this row out with "
                                 "roster.eligible."))
    return found


def check_roster(
    event: Event, roster: Roster, placeholders: Sequence[str], *, template: Path | None = None,
    pictures: Sequence[str] | None = None, conditional: Sequence[str] = (),
) -> Report:
    """Check every eligible row against the mapping, the email rules, the template's fonts and
    text boxes, and the event's settings (see _settings.py).

    `template` is the organizer's .docx, for the font check (default: [template] path);
    `pictures` are the template's named pictures, to check [template] pictures against;
    `conditional` are placeholders only tested in {% if %} (an empty cell is fine there)."""
    columns, findings = placeholder_columns(event, roster.header, placeholders, pictures or ())
    if pictures is not None:
        findings += [Finding(None, None, BLOCKING, msg) for msg in picture_problems(event, list(pictures))]
    try:
        kept, excluded = eligible_rows(event, roster)
        summary = _summary(event, kept, excluded)
    except CertkitError as exc:
        findings.append(Finding(None, None, BLOCKING, str(exc)))
        kept = [r for r in roster.rows if not is_blank(r)]
        excluded = [ExcludedRow(r.number, r.values, BLANK_ROW) for r in roster.rows if is_blank(r)]
        summary = f"{len(kept)} row(s) in the roster; the eligibility filter could not be used."
    findings += _doubts(event, excluded)
    email_col = find_column(roster.header, event.roster.email_column) or event.roster.email_column
    if email_col not in roster.header:
        findings.append(Finding(None, email_col, BLOCKING,
                                f"The roster has no email column '{email_col}'.",
                                (suggest(email_col, roster.header) + " Rename the column "
                                 "or set roster.email_column in event.toml.").strip()))
        email_col = ""
    by_column: dict[str, list[str]] = {}
    for name, col in columns.items():
        by_column.setdefault(col, []).append(name)
    name_col = find_column(roster.header, event.roster.name_column)
    if name_col:
        by_column.setdefault(name_col, [])
    for name, text in event.fields.items():
        if name in placeholders:
            for col in field_columns(text):
                if col in roster.header:
                    by_column.setdefault(col, [])  # hidden characters, stray spaces
    optional = set(event.template.optional) | set(conditional)
    date_cols = {find_column(roster.header, s.column) or s.column: s for s in event.dates.values()}
    for row in kept:
        if email_col:
            for p in check_email(row.get(email_col)):
                findings.append(Finding(row.number, email_col, BLOCKING if p.blocking else WARNING,
                                        p.message, p.suggestion))
        for col, names in by_column.items():
            required = bool(names) and not set(names) <= optional
            findings += _cell_findings(row, col, names, required, col == name_col
                                       or any("name" in n.casefold() for n in names),
                                       date_cols.get(col))
        findings += _field_findings(event, row, placeholders)
    if email_col:
        findings += _duplicates(kept, email_col, name_col)
    for col, spec in date_cols.items():
        if col in roster.header:
            findings += _date_column(kept, col, spec)
    findings += _font_findings(event, kept, columns, template)
    findings += settings_findings(event, roster, placeholders, pictures, columns)
    docx = template or event.path(event.template.path)
    if docx.exists():
        findings += textbox_findings(kept, columns, docx)
    labels = {r.number: _label(r, name_col, email_col) for r in kept}
    return Report(findings, kept_rows=len(kept), labels=labels, summary=summary,
                  excluded={r.number: r.reason for r in excluded})


def _doubts(event: Event, excluded: Sequence[ExcludedRow]) -> list[Finding]:
    """Rows the filter leaves out only because a cell is empty or not a number: said, not silent."""
    expression = event.roster.eligible.strip()
    return [Finding(r.number, column, WARNING,
                    f"Left out by the filter '{expression}' because {why}.",
                    f"Fill in '{column}' if this row should get a certificate.")
            for r in excluded for column, why in r.doubts]


def _cell_findings(row: Row, col: str, names: list[str], required: bool, is_name: bool,
                   date_spec) -> list[Finding]:
    """Findings for one cell: empty, hidden characters, stray spaces, name case, unreadable date."""
    value = row.get(col)
    shown = f"'{names[0]}'" if names else "the name"
    if not clean_text(value):
        if required:
            return [Finding(row.number, col, BLOCKING,
                            f"'{col}' is empty, but the certificate shows it as {shown}.",
                            "Fill it in the sheet, or leave this row out with roster.eligible.")]
        return []
    found: list[Finding] = []
    odd = odd_characters(value)
    if odd:
        found.append(Finding(row.number, col, WARNING,
                             f"'{col}' contains hidden or unusual characters ({', '.join(odd)}).",
                             f"Retype it as: {clean_text(value)}"))
    elif value != value.strip() or "  " in value:
        found.append(Finding(row.number, col, WARNING,
                             f"'{col}' has extra spaces (at the start, the end, or doubled).",
                             f"Retype it as: {clean_text(value)}"))
    if is_name:
        kind = name_case_problem(clean_text(value))
        if kind:
            found.append(Finding(row.number, col, WARNING, f"'{col}' is written in {kind}.",
                                 f"Write it as: {proper_case(value)}"))
    if date_spec is not None:
        try:
            parse_date(value, default_order(date_spec.locale, date_spec.order))
        except ValueError as exc:
            found.append(Finding(row.number, col, BLOCKING, f"'{col}': {exc}.",
                                 "Write the date like 2026-01-15, or set order = \"mdy\" or "
                                 "\"dmy\" for it under [dates] in event.toml."))
    return found


def _duplicates(rows: Sequence[Row], email_col: str, name_col: str) -> list[Finding]:
    """The same email twice: later copies of the same person block; different names warn."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        address = normalize_email(row.get(email_col))
        if address:
            groups.setdefault(address, []).append(row)
    found: list[Finding] = []
    for same in (g for g in groups.values() if len(g) > 1):
        first: dict[str, Row] = {}
        for row in same:
            who = normalize(clean_text(row.get(name_col))) if name_col else ""
            if who in first:
                found.append(Finding(
                    row.number, email_col, BLOCKING,
                    f"Same person as row {first[who].number} (same email and name): they would "
                    "get two certificates.", "Delete one of the two rows in the sheet."))
            else:
                first[who] = row
        if len(first) > 1:
            for who, row in first.items():
                others = [r.number for w, r in first.items() if w != who]
                found.append(Finding(
                    row.number, email_col, WARNING,
                    f"The same email is used with a different name in row(s) {_rows(others)}.",
                    "Fine if they share an address (e.g. a parent's); otherwise correct it."))
    return found


def _date_column(rows: Sequence[Row], col: str, spec) -> list[Finding]:
    """Column-level date findings: several ways of writing dates, day/month order unclear."""
    styles: dict[str, list[int]] = {}
    orders: dict[str, list[int]] = {"dmy": [], "mdy": []}
    ambiguous: list[int] = []
    for row in rows:
        value = row.get(col).strip()
        style = date_style(value) if value else ""
        if style:
            styles.setdefault(style, []).append(row.number)
        if style == NUMERIC and "." not in value:
            order = numeric_order(value)
            (orders[order] if order else ambiguous).append(row.number)
    found: list[Finding] = []
    if len(styles) > 1:
        parts = "; ".join(f"{s} in row(s) {_rows(n)}" for s, n in styles.items())
        found.append(Finding(None, col, WARNING, f"Dates in '{col}' are written in "
                             f"{len(styles)} different ways: {parts}.",
                             "Write them all one way (2026-01-15 is safest)."))
    if orders["dmy"] and orders["mdy"]:
        found.append(Finding(None, col, WARNING,
                             f"'{col}' mixes day/month (rows {_rows(orders['dmy'])}) and "
                             f"month/day (rows {_rows(orders['mdy'])}).",
                             "Rewrite them one way, like 2026-01-15."))
    elif ambiguous and not spec.order and not orders["dmy"] and not orders["mdy"]:
        order = default_order(spec.locale)
        read = "day/month" if order == "dmy" else "month/day"
        found.append(Finding(None, col, WARNING,
                             f"Dates in '{col}' such as '{_value(rows, ambiguous[0], col)}' "
                             f"could be day/month or month/day; certkit reads them as {read}.",
                             f'If that is wrong, set order = "{"mdy" if order == "dmy" else "dmy"}"'
                             " for this date under [dates] in event.toml."))
    return found


def _font_findings(event: Event, rows: Sequence[Row], columns: dict[str, str],
                   template: Path | None) -> list[Finding]:
    """Warnings for characters the template's fonts cannot draw, and fonts not installed."""
    from ..docs import PACKAGES, SCRIPT_WORDS, available, font_file, glyph_gaps, placeholder_fonts

    docx = template or event.path(event.template.path)
    if not docx.exists() or not available():
        return []  # without fontconfig there is no telling which font LibreOffice will use
    try:
        fonts = placeholder_fonts(docx, list(columns) + list(event.constants))
    except Exception:  # a broken .docx is reported by the template check
        return []
    found: list[Finding] = []
    for family in sorted({f for pairs in fonts.values() for _, f in pairs}):
        match = font_file(family)
        if match.path and match.substituted:
            found.append(Finding(None, None, WARNING,
                                 f"The template uses the font '{family}', which is not installed; "
                                 f"'{match.family}' is used instead, so the layout may shift.",
                                 f"Install '{family}', or pick an installed font in the template "
                                 "and check the preview."))
    cells = [(None, name, event.constants[name]) for name in event.constants if name in fonts]
    cells += [(row, name, row.get(col)) for row in rows for name, col in columns.items()
              if name in fonts]
    texts = [(row, name, value, clean_text(value)) for row, name, value in cells]
    # whether a font draws a character does not depend on the cell: look each distinct character
    # up once per placeholder, then name only the cells that hold one the fonts cannot draw
    chars: dict[str, set[str]] = {}
    for _, name, _, text in texts:
        chars.setdefault(name, set()).update(text)
    hard = {name: {ch for gap in glyph_gaps("".join(used), fonts[name]) for ch in gap.chars}
            for name, used in chars.items()}
    for row, name, value, text in texts:
        if hard[name].isdisjoint(text):
            continue
        for gap in glyph_gaps(text, fonts[name]):
            font = f"the font '{gap.font}'" if gap.font else "the template's fonts"
            what = (f"borrowed from another installed font (such as '{gap.fallback}'), so "
                    "they look different from the rest" if gap.fallback
                    else "printed as empty boxes: no installed font has them")
            fix = (f"install {PACKAGES[gap.slot]} (apt install {PACKAGES[gap.slot]}) or "
                   if not gap.fallback else "")
            found.append(Finding(
                row.number if row else None, columns.get(name, name), WARNING,
                f"'{value.strip()}' has characters {font} cannot draw: {' '.join(gap.chars)}. "
                f"They will be {what}.",
                f"To fix, {fix}use a font with {SCRIPT_WORDS[gap.slot]} characters for "
                f"'{name}' in the template, then check the preview."))
    return found


def _summary(event: Event, kept: Sequence[Row], excluded: Sequence[ExcludedRow]) -> str:
    """One line: how many rows, how many the filter keeps."""
    blank = sum(1 for r in excluded if r.reason == BLANK_ROW)
    total = len(kept) + len(excluded) - blank
    if event.roster.eligible.strip():
        return (f"{total} row(s) in the roster; {len(kept)} pass the filter "
                f"'{event.roster.eligible.strip()}', {total - len(kept)} left out.")
    return f"{total} row(s) in the roster, all checked."


def _label(row: Row, name_col: str, email_col: str) -> str:
    """'Name <email>' for headings, shortened."""
    name = clean_text(row.get(name_col)) if name_col else ""
    email = clean_text(row.get(email_col)) if email_col else ""
    label = f"{name} <{email}>".strip() if email else name
    return label if len(label) <= 60 else label[:57] + "..."


def _rows(numbers: Sequence[int], limit: int = 8) -> str:
    """'2, 5, 9' or '2, 5, 9, ... (+12 more)'."""
    shown = ", ".join(map(str, numbers[:limit]))
    return shown + (f", ... (+{len(numbers) - limit} more)" if len(numbers) > limit else "")


def _value(rows: Sequence[Row], number: int, col: str) -> str:
    """The value of `col` in the row numbered `number`."""
    return next((r.get(col).strip() for r in rows if r.number == number), "")
