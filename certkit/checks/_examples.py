"""Settings still holding the example values `certkit init` writes (the demo's event name, sender,
reply-to, organization, verification address): fine for trying certkit, wrong on real certificates."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

from ..config import Event

EXAMPLE_DOMAINS = ("example.org", "example.com", "example.net")


@dataclass(frozen=True)
class ExampleSetting:
    """One setting left from init: where it lives, what it is in words, its current value."""

    table: str  # "" for the top of event.toml, else the section ("email", "constants")
    key: str
    label: str
    value: str


@functools.lru_cache(maxsize=1)
def _sample() -> dict:
    """The event.toml `certkit init` writes."""
    import tomlkit

    text = resources.files("certkit").joinpath("data", "event.toml").read_text(encoding="utf-8")
    return tomlkit.parse(text).unwrap()


def is_example_address(value: str) -> bool:
    """An email address or web address at example.org/.com/.net (reserved for examples)."""
    host = value.rsplit("@", 1)[-1].split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].lower()
    return any(host == d or host.endswith("." + d) for d in EXAMPLE_DOMAINS)


def example_settings(event: Event) -> list[ExampleSetting]:
    """The settings of `event` that are still init's examples, in the order an organizer fixes them."""
    sample, email = _sample(), event.email
    found = []
    if event.name == sample.get("name"):
        found.append(ExampleSetting("", "name", "the event's name", event.name))
    if is_example_address(event.verify_base_url):
        found.append(ExampleSetting("", "verify_base_url", "the verification address in the QR codes",
                                    event.verify_base_url))
    if is_example_address(email.sender):
        found.append(ExampleSetting("email", "sender", "the sender address", email.sender))
    if email.sender_name == sample.get("email", {}).get("sender_name"):
        found.append(ExampleSetting("email", "sender_name", "the sender's name", email.sender_name))
    if email.reply_to and is_example_address(email.reply_to):
        found.append(ExampleSetting("email", "reply_to", "the reply-to address", email.reply_to))
    for key, value in event.constants.items():
        if sample.get("constants", {}).get(key) == value:
            found.append(ExampleSetting("constants", key, f"the {key.lower()} on every certificate",
                                        value))
    return found


def describe_examples(found: list[ExampleSetting]) -> str:
    """One sentence listing the example settings, or "" when there are none."""
    if not found:
        return ""
    items = "; ".join(f"{s.label}: '{s.value}'" for s in found)
    return f"Still the demo's example values (change them before sending for real): {items}."
