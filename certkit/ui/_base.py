"""What every notebook panel shares: the session (the event it works on), a panel base class that
shows as a widget in Jupyter and as text elsewhere, safe HTML tables, and errors put into words."""

from __future__ import annotations

import html
import os
import re
import weakref
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from ..config import Event, load_event
from ..errors import CertkitError, ConfigError
from ..sheets import RosterSource

try:
    import ipywidgets as widgets
except ImportError as exc:  # the notebook extra is not installed
    raise ConfigError(
        "The notebooks need ipywidgets. Install the notebook extra: pip install 'certkit[notebook]'"
    ) from exc

DEFAULT_EVENT = "demo-event"
EVENT_ENV = "CERTKIT_EVENT"
LABEL = {"description_width": "initial"}

__all__ = ["LABEL", "Panel", "Session", "fits", "html_table", "note", "start", "wide", "widgets"]


def wide() -> widgets.Layout:
    """A layout for a full-width field: a new one each time, since hiding a widget changes its
    layout, and a shared layout would hide every widget using it."""
    return widgets.Layout(width="640px")


def fits(min_width: str) -> widgets.Layout:
    """A button layout that grows with its label (never cut off), at least `min_width` wide."""
    return widgets.Layout(width="auto", min_width=min_width, align_self="flex-start")


class Session:
    """The event a notebook works on; panels register to be refreshed when it changes."""

    def __init__(
        self,
        event: Event,
        converter: Any = None,
        open_source: Callable[[Event], RosterSource] | None = None,
    ):
        self.event = event
        self._listeners: list[Callable[[], None]] = []
        self._after_action: list[Callable[[], None]] = []
        self._converter = converter  # None: made on first use, closed with the session
        self._open_source = open_source  # None: the library opens what event.toml names

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call `listener` after the event is switched or reloaded."""
        self._listeners.append(listener)

    def after_action(self, listener: Callable[[], None]) -> None:
        """Call `listener` after a panel sent, resent or checked something (statuses changed)."""
        self._after_action.append(listener)

    def acted(self) -> None:
        """A panel changed statuses: refresh the panels that show them."""
        for listener in list(self._after_action):
            listener()

    def set_event(self, event: Event) -> None:
        """Work on `event` from now on and refresh every panel."""
        self.event = event
        for listener in list(self._listeners):
            listener()

    def reload(self) -> None:
        """Read event.toml again (after a panel saved a setting) and refresh every panel."""
        self.set_event(load_event(self.event.folder))

    def source(self, event: Event | None = None) -> RosterSource | None:
        """The roster to read for `event` when the session was given a way to open it, else None
        (the library then opens what event.toml names)."""
        return self._open_source(event or self.event) if self._open_source else None

    def converter(self) -> Any:
        """One PDF converter for the whole session (LibreOffice starts faster the second time)."""
        if self._converter is None:
            from ..docs import get_converter

            self._converter = get_converter(self.event.template.converter)
            if hasattr(self._converter, "close"):
                weakref.finalize(self, self._converter.close)
        return self._converter


def start(folder: str | os.PathLike[str] | None = None, *, create: bool = True) -> Session:
    """The notebook's session: `folder`, else $CERTKIT_EVENT, else ./demo-event (made if missing).

    Raises ConfigError when the folder holds no event and `create` is false.
    """
    from ..run import open_event

    global _CURRENT
    folder = Path(folder or os.environ.get(EVENT_ENV) or DEFAULT_EVENT)
    _enable_colab_widgets()
    _CURRENT = Session(open_event(folder, create=create))
    return _CURRENT


_CURRENT: Session | None = None


def current() -> Session:
    """The session the notebook's first cell started; started here (with a note saying so) when a
    panel's cell runs first, so no cell fails with a NameError."""
    if _CURRENT is None:
        session = start()
        print(f"The notebook's first cell had not run yet: certkit opened the event in "
              f"{session.event.folder}. To work on another one, use the Event folder box.")
    assert _CURRENT is not None
    return _CURRENT


def _enable_colab_widgets() -> None:
    """Colab shows ipywidgets 8 only with its custom widget manager switched on."""
    from ..run import in_colab

    if in_colab():
        try:
            from google.colab import output  # type: ignore[import-not-found]

            output.enable_custom_widget_manager()
        except Exception:  # noqa: S110 - an older Colab still shows the core widgets
            pass


class Panel:
    """A group of widgets with one purpose; shows as widgets in Jupyter and as text elsewhere."""

    title = ""

    def __init__(self) -> None:
        self.status = widgets.HTML()
        self.widget: widgets.Widget = widgets.VBox()

    def text(self) -> str:
        """What the panel says, as plain text (for consoles, logs and notebooks without widgets)."""
        parts = [self.title, strip_html(self.status.value)]
        return "\n".join(p for p in parts if p)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """The widget for front-ends that draw widgets, with readable text for those that do not."""
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        data = dict(bundle[0] if isinstance(bundle, tuple) else bundle)
        data["text/plain"] = self.text()
        return data

    def say(self, text: str, kind: str = "info") -> None:
        """Show a message under the panel (kind: info, ok, warn, error)."""
        self.status.value = note(text, kind)

    def attempt(self, action: Callable[[], Any], doing: str = "", into: Any = None) -> Any:
        """Run `action`, showing any problem in words (in `into`, else the panel's status) instead
        of a traceback; None on failure."""
        try:
            return action()
        except CertkitError as exc:
            text = plain(str(exc))
        except Exception as exc:  # shown, not hidden: the organizer can pass it on
            what = f" while {doing}" if doing else ""
            text = plain(f"Something unexpected went wrong{what}: {type(exc).__name__}: {exc}")
        (into or self.status).value = note(text, "error")
        return None


