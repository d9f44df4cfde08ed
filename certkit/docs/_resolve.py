"""The field resolver: where each placeholder's text comes from, one rule for every caller.

The check, the preview, rendering and the email text all ask `field_sources` / `row_fields`, so
what `certkit check` approves is what a certificate shows. Precedence, first match wins:

1. a date field (`[dates."X"]`: a column formatted one way),
2. a constant (`[constants]`: the same text for everyone),
3. a computed text field (`[fields]`: "{First name} {Last name}", columns combined),
4. the organizer's `[mapping]` (placeholder -> column),
5. certkit's own values (certificate ID, verification address, event name),
6. a named picture (`qr_code`, `[template] pictures`: placed as an image, not text),
7. a roster column of the same name (matched ignoring case and spacing).

Anything else is MISSING: the check blocks it, rendering leaves it empty.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from ..config import Event
from ..errors import TemplateError
from ..sheets import Row, find_column
from ._dates import format_date

QR_NAME = "qr_code"
CERTKIT_FIELDS = ("certificate_id", "Certificate ID", "verify_url", "event_name")
BUILTIN_PLACEHOLDERS = (*CERTKIT_FIELDS, QR_NAME)  # placeholders that need no column

DATE, CONSTANT, TEXT, COLUMN, CERTKIT, PICTURE, MISSING = (
    "date", "constant", "text", "column", "certkit", "picture", "missing")
COLUMN_REF = re.compile(r"\{([^{}]+)\}")  # {Column name} inside an event.toml [fields] text


def field_columns(text: str) -> list[str]:
    """The columns a computed text field uses, in order: "{First name} {Last name}" -> both."""
    return list(dict.fromkeys(m.strip() for m in COLUMN_REF.findall(text)))


def compose(text: str, row: Row) -> str:
    """A computed text field for one row: each {Column} replaced by the row's cell, spaces tidied
    (an empty middle name leaves no double space). The cells are data: nothing is evaluated."""
    filled = COLUMN_REF.sub(lambda m: row.get(m.group(1).strip()).strip(), text)
    return " ".join(filled.split())


@dataclass(frozen=True)
class FieldSource:
    """Where one placeholder's text comes from: its kind, the column read, the setting that says so."""

    name: str
    kind: str  # DATE, CONSTANT, TEXT, COLUMN, CERTKIT, PICTURE or MISSING
    column: str = ""  # the roster column read (DATE and COLUMN)
    setting: str = ""  # where event.toml sets it, for messages ("" for a same-named column)

    @property
    def needs_column(self) -> bool:
        """True when the text is read from a roster column."""
        return self.kind in (DATE, COLUMN)


def verify_url(event: Event, certificate_id: str) -> str:
    """The address the QR code points to: `{verify_base_url}/{certificate_id}`."""
    return f"{event.verify_base_url.rstrip('/')}/{certificate_id}"


LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


def linkedin_url(event: Event, certificate_id: str, issued: str = "") -> str:
    """LinkedIn's documented "Add to profile" link for this certificate (blank when switched off).

    Opens the recipient's "Add license or certification" form filled in: name (the event),
    organization (by LinkedIn ID when set in [site], else by name), issue year and month (from
    `issued`, an ISO date; default today), the certificate ID and its verification page.
    """
    from datetime import date
    from urllib.parse import urlencode

    if not event.site.linkedin:
        return ""
    when = date.fromisoformat(issued[:10]) if issued[:10] else date.today()
    params = {"startTask": "CERTIFICATION_NAME", "name": event.name}
    if event.site.linkedin_organization_id.strip():
        params["organizationId"] = event.site.linkedin_organization_id.strip()
    else:
        params["organizationName"] = event.issuer
    params.update(issueYear=str(when.year), issueMonth=str(when.month),
                  certUrl=verify_url(event, certificate_id), certId=certificate_id)
    return f"{LINKEDIN_ADD}?{urlencode(params)}"


def certkit_values(event: Event, certificate_id: str) -> dict[str, str]:
    """certkit's own fields for one certificate (template and email text alike)."""
    return {
        "certificate_id": certificate_id,
        "Certificate ID": certificate_id,
        "verify_url": verify_url(event, certificate_id),
        "event_name": event.name,
    }


def field_source(
    event: Event, name: str, header: Sequence[str] | None = None, pictures: Collection[str] = ()
) -> FieldSource:
    """Where placeholder `name`'s text comes from (see the module's precedence).

    With `header`, a same-named column must be in it; without, any name may be a column."""
    if name in event.dates:
        return FieldSource(name, DATE, event.dates[name].column, f'[dates."{name}"] column')
    if name in event.constants:
        return FieldSource(name, CONSTANT, setting="[constants]")
    if name in event.fields:
        return FieldSource(name, TEXT, setting="[fields]")
    if name in event.mapping:
        return FieldSource(name, COLUMN, event.mapping[name], "[mapping]")
    if name in CERTKIT_FIELDS:
        return FieldSource(name, CERTKIT)
    if name == QR_NAME or name in event.template.pictures or name in pictures:
        return FieldSource(name, PICTURE)
    found = name if header is None else find_column(header, name)
    return FieldSource(name, COLUMN, found) if found else FieldSource(name, MISSING)


def field_sources(
    event: Event, placeholders: Sequence[str], header: Sequence[str] | None = None,
    pictures: Collection[str] = (),
) -> dict[str, FieldSource]:
    """field_source for each placeholder, in template order."""
    return {n: field_source(event, n, header, pictures) for n in dict.fromkeys(placeholders)}


def field_text(event: Event, source: FieldSource, row: Row, own: dict[str, str]) -> str | None:
    """The text `source` gives for `row` (`own` = certkit_values); None for pictures and missing.

    Raises TemplateError naming the row and column when a date cannot be read."""
    if source.kind == DATE:
        spec = event.dates[source.name]
        try:
            return format_date(row.get(spec.column), spec.format, spec.locale, spec.order)
        except ValueError as exc:
            raise TemplateError(str(exc), row=row.number, column=spec.column) from exc
    if source.kind == CONSTANT:
        return event.constants[source.name]
    if source.kind == TEXT:
        return compose(event.fields[source.name], row)
    if source.kind == COLUMN:
        if source.column not in row.values and not find_column(row.values, source.column):
            return None
        return row.get(source.column).strip()
    if source.kind == CERTKIT:
        return own[source.name]
    return None


def row_fields(event: Event, row: Row, placeholders: list[str], certificate_id: str) -> dict[str, str]:
    """The text for each placeholder of one row: date, constant, computed text, mapped column, certkit's own,
    same-named column; pictures and unresolved names are left out (they render empty)."""
    own = certkit_values(event, certificate_id)
    fields: dict[str, str] = {}
    for name, source in field_sources(event, placeholders).items():
        text = field_text(event, source, row, own)
        if text is not None:
            fields[name] = text
    return fields
