"""event.toml: one event's settings, read into small dataclasses and written back with comments kept."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit

from .errors import ConfigError

EVENT_FILE = "event.toml"
DELIVER = ("attach", "link", "both")  # [email] deliver: the PDF attached, a personal link, or both


@dataclass
class RosterConfig:
    """Where the roster lives and which columns identify a person."""

    source: str = "xlsx"  # xlsx | csv | sheets
    path: str = "roster.xlsx"  # local file, relative to the event folder
    url: str = ""  # Google Sheet URL, key or title (source = "sheets")
    worksheet: str = ""  # worksheet name; blank = the first
    header_row: int = 1  # the row holding the column names
    email_column: str = "Email"  # the column with each person's email address
    name_column: str = "Full Name"  # the column with each person's name (who it is for)
    eligible: str = ""  # optional filter, e.g. "Attended == 'yes'"
    credentials: str = ""  # Google service-account JSON or OAuth client file
    auth: str = "service_account"  # service_account | oauth | default
    flush_rows: int = 500  # write statuses every N rows ...
    flush_seconds: float = 10.0  # ... or every T seconds, and at the end
    update_email: bool = True  # `certkit resend --to` writes the corrected address into the sheet
    delimiter: str = ""  # CSV only: "," ";" or "\t"; blank = detected from the file
    encoding: str = ""  # CSV only: "utf-8", "cp1252", ...; blank = UTF-8 (BOM or not), else cp1252


@dataclass
class StatusColumns:
    """Names of the status columns certkit writes (created when missing, found by name)."""

    certificate_id: str = "Certificate ID"  # each row's certificate ID
    status: str = "Status"  # Sent, Not sent, Failed, ...
    sent_at: str = "Sent at"  # when it was sent, local time (2026-12-01 19:41)
    detail: str = "Detail"  # why a row is not sent, or the bounce reason, in words

    def names(self) -> dict[str, str]:
        """Status kind -> column name."""
        return dataclasses.asdict(self)


@dataclass
class TemplateConfig:
    """The Word template and the pictures placed into it."""

    path: str = "template.docx"  # the Word template (.docx), or a Google Docs address
    pictures: dict[str, str] = field(default_factory=dict)  # picture name -> file or {column}
    optional: list[str] = field(default_factory=list)  # placeholders that may be left empty
    by_column: str = ""  # a column that picks each row's template, e.g. "Language"
    choices: dict[str, Any] = field(default_factory=dict)  # [template.choices]: value = "its.docx"
    converter: str = "auto"  # how .docx becomes PDF: auto | libreoffice | word


@dataclass
class DateField:
    """A computed field: a date column formatted one way for the whole event."""

    column: str = ""  # the roster column holding the date
    format: str = "d MMMM yyyy"  # how to write it: "d MMMM yyyy" gives 15 January 2026
    locale: str = "en"  # language of month names: "fr" gives 15 janvier 2026
    order: str = ""  # numeric dates like 03/04/2026: "dmy" or "mdy"; blank = from the locale


@dataclass
class EmailConfig:
    """Who the mail is from and what it says (Jinja over the row's fields)."""

    sender: str = "certificates@example.org"  # the From address (Gmail: your account)
    sender_name: str = "Certificates"  # the name people see as the sender
    reply_to: str = ""  # where replies go: a mailbox someone reads
    subject: str = "Your certificate"  # the subject; {{ Column }} puts in a row's value
    body: str = "Hello {{ name }},\n\nYour certificate is attached.\n"  # the message text
    html: str = ""  # the same message as HTML (optional)
    attachment_name: str = "Certificate {{ certificate_id }}.pdf"  # the PDF's name in the mail
    deliver: str = "attach"  # attach | link (a personal download link instead) | both


@dataclass
class TransportConfig:
    """How mail leaves: outbox (.eml files), smtp or gmail, and the limits to respect."""

    backend: str = "outbox"  # outbox | smtp | gmail
    host: str = ""  # the SMTP server (smtp only)
    port: int = 0  # 0 = the usual one for the security chosen
    security: str = "starttls"  # ssl | starttls | none
    username: str = ""  # the login (Gmail: your address); the password stays in the keyring
    password_env: str = "CERTKIT_SMTP_PASSWORD"  # environment variable for the password
    outbox_dir: str = "out/outbox"  # where the outbox writes .eml files
    per_minute: int = 0  # 0 = no throttle
    daily_limit: int = 0  # 0 = none (gmail defaults to 500)
    timeout: float = 60.0  # seconds to wait for the mail server
    retries: int = 4  # tries per message when the server says "try again later" (4xx)
    retry_wait: float = 5.0  # seconds before the first retry, doubled each time
    imap_host: str = ""  # where sent mail is kept (gmail: imap.gmail.com), to settle Unknown rows
    imap_port: int = 0  # 0 = the usual one
    imap_security: str = "ssl"  # ssl | starttls | none
    sent_folder: str = ""  # empty = the folder the server marks as Sent
    bounce_folder: str = "INBOX"  # where bounces arrive (`certkit bounces` reads it, read-only)
    check_bounces: bool = False  # also look for bounces at the end of every `run --send`


@dataclass
class SiteConfig:
    """What the verification pages say about the issuer, and the LinkedIn "Add to profile" link."""

    organization: str = ""  # the issuer shown on each page and sent to LinkedIn; blank = sender_name
    linkedin_organization_id: str = ""  # the number in your LinkedIn company page's admin address
    linkedin: bool = True  # show "Add to LinkedIn profile" on the pages of valid certificates


@dataclass
class Event:
    """One event folder: its settings and the paths they point to."""

    folder: Path
    name: str = "My event"  # the event's name, shown on the verification pages
    verify_base_url: str = "https://example.org/verify"  # QR codes open <this>/<certificate ID>
    output_dir: str = "out"  # PDFs go to <this>/pdf, test mail to <this>/outbox
    roster: RosterConfig = field(default_factory=RosterConfig)
    status_columns: StatusColumns = field(default_factory=StatusColumns)
    template: TemplateConfig = field(default_factory=TemplateConfig)
    mapping: dict[str, str] = field(default_factory=dict)  # placeholder -> column
    constants: dict[str, str] = field(default_factory=dict)  # placeholder -> fixed text
    fields: dict[str, str] = field(default_factory=dict)  # placeholder -> "{First name} {Last name}"
    dates: dict[str, DateField] = field(default_factory=dict)  # placeholder -> date field
    email: EmailConfig = field(default_factory=EmailConfig)
    transport: TransportConfig = field(default_factory=TransportConfig)
    site: SiteConfig = field(default_factory=SiteConfig)

    def path(self, relative: str) -> Path:
        """A path from event.toml, resolved against the event folder."""
        p = Path(os.path.expanduser(relative))
        return p if p.is_absolute() else self.folder / p

    @property
    def out(self) -> Path:
        """The output folder (PDFs, outbox)."""
        return self.path(self.output_dir)

    @property
    def issuer(self) -> str:
        """Who issues the certificates, as the verification pages and LinkedIn show it."""
        return self.site.organization.strip() or self.email.sender_name.strip() or self.name

    @property
    def identity_columns(self) -> list[str]:
        """Columns whose values identify a person when no certificate ID is in the sheet yet."""
        return [self.roster.email_column, self.roster.name_column]


_SECTIONS = {
    "roster": RosterConfig,
    "status_columns": StatusColumns,
    "template": TemplateConfig,
    "email": EmailConfig,
    "transport": TransportConfig,
    "site": SiteConfig,
}
_TOP = {"name", "verify_base_url", "output_dir", "mapping", "constants", "fields", "dates"}


def _build(cls: type, data: dict[str, Any], where: str) -> Any:
    """Make dataclass `cls` from a TOML table, refusing unknown keys with the valid ones listed."""
    names = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise ConfigError(
            f"event.toml [{where}] has unknown setting(s) {', '.join(unknown)}. "
            f"Valid settings: {', '.join(sorted(names))}."
        )
    kwargs = {}
    for key, value in data.items():
        default = getattr(cls(), key) if key != "folder" else None
        if isinstance(default, bool | int | float) and not isinstance(value, type(default)):
            if not (isinstance(default, float) and isinstance(value, int)):
                raise ConfigError(
                    f"event.toml [{where}] {key} should be a {type(default).__name__}, "
                    f"not {value!r}."
                )
        kwargs[key] = value.unwrap() if hasattr(value, "unwrap") else value
    return cls(**kwargs)


def load_event(folder: str | os.PathLike[str]) -> Event:
    """Read `folder/event.toml` into an Event; raise ConfigError naming what to fix."""
    folder = Path(folder).resolve()
    file = folder / EVENT_FILE
    if not file.exists():
        raise ConfigError(
            f"No {EVENT_FILE} in {folder}. Create an event with: certkit init {folder}"
        )
    try:
        doc = tomlkit.parse(file.read_text(encoding="utf-8")).unwrap()
    except Exception as exc:  # tomlkit raises several parse error types
        raise ConfigError(f"{file} is not valid TOML: {exc}. Fix the line it names.") from exc
    unknown = sorted(set(doc) - _TOP - set(_SECTIONS))
    if unknown:
        raise ConfigError(
            f"{EVENT_FILE} has unknown section(s) or setting(s): {', '.join(unknown)}. Valid: "
            f"{', '.join(sorted(_TOP | set(_SECTIONS)))}."
        )
    event = Event(folder=folder)
    for key in ("name", "verify_base_url", "output_dir"):
        if key in doc:
            setattr(event, key, str(doc[key]))
    for key, cls in _SECTIONS.items():
        if key in doc:
            setattr(event, key, _build(cls, doc[key], key))
    event.mapping = {str(k): str(v) for k, v in doc.get("mapping", {}).items()}
    event.constants = {str(k): str(v) for k, v in doc.get("constants", {}).items()}
    event.fields = {str(k): str(v) for k, v in doc.get("fields", {}).items()}
    event.dates = {str(k): _build(DateField, v, f"dates.{k}") for k, v in doc.get("dates", {}).items()}
    if event.email.deliver not in DELIVER:
        raise ConfigError(f"event.toml [email] deliver = '{event.email.deliver}' is unknown. Use "
                          f"{', '.join(DELIVER)}.")
    return event


def save_setting(folder: str | os.PathLike[str], table: str, values: dict[str, Any]) -> None:
    """Replace one table of event.toml (e.g. the mapping), keeping the rest and its comments."""
    file = Path(folder) / EVENT_FILE
    doc = tomlkit.parse(file.read_text(encoding="utf-8"))
    new = tomlkit.table()
    for key, value in values.items():
        new[key] = value
    doc[table] = new
    tmp = file.with_suffix(".toml.tmp")
    tmp.write_text(tomlkit.dumps(doc), encoding="utf-8")
    os.replace(tmp, file)


def update_setting(folder: str | os.PathLike[str], table: str, values: dict[str, Any]) -> None:
    """Set some keys of one table of event.toml ("" = the top of the file; None removes a key),
    keeping every other line."""
    file = Path(folder) / EVENT_FILE
    doc = tomlkit.parse(file.read_text(encoding="utf-8"))
    if table and table not in doc:
        doc[table] = tomlkit.table()
    section = doc[table] if table else doc  # "" = the settings at the top of the file
    for key, value in values.items():
        if value is None:
            section.pop(key, None)
        else:
            section[key] = value
    tmp = file.with_suffix(".toml.tmp")
    tmp.write_text(tomlkit.dumps(doc), encoding="utf-8")
    os.replace(tmp, file)
