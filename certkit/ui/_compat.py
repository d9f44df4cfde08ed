"""Bridges to library parts still being written on other branches (mapping, preview, preflight):
each uses the library when present, else what main has. Delete a bridge once its module lands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..config import Event, save_setting
from ..roster import Row
from ..templating import PreparedTemplate


def auto_map(event: Event, prepared: PreparedTemplate, header: list[str]) -> tuple[dict, dict, list]:
    """(mapping, guesses, notes) for the placeholders, keeping what event.toml already says."""
    try:
        from ..mapping import auto_map as library_auto_map
    except ImportError:
        from ..events import auto_mapping

        found = auto_mapping(prepared.placeholders, header)
        kept = {p: c for p, c in event.mapping.items() if c in header}
        return {**found, **kept}, {}, []
    result = library_auto_map(prepared.placeholders, header, event.mapping,
                              builtin=builtin_names(event, prepared.pictures))
    return result.mapping, result.guessed, result.notes


def builtin_names(event: Event, pictures: list[str]) -> set[str]:
    """Placeholders no column fills: certkit's own, pictures, constants, dates."""
    try:
        from ..mapping import builtin_names as library_builtin
    except ImportError:
        from ..events import BUILTIN

        return set(BUILTIN) | set(pictures) | set(event.constants) | set(event.dates)
    return set(library_builtin(event, pictures))


def save_mapping(event: Event, mapping: dict[str, str]) -> None:
    """Write the [mapping] table of event.toml and into `event`."""
    try:
        from ..mapping import save_mapping as library_save
    except ImportError:
        save_setting(event.folder, "mapping", dict(mapping))
        event.mapping = dict(mapping)
        return
    library_save(event, mapping)


def preview_png(event: Event, row: Row, converter: Any) -> Path:
    """The PNG of `row`'s certificate (certkit.preview)."""
    from ..errors import ConfigError

    try:
        from ..preview import preview
    except ImportError as exc:
        raise ConfigError("This certkit has no preview yet (certkit.preview).") from exc
    return preview(event, row, converter=converter).png


def check(event: Event) -> Any:
    """The data-check report for the event (certkit.preflight when present)."""
    try:
        from ..preflight import check_event
    except ImportError:
        from ..checks import check_roster
        from ..connect import read_roster
        from ..templating import prepare_template

        prepared = prepare_template(event.path(event.template.path), event.folder / ".certkit")
        return check_roster(event, read_roster(event), prepared.placeholders)
    return check_event(event).report


def test_rows(count: int) -> dict[str, int]:
    """run_event's argument choosing how many rows a test sends: a sample when it can."""
    import inspect

    from ..pipeline import run_event

    return {"sample" if "sample" in inspect.signature(run_event).parameters else "limit": count}


def send_plan(event: Event) -> tuple[int, str]:
    """(how many certificates a send would mail now, the daily limit in words)."""
    from ..pipeline import count_to_send

    cfg = event.transport
    limit = cfg.daily_limit or (500 if cfg.backend == "gmail" else 0)
    words = f"at most {limit} messages a day" if limit else "no daily limit set"
    return count_to_send(event), words
