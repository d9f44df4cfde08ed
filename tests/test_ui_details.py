"""The demo's example settings (name, verification address, sender, reply-to, organization) are
flagged in the data check and the Send confirmation, and replaced in the boxes of notebook 02."""

from __future__ import annotations

from certkit import ui
from certkit.checks import example_settings
from certkit.cli import main
from certkit.config import load_event


def test_a_new_event_flags_every_example_setting(event):
    found = {(s.table, s.key) for s in example_settings(event)}
    assert found == {("", "name"), ("", "verify_base_url"), ("email", "sender"),
                     ("email", "sender_name"), ("email", "reply_to"), ("constants", "Organization")}


def test_check_and_send_confirmation_name_the_examples_then_the_boxes_replace_them(event_dir,
                                                                                 converter):
    session = ui.Session(load_event(event_dir), converter=converter)
    check = ui.CheckReport(session)
    assert "the sender address: 'certificates@example.org'" in ui.strip_html(check.status.value)
    send = ui.SendPanel(session)
    send.send_button.click()
    question = ui.strip_html(send.question.value)
    assert "Still the demo's example values" in question and "Data Skills Bootcamp" in question
    send.no.click()

    details = ui.EventDetails(session)
    marked = [b.description for b in details.boxes.values() if b.description.startswith("⚠")]
    assert len(marked) == 6
    new = {("", "name"): "Python spring 2027", ("", "verify_base_url"): "https://my-school.org/c",
           ("email", "sender"): "training@my-school.org",
           ("email", "sender_name"): "My School training",
           ("email", "reply_to"): "office@my-school.org", ("constants", "Organization"): "My School"}
    for where, value in new.items():
        details.boxes[where].value = value
    details.button.click()
    event = load_event(event_dir)
    assert (event.name, event.verify_base_url) == ("Python spring 2027", "https://my-school.org/c")
    assert event.email.sender == "training@my-school.org"
    assert event.constants["Organization"] == "My School"
    assert example_settings(event) == []
    assert not any(b.description.startswith("⚠") for b in details.boxes.values())
    assert "Still the demo" not in ui.strip_html(check.status.value)  # the check ran again
    assert "# certkit event settings" in (event_dir / "event.toml").read_text(encoding="utf-8")
    send.send_button.click()
    assert "Still the demo" not in ui.strip_html(send.question.value)


def test_command_line_send_confirmation_warns_about_examples(event_dir, capsys):
    assert main(["run", str(event_dir), "--send"]) == 1  # no terminal: nothing is sent
    out = capsys.readouterr().out
    assert "Warning: Still the demo's example values" in out and "the sender address" in out
