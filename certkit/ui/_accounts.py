"""Connecting accounts: Google (for a Google Sheet roster) and the mail login, each with a
"test connection" button that says in words what is wrong."""

from __future__ import annotations

import dataclasses

from ..config import Event, update_setting
from ..emails import valid_email
from ..errors import CertkitError
from ..run import (
    check_mail,
    check_roster,
    colab_sign_in,
    in_colab,
    key_file,
    load_colab_secret,
    service_account_email,
    store_mail_password,
)
from ._base import LABEL, Panel, Session, fits, note, plain, wide, widgets

GOOGLE_MODES = [
    ("A service account key file (.json)", "service_account"),
    ("My Google account (OAuth client file; a browser window asks)", "oauth"),
    ("My Google account in Google Colab", "default"),
]
APP_PASSWORD_HELP = (
    "Gmail needs an <b>app password</b>, not your normal password: Google Account → Security → "
    "2-Step Verification (switch it on) → App passwords → create one named certkit, and paste "
    "the 16 letters here. It is stored in this computer's password store (keyring), never in "
    "event.toml."
)
COLAB_HELP = (
    "In Colab there is no password store: open the <b>Secrets</b> panel (key icon on the left), "
    "add a secret named <code>{env}</code> holding the app password, switch on notebook access, "
    "then click <i>Load from Colab Secrets</i>. Elsewhere, the environment variable "
    "<code>{env}</code> works too."
)


class GoogleAccount(Panel):
    """How certkit signs in to Google to read and update the sheet, and a connection test."""

    title = "Google account (for a Google Sheet)"

    def __init__(self, session: Session):
        super().__init__()
        self.session = session
        cfg = session.event.roster
        valid = {v for _, v in GOOGLE_MODES}
        mode = "default" if in_colab() else (cfg.auth if cfg.auth in valid else "service_account")
        self.mode = widgets.RadioButtons(options=GOOGLE_MODES, value=mode, layout=wide())
        self.credentials = widgets.Text(value=cfg.credentials, description="Key or client file",
                                        placeholder="e.g. ~/keys/certkit-service-account.json",
                                        style=LABEL, layout=wide())
        self.url = widgets.Text(value=cfg.url, description="Sheet address", style=LABEL,
                                layout=wide(), placeholder="https://docs.google.com/spreadsheets/d/...")
        self.button = widgets.Button(description="Test, then save", icon="plug",
                                     button_style="primary", layout=fits("300px"))
        self.button.on_click(lambda _b: self.test())
        self.mode.observe(lambda _c: self._show(), "value")
        self.widget = widgets.VBox([self.mode, self.credentials, self.url, self.button,
                                    self.status])
        self._show()

    def _show(self) -> None:
        """The key file is not needed in Colab."""
        self.credentials.layout.display = "none" if self.mode.value == "default" else ""

    def test(self) -> str | None:
        """Save the Google settings into event.toml [roster], then read the sheet once."""
        mode, url = self.mode.value, self.url.value.strip()
        if not url:
            self.say("Paste the sheet's address (copy it from the browser's address bar).", "warn")
            return None
        account, creds = "", None
        if mode != "default":
            path = self.attempt(lambda: key_file(self.session.event, self.credentials.value),
                                "finding the file")
            if path is None:
                return None
            creds = str(path)
        if mode == "service_account":
            account = self.attempt(lambda: service_account_email(path), "reading the key file") or ""
            if not account:
                return None
        if mode == "default" and self.attempt(colab_sign_in, "signing in") is None:
            return None
        settings = {"source": "sheets", "url": url, "auth": mode, "credentials": creds}
        event = self.session.event
        trial = dataclasses.replace(event, roster=dataclasses.replace(
            event.roster, **{k: v or "" for k, v in settings.items()}))
        message = self.attempt(lambda: check_roster(trial, self.session.source(trial)),
                               "reading the sheet")
        share = (f"\nThe sheet must be shared with {account} (as Editor, so statuses can be "
                 "written): Share button in the sheet → paste that address." if account else "")
        if message is None:  # nothing saved: the event keeps working as before
            self.status.value += note(share.strip(), "info") if share else ""
            self.status.value += note(f"Nothing was changed. {uses_now(event)}", "info")
            return None
        update_setting(event.folder, "roster", settings)
        self.session.reload()
        self.say(f"{message}{share}\nSaved. {uses_now(self.session.event)}", "ok")
        return message


def uses_now(event: Event) -> str:
    """What the event reads and how it sends, in plain words."""
    cfg, mail = event.roster, event.transport
    where = (f"the Google Sheet {cfg.url}" if cfg.source == "sheets" else f"the file {cfg.path}")
    how = {"outbox": "written to files in the event folder, nothing is sent",
           "gmail": f"sent from Gmail as {mail.username}"}.get(
        mail.backend, f"sent through the mail server {mail.host}")
    return f"The event uses now: the list of participants from {where}; mail {how}."