UNREACHABLE = re.compile(
    r"HTTPS?ConnectionPool|Max retries exceeded|Name or service not known|Errno -[23]|"
    r"Failed to resolve|nodename nor servname|getaddrinfo failed|Connection refused|timed out")
NOTEBOOK_WORDS = [  # what the command line says -> where the same is done in the notebooks
    (re.compile(r"(run:? )?`?certkit login (gmail|smtp)[^`.;]*`?"),
     "the Mail account boxes of notebook 01 (type the password there)"),
    (re.compile(r"(run:? )?`?certkit (check|run|resend|reconcile|publish|status|bounces)\b[^`.;]*`?"),
     "the buttons of notebooks 02 and 03"),
    (re.compile(r"(in )?(event\.toml )?\[transport\]( \w+)?( in event\.toml)?"),
     "the Mail account boxes of notebook 01"),
    (re.compile(r"(in )?(event\.toml )?\[roster\]( \w+)?( in event\.toml)?|roster\.\w+_column"),
     "the Participants list boxes of notebook 02"),
    (re.compile(r"(in )?(event\.toml )?\[mapping\]( in event\.toml)?"),
     "the column dropdowns of notebook 02"),
    (re.compile(r"(the )?environment variable \$?\w*|\$CERTKIT_\w+"),
     "the password box of notebook 01"),
]


def plain(text: str) -> str:
    """A library message as a notebook user can act on it: no raw network error, no terminal
    command, no settings-file section, no environment variable; the boxes on screen instead."""
    if UNREACHABLE.search(text):
        return ("certkit could not reach the server: this computer is offline, or the address "
                "typed above is wrong. Check the internet connection and the address in the "
                "box above, then click the button again.")
    for pattern, words in NOTEBOOK_WORDS:
        text = re.sub(r"(?i)\b(?:run|in event\.toml set|set|fix|edit)\b:? (?=" + pattern.pattern + ")",
                      "Use ", text)
        text = pattern.sub(words, text)
    return text


COLORS = {"info": "#1f4e79", "ok": "#1b6e20", "warn": "#8a5a00", "error": "#b00020"}
ICONS = {"info": "", "ok": "✔ ", "warn": "⚠ ", "error": "✖ "}


def note(text: str, kind: str = "info") -> str:
    """A message as escaped HTML, coloured by kind; line breaks kept."""
    body = html.escape(text).replace("\n", "<br>")
    return f'<div style="color:{COLORS[kind]};margin:4px 0">{ICONS[kind]}{body}</div>'


def html_table(
    records: Iterable[dict[str, Any]], columns: Sequence[tuple[str, str]], *, empty: str = ""
) -> str:
    """Records as an HTML table with the given (key, heading) columns; every cell escaped."""
    rows = list(records)
    if not rows:
        return note(empty) if empty else ""
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{html.escape(h)}</th>"
                   for _, h in columns)
    body = "".join("<tr>" + "".join(_td(_cell(r.get(k))) for k, _ in columns) + "</tr>"
                   for r in rows)
    return f"<table style='border-collapse:collapse'><tr>{head}</tr>{body}</table>"


def table_text(records: Iterable[dict[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    """The same table as plain text lines."""
    return "\n".join(" | ".join(_cell(r.get(k)) for k, _ in columns) for r in records)


def link(target: str, text: str = "") -> str:
    """An escaped link that opens in a new tab, or the escaped text when it is not a web address."""
    shown = html.escape(text or target)
    if target.startswith(("https://", "http://")):
        return f'<a href="{html.escape(target)}" target="_blank" rel="noopener">{shown}</a>'
    return f"<code>{shown}</code>"


def strip_html(value: str) -> str:
    """HTML as plain text: tags removed, line breaks and cells kept apart, entities decoded."""
    value = re.sub(r"<br\s*/?>|</tr>|</div>|</p>", "\n", value)
    value = re.sub(r"</t[dh]>", " | ", value)
    return html.unescape(re.sub(r"<[^>]+>", "", value)).strip()


def _td(text: str) -> str:
    """One escaped cell; short values (a status, a row number) are kept on one line."""
    wrap = "white-space:nowrap;" if len(text) <= 16 else ""
    return (f"<td style='text-align:left;padding:2px 8px;vertical-align:top;{wrap}'>"
            f"{html.escape(text)}</td>")


def _cell(value: Any) -> str:
    """A table cell's text."""
    return "" if value is None else str(value)
