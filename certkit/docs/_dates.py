"""Reading the dates organizers type (ISO, 15/01/2026, 15 January 2026, Excel serials) and
formatting them one way for the whole event."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 (it counts a 29 Feb 1900 that never was)
_SERIAL = re.compile(r"^(\d{5})(?:\.\d+)?$")
_NUMERIC = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})$")
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME + "$")
_ORDINAL = re.compile(r"(\d{1,2})(st|nd|rd|th)\b", re.IGNORECASE)
_WORDS = ("%d %B %Y", "%d %b %Y", "%B %d %Y", "%b %d %Y", "%d-%b-%Y", "%d-%B-%Y", "%d %b. %Y")
MONTH_FIRST_TERRITORIES = {"US", "PH", "FM", "MH", "PW", "AS", "GU", "MP", "PR", "UM", "VI"}

# Styles a date can be written in; a column mixing several is flagged by the checks.
ISO = "year-month-day (2026-01-15)"
NUMERIC = "day and month in digits (15/01/2026)"
WORDS = "month in words (15 January 2026)"
SERIAL = "an Excel date number (46037)"



def default_order(locale: str, order: str = "") -> str:
    """'dmy' or 'mdy' for numeric dates: `order` when set, else month-first for US-style locales."""
    if order:
        if order not in ("dmy", "mdy"):
            raise ValueError(f'order = "{order}" is not known; write "dmy" (15/01/2026) or "mdy"')
        return order
    from babel import Locale, UnknownLocaleError

    try:
        territory = Locale.parse(locale.replace("-", "_")).territory or ""
    except (UnknownLocaleError, ValueError):
        territory = ""
    return "mdy" if territory in MONTH_FIRST_TERRITORIES else "dmy"


def date_style(value: str) -> str:
    """Which way `value` is written (ISO, NUMERIC, WORDS, SERIAL), or '' when it is no date."""
    text = value.strip()
    if _ISO.match(text):
        return ISO
    if _NUMERIC.match(text):
        return NUMERIC
    if _excel_serial(text) is not None:
        return SERIAL
    return WORDS if _words_date(text) is not None else ""


def numeric_order(value: str) -> str:
    """For a numeric date, 'dmy' or 'mdy' when the digits leave only one reading, else ''."""
    m = _NUMERIC.match(value.strip())
    if not m:
        return ""
    first, second = int(m.group(1)), int(m.group(3))
    if first > 12 >= second:
        return "dmy"
    if second > 12 >= first:
        return "mdy"
    return ""


def parse_date(value: str, order: str = "dmy") -> date:
    """The date `value` stands for; numeric dates read as `order` ('dmy'/'mdy'); or ValueError."""
    text = " ".join(value.split())
    if not text:
        raise ValueError("the date is empty")
    m = _ISO.match(text)
    if m:
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)), text)
    m = _NUMERIC.match(text)
    if m:
        a, b, year = int(m.group(1)), int(m.group(3)), int(m.group(4))
        if len(m.group(4)) == 2:
            year += 2000 if year < 70 else 1900
        day, month = (a, b) if order == "dmy" or m.group(2) == "." else (b, a)
        if month > 12 and day <= 12:
            flip = "mdy" if order == "dmy" else "dmy"
            raise ValueError(
                f"'{value}' has no month {month}: it looks like {_ORDER_WORDS[flip]}, "
                f"but this column is read as {_ORDER_WORDS[order]}"
            )
        return _make(year, month, day, text)
    serial = _excel_serial(text)
    if serial is not None:
        return serial
    day = _words_date(text)
    if day is not None:
        return day
    raise ValueError(f"'{value}' is not a date certkit can read (write it like 2026-01-15)")


def format_date(value: str, pattern: str, locale: str, order: str = "") -> str:
    """`value` read as a date and written with a Babel pattern and locale, or ValueError."""
    from babel.dates import format_date as babel_format

    day = parse_date(value, default_order(locale, order))
    try:
        return babel_format(day, format=pattern, locale=locale.replace("-", "_"))
    except Exception as exc:  # babel raises several types for a bad locale or pattern
        raise ValueError(
            f"the date format '{pattern}' or locale '{locale}' is not usable ({exc}); "
            "use e.g. format = \"d MMMM yyyy\", locale = \"en\""
        ) from exc


_ORDER_WORDS = {"dmy": "day/month/year", "mdy": "month/day/year"}


def _make(year: int, month: int, day: int, text: str) -> date:
    """A date from parts, or ValueError naming the impossible part."""
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"'{text}' is not a real date (check the day and the month)") from None


def _excel_serial(text: str) -> date | None:
    """The date of an Excel day number (e.g. 46037 = 2026-01-15) in a plausible range."""
    m = _SERIAL.match(text)
    if not m or not 20000 <= int(m.group(1)) <= 80000:
        return None
    return EXCEL_EPOCH + timedelta(days=int(m.group(1)))


def _words_date(text: str) -> date | None:
    """A date written with an English month name, e.g. '15 January 2026' or 'Jan 15th, 2026'."""
    text = _ORDINAL.sub(r"\1", text).replace(",", " ")
    text = " ".join(text.split())
    for fmt in _WORDS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None