class MailAccount(Panel):
    """Which account sends the mail, its password kept safely, and a login test."""

    title = "Mail account"

    def __init__(self, session: Session):
        super().__init__()
        self.session = session
        cfg = session.event.transport
        self.backend = widgets.Dropdown(options=[
            ("Gmail (or Google Workspace)", "gmail"), ("Another mail server (SMTP)", "smtp"),
            ("Outbox: write .eml files, send nothing", "outbox")], value=cfg.backend,
            description="Send with", style=LABEL, layout=wide())
        self.username = widgets.Text(value=cfg.username, description="Account (email address)",
                                     placeholder="you@gmail.com", style=LABEL, layout=wide())
        self.password = widgets.Password(description="App password", style=LABEL, layout=wide(),
                                         placeholder="leave empty to keep the stored one")
        self.host = widgets.Text(value=cfg.host, description="Server", style=LABEL,
                                 placeholder="smtp.example.org")
        self.port = widgets.BoundedIntText(value=cfg.port or 587, min=1, max=65535,
                                           description="Port", style=LABEL,
                                           layout=widgets.Layout(width="160px"))
        self.security = widgets.Dropdown(options=["starttls", "ssl", "none"], value=cfg.security,
                                         description="Security", style=LABEL)
        self.server_box = widgets.HBox([self.host, self.port, self.security])
        self.help = widgets.HTML()
        self.button = widgets.Button(description="Test the login, then save", icon="plug",
                                     button_style="primary", layout=fits("300px"))
        self.colab_button = widgets.Button(description="Load from Colab Secrets", icon="key",
                                           layout=fits("300px"))
        self.colab_button.layout.display = "" if in_colab() else "none"
        self.button.on_click(lambda _b: self.test())
        self.colab_button.on_click(lambda _b: self.from_colab())
        self.backend.observe(lambda _c: self._show(), "value")
        self.widget = widgets.VBox([self.backend, self.username, self.password, self.server_box,
                                    self.help, widgets.HBox([self.button, self.colab_button]),
                                    self.status])
        self._show()

    def _show(self) -> None:
        """Show only the fields the chosen way of sending needs."""
        from ..send import password_env

        kind = self.backend.value
        self.server_box.layout.display = "" if kind == "smtp" else "none"
        for box in (self.username, self.password):
            box.layout.display = "none" if kind == "outbox" else ""
        self.password.description = "App password" if kind == "gmail" else "Password"
        cfg = self.session.event.transport
        env = password_env(type(cfg)(backend=kind, password_env=cfg.password_env))
        text = (APP_PASSWORD_HELP if kind == "gmail" else "") + (
            "<br>" + COLAB_HELP.format(env=env) if in_colab() and kind != "outbox" else "")
        self.help.value = f"<div style='max-width:640px'>{text}</div>" if text else ""

    def _save(self) -> None:
        """Write the choices into event.toml [transport] (and the sender address for Gmail)."""
        kind, user = self.backend.value, self.username.value.strip()
        values: dict[str, object] = {"backend": kind, "username": user}
        if kind == "smtp":
            values.update(host=self.host.value.strip(), port=self.port.value,
                          security=self.security.value)
        folder = self.session.event.folder
        update_setting(folder, "transport", values)
        if kind == "gmail" and user and self.session.event.email.sender != user:
            update_setting(folder, "email", {"sender": user})  # Gmail sends as the account
        self.session.reload()

    def _trial(self) -> Event:
        """The event as it would be with the choices on screen (nothing saved yet)."""
        event = self.session.event
        kind, user = self.backend.value, self.username.value.strip()
        values: dict[str, object] = {"backend": kind, "username": user}
        if kind == "smtp":
            values.update(host=self.host.value.strip(), port=self.port.value,
                          security=self.security.value)
        email = event.email
        if kind == "gmail" and user:
            email = dataclasses.replace(email, sender=user)
        return dataclasses.replace(event, transport=dataclasses.replace(event.transport, **values),
                                   email=email)

    def test(self) -> str | None:
        """Keep the password safely when one was typed, log in and out, and only then save the
        choices: a failed test leaves the event as it was."""
        if self.backend.value == "gmail":
            try:
                valid_email(self.username.value, "The Gmail account")
            except CertkitError as exc:
                self.say(f"{exc} Type your Gmail address as the account.", "warn")
                return None
        trial = self._trial()
        stored = ""
        if self.password.value and self.backend.value != "outbox":
            stored = self.attempt(lambda: store_mail_password(trial, self.password.value),
                                  "keeping the password") or ""
            self.password.value = ""
            if not stored:
                return None
        message = self.attempt(lambda: check_mail(trial), "logging in")
        if message is None:
            if stored:
                self.status.value = note(plain(stored)) + self.status.value
            self.status.value += note(f"Nothing was changed. {uses_now(self.session.event)}")
            return None
        self._save()
        self.say(plain("\n".join(filter(None, [stored, message,
                                              f"Saved. {uses_now(self.session.event)}"]))),
                 "ok")
        return message

    def from_colab(self) -> str | None:
        """Take the password from Colab's Secrets, then test the login."""
        self._save()
        loaded = self.attempt(lambda: load_colab_secret(self.session.event), "reading the secret")
        return self.test() if loaded else None
