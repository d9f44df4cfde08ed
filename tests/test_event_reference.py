"""The README's event.toml reference is generated from the settings dataclasses: it cannot drift."""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

from certkit import config

ROOT = Path(__file__).resolve().parent.parent


def generator():
    spec = importlib.util.spec_from_file_location("event_reference", ROOT / "scripts" / "event_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_reference_matches_the_dataclasses():
    gen = generator()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert gen.replace_in(readme, gen.reference()) == readme, (
        "README.md's event.toml reference is out of date: run "
        ".venv/bin/python scripts/event_reference.py --write")


def test_every_setting_is_in_the_reference_with_a_description():
    text = generator().reference()
    for cls in [config.Event, config.DateField, *config._SECTIONS.values()]:
        for f in dataclasses.fields(cls):
            if f.name in ("folder", *config._SECTIONS, "mapping", "constants", "fields", "dates"):
                continue
            line = next((x for x in text.splitlines() if x.startswith(f"| `{f.name}` |")), "")
            assert line and not line.endswith("|  |"), f"{cls.__name__}.{f.name} has no description"
    for section in ["roster", "email", "transport", "mapping", "constants", "fields", "dates"]:
        assert f"`[{section}" in text


def test_event_toml_points_to_the_reference_that_exists():
    first = (ROOT / "certkit" / "data" / "event.toml").read_text(encoding="utf-8").splitlines()[:3]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert any('"event.toml reference"' in line for line in first)
    assert "\n## event.toml reference\n" in readme
    assert '"Full Name" = "{First name} {Last name}"' in readme
