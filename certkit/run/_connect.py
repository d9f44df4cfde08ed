"""Connecting accounts from a notebook: the roster (Google or a file) and the mail login, each with a
check that answers in words, and the mail password kept in the keyring, Colab's Secrets or the
environment (never in event.toml)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ..config import Event
from ..emails import valid_email
from ..errors import AuthError, CertkitError, ConfigError
from ..sheets import Roster, RosterSource


def in_colab() -> bool:
    """True inside Google Colab (which imports google.colab before any cell runs)."""
    return "google.colab" in sys.modules


def read_roster(event: Event, source: RosterSource | None = None) -> Roster:
    """Read the event's roster (or `source`); any failure becomes a CertkitError saying what to do."""
    from ..sheets import open_roster

    try:
        return (source or open_roster(event)).read()
    except CertkitError:
        raise
    except Exception as exc:  # google-auth, requests and file errors the back-end did not map
        raise ConfigError(f"The roster could not be read: {type(exc).__name__}: {exc}") from exc


def describe_roster(roster: Roster) -> str:
    """One sentence about a roster that was read: how many rows, from where, which columns."""
    return (f"Connected: {len(roster.rows)} row(s) in {roster.source}. "
            f"Columns: {', '.join(roster.header)}.")


def check_roster(event: Event, source: RosterSource | None = None) -> str:
    """Read the event's roster once and describe it, or raise CertkitError in words."""
    return describe_roster(read_roster(event, source))


def check_mail(event: Event) -> str:
    """Log in to the event's mail server and out again (nothing is sent); raise SendError/ConfigError.

    The outbox sends nothing, so there is nothing to log in to.
    """
    from ..send import open_transport

    cfg = event.transport
    if cfg.backend == "outbox":
        return (f"The outbox is selected: messages are written as .eml files to "
                f"{event.path(cfg.outbox_dir)}, nothing is mailed. Choose Gmail to send for real.")
    if cfg.backend == "gmail":
        valid_email(cfg.username, "The Gmail account ([transport] username)")
    transport = open_transport(event)
    transport.open()
    transport.close()
    server = "Gmail" if cfg.backend == "gmail" else f"{cfg.host}:{cfg.port or 'default port'}"
    who = f" as {cfg.username}" if cfg.username else ""
    return f"Connected to {server}{who}: the login works. Nothing was sent."


def store_mail_password(event: Event, password: str) -> str:
    """Keep the mail password where certkit will find it; return a sentence saying where.

    The OS keyring when there is one (as `certkit login` does); otherwise (Colab, a server) an
    environment variable for this session only, with what to do to keep it. Raises ConfigError
    when the account or the password is empty.
    """
    from ..send import keyring_service, password_env, store_password

    cfg = event.transport
    if not cfg.username:
        raise ConfigError("Fill in the account (your Gmail address) before the password.")
    secret = password.strip()
    if cfg.backend == "gmail":
        secret = secret.replace(" ", "")  # Google shows app passwords in groups of four
    if not secret:
        raise ConfigError("The password is empty. Paste the 16-letter app password.")
    env = password_env(cfg)
    if not in_colab():
        try:
            store_password(keyring_service(cfg.backend, cfg.host), cfg.username, secret, env)
            return f"Saved in this computer's password store (keyring) for {cfg.username}."
        except ConfigError:  # no usable keyring: keep it for this session, say how to keep it
            pass
    os.environ[env] = secret
    if in_colab():
        return (f"Kept for this Colab session only. To keep it: open the Secrets panel (the key "
                f"icon on the left), add a secret named {env} holding the app password, allow "
                "this notebook to use it, and use 'Load from Colab Secrets' next time.")
    return ("This computer has no password store (keyring), so the password is kept for this "
            "session only: after Jupyter is closed, type it here again.")


def load_colab_secret(event: Event) -> str:
    """Copy the mail password from Colab's Secrets into this session; raise AuthError in words."""
    from ..send import password_env

    env = password_env(event.transport)
    try:
        from google.colab import userdata  # type: ignore[import-not-found]
    except ImportError as exc:
        raise AuthError("Colab's Secrets are only available inside Google Colab.") from exc
    try:
        secret = userdata.get(env)
    except Exception as exc:  # SecretNotFoundError, NotebookAccessError, TimeoutException
        raise AuthError(
            f"Colab has no usable secret named {env} ({type(exc).__name__}). Open the Secrets "
            f"panel (key icon), add {env} with the app password, and switch on 'Notebook access'."
        ) from exc
    os.environ[env] = secret
    return f"The password from Colab's secret {env} is in use for this session."


def colab_sign_in() -> str:
    """Sign in to Google inside Colab (a pop-up asks which account); raise AuthError outside."""
    try:
        from google.colab import auth  # type: ignore[import-not-found]
    except ImportError as exc:
        raise AuthError("This sign-in works only inside Google Colab. Use a service account "
                        "file or OAuth here.") from exc
    auth.authenticate_user()
    return "Signed in to Google in Colab."


def key_file(event: Event, typed: str) -> Path:
    """The key or client file the organizer typed: as given, else inside the event folder.

    Raises ConfigError when it is in neither place.
    """
    path = Path(os.path.expanduser(typed.strip()))
    for candidate in ([path] if path.is_absolute() else [Path.cwd() / path, event.folder / path]):
        if candidate.is_file():
            return candidate.resolve()
    raise ConfigError(f"There is no file {typed.strip() or '(empty)'}. Download the key (.json) "
                      "from the Google Cloud console and give its path (or put it in the event "
                      "folder).")


def service_account_email(path: str | Path) -> str:
    """The address a service account key file acts as (share the sheet with it); ConfigError if bad."""
    path = Path(os.path.expanduser(str(path)))
    if not path.exists():
        raise ConfigError(f"There is no file {path}. Download the key (.json) of your service "
                          "account from the Google Cloud console and give its path.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path.name} is not a JSON key file ({exc}).") from exc
    if not isinstance(data, dict) or data.get("type") != "service_account" or not data.get(
            "client_email"):
        raise ConfigError(f"{path.name} is not a service account key (no client_email). For your "
                          "own Google account choose OAuth instead.")
    return str(data["client_email"])
