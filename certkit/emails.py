"""Email addresses in the roster: syntax (email-validator, no network), obvious typos, fixes."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ._text import clean_text
from .errors import ConfigError

# Widely used mail domains; a domain one or two keystrokes away from one of these is a typo.
POPULAR_DOMAINS = (
    "gmail.com", "googlemail.com", "hotmail.com", "outlook.com", "live.com", "msn.com",
    "yahoo.com", "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com", "mail.com",
    "email.com", "protonmail.com", "proton.me", "gmx.com", "gmx.de", "gmx.net", "web.de",
    "yandex.ru", "yandex.com", "mail.ru", "hotmail.co.uk", "hotmail.fr", "hotmail.de",
    "hotmail.it", "hotmail.es", "yahoo.co.uk", "yahoo.fr", "yahoo.de", "yahoo.es", "yahoo.it",
    "outlook.fr", "outlook.de", "orange.fr", "free.fr", "laposte.net", "libero.it", "qq.com",
    "163.com", "126.com", "naver.com", "t-online.de", "comcast.net", "verizon.net", "att.net",
    "zoho.com", "fastmail.com", "tutanota.com", "seznam.cz", "wp.pl", "o2.pl", "uol.com.br",
    "bol.com.br", "terra.com.br", "rediffmail.com",
)
TLD_TYPOS = {"con": "com", "cpm": "com", "cmo": "com", "ocm": "com", "comm": "com", "xom": "com",
             "vom": "com", "om": "com", "co,": "com", "nett": "net", "ogr": "org", "orgg": "org"}
SHORT_DOMAINS = 8  # below this length, fuzzy matching finds too many real domains


@dataclass(frozen=True)
class EmailProblem:
    """What is wrong with one address: blocking or not, in words, and the fixed address if known."""

    blocking: bool
    message: str
    suggestion: str = ""


def check_email(value: str) -> list[EmailProblem]:
    """Problems with one roster email cell; [] when it is fine to send to."""
    from email_validator import EmailNotValidError, validate_email

    if not value.strip():
        return [EmailProblem(True, "The email address is empty.", "Type the address.")]
    problems: list[EmailProblem] = []
    text = value
    if value != value.strip():
        problems.append(EmailProblem(False, "The email address has spaces before or after it.",
                                     "Delete the spaces around it."))
        text = value.strip()
    try:
        address = validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        fixed = repair_email(text)
        hint = f"Did you mean {fixed}?" if fixed else "Correct it in the sheet."
        return [EmailProblem(True, f"The email address '{value}' is not valid: {exc}", hint)]
    typo = domain_typo(address)
    if typo:
        local = address.rsplit("@", 1)[0]
        problems.append(EmailProblem(
            True,
            f"The email address '{address}' looks mistyped: '{address.rsplit('@', 1)[1]}' is "
            f"probably '{typo}'.",
            f"Did you mean {local}@{typo}? Correct it in the sheet (if it is really right, "
            "ask the person to confirm it).",
        ))
    return problems


def valid_email(value: str, what: str = "The email address") -> str:
    """`value` as an address to send to (normalized), refused exactly as the check refuses it.

    The one rule for an address typed anywhere (resend --to, a test address, the mail account):
    raises ConfigError with the check's own message and fix for anything the check blocks
    (empty, not an address, a mistyped popular domain such as gmial.com)."""
    from email_validator import EmailNotValidError, validate_email

    blocking = [p for p in check_email(value) if p.blocking]
    if blocking:
        problem = blocking[0]
        message = problem.message.replace("The email address", what, 1)
        hint = problem.suggestion.replace(" Correct it in the sheet", " Correct it")
        raise ConfigError(f"{message} {hint}".strip())
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:  # not reached: check_email refused it above
        raise ConfigError(f"{what} '{value}' is not valid: {exc}") from None


@functools.lru_cache(maxsize=4096)  # asked for at least twice per message; a pure function of the text
def envelope_address(value: str) -> tuple[str, bool]:
    """The address for SMTP's RCPT TO (ASCII domain) and whether it needs SMTPUTF8.

    Syntax only (the check already refused typos); raises ValueError in words for anything that
    is not one plain address, so a roster cell can never smuggle a second recipient or a line
    break into the SMTP conversation."""
    from email_validator import EmailNotValidError, validate_email

    try:
        valid = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"'{value}' is not a valid email address ({exc})") from None
    if valid.ascii_email:
        return valid.ascii_email, False
    return valid.normalized, True


def normalize_email(value: str) -> str:
    """The address folded for duplicate detection: stripped, invisible characters out, lowercase."""
    return "".join(clean_text(value).split()).casefold()


def repair_email(value: str) -> str:
    """A valid address made from `value` by removing spaces, stray dots and typos, or ''."""
    from email_validator import EmailNotValidError, validate_email

    text = "".join(clean_text(value).split())
    text = text.strip(".,;:<>\"'").replace(",", ".").replace("..", ".")
    text = re.sub(r"^mailto:", "", text, flags=re.IGNORECASE)
    if text.count("@") != 1:
        return ""
    try:
        address = validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        return ""
    typo = domain_typo(address)
    local, domain = address.rsplit("@", 1)
    fixed = f"{local}@{typo or domain}"
    return fixed if fixed != value else ""


def domain_typo(address: str) -> str:
    """The popular domain that `address`'s domain is a typo of, or ''."""
    return _domain_typo(address.rsplit("@", 1)[-1].casefold().rstrip("."))


@functools.lru_cache(maxsize=4096)
def _domain_typo(domain: str) -> str:
    """domain_typo for one folded domain (a roster repeats few domains many times)."""
    if domain in POPULAR_DOMAINS:
        return ""
    name, _, tld = domain.rpartition(".")
    if tld in TLD_TYPOS and name:
        return f"{name}.{TLD_TYPOS[tld]}"
    if len(domain) < SHORT_DOMAINS:
        return ""
    limit = 1 if len(domain) < 10 else 2
    near = [d for d in POPULAR_DOMAINS if len(d) >= SHORT_DOMAINS
            and abs(len(d) - len(domain)) <= limit]
    best = min(near, key=lambda d: _distance(domain, d), default="")
    return best if best and _distance(domain, best) <= limit else ""


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count once: gmial -> gmail is 1)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]
