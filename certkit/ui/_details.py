"""The event's own details (name, verification address, sender, reply-to, organization): boxes to
replace the demo's example values, each marked while it is still an example."""

from __future__ import annotations

from ..checks import example_settings
from ..config import update_setting
from ._base import LABEL, Panel, Session, fits, note, wide, widgets

FIELDS = [  # (table, key, box label)
    ("", "name", "Event name"),
    ("", "verify_base_url", "Verification address"),
    ("email", "sender", "Sender address"),
    ("email", "sender_name", "Sender name"),
    ("email", "reply_to", "Replies go to"),
]


class EventDetails(Panel):
    """Text boxes for the event's details, marked while they still hold init's examples."""

    title = "Your event's details"

    def __init__(self, session: Session):
        super().__init__()
        self.session = session
        self.boxes: dict[tuple[str, str], widgets.Text] = {}
        self.fields = widgets.VBox()
        self.marks = widgets.HTML()
        self.button = widgets.Button(description="Save these details", icon="save",
                                     button_style="primary", layout=fits("260px"))
        self.button.on_click(lambda _b: self.save())
        self.widget = widgets.VBox([self.marks, self.fields, self.button, self.status])
        session.on_change(self.load)
        self.load()

    def load(self) -> None:
        """Fill the boxes from the event and mark the example values."""
        event = self.session.event
        values = {("", "name"): event.name, ("", "verify_base_url"): event.verify_base_url,
                  ("email", "sender"): event.email.sender,
                  ("email", "sender_name"): event.email.sender_name,
                  ("email", "reply_to"): event.email.reply_to}
        labels = {(t, k): label for t, k, label in FIELDS}
        for key, value in event.constants.items():
            values[("constants", key)] = value
            labels[("constants", key)] = f"{key} (on every certificate)"
        self.boxes = {where: widgets.Text(value=values[where], description=labels[where],
                                          style=LABEL, layout=wide()) for where in values}
        self.fields.children = tuple(self.boxes.values())
        self.mark()

    def mark(self) -> None:
        """Say which details are still the demo's examples."""
        found = example_settings(self.session.event)
        for (table, key), box in self.boxes.items():
            box.placeholder = ""
            if any((s.table, s.key) == (table, key) for s in found):
                box.description = box.description.removeprefix("⚠ ")
                box.description = f"⚠ {box.description}"
            else:
                box.description = box.description.removeprefix("⚠ ")
        self.marks.value = note(
            "The boxes marked ⚠ still hold the demo's example values: type your own, then click "
            "'Save these details'.", "warn") if found else note(
            "These are your event's details.", "ok")

    def save(self) -> None:
        """Write the boxes into the event's settings; every panel then uses them."""
        folder = self.session.event.folder
        tables: dict[str, dict[str, str]] = {}
        for (table, key), box in self.boxes.items():
            tables.setdefault(table, {})[key] = box.value.strip()
        if not tables.get("", {}).get("name"):
            self.say("The event needs a name.", "warn")
            return
        for table, values in tables.items():
            self.attempt(lambda t=table, v=values: update_setting(folder, t, v), "saving")
        self.session.reload()
        self.say("Saved.", "ok")
