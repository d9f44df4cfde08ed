"""Signing in to Google: a service-account key, a personal sign-in (OAuth desktop), or Colab's.

`authorize(event.roster)` returns a gspread client whose every request retries on quota and server
errors (see _google_http.py). The sign-in is checked at once, so a bad key or an expired sign-in
is reported before anything runs, with what to do. Step by step: the README section 'Connect a Google Sheet'.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gspread
import requests
from google.auth import exceptions as google_exceptions
from google.auth.transport.requests import AuthorizedSession, Request
from requests.adapters import BaseAdapter

from ..config import RosterConfig
from ..errors import AuthError, ConfigError
from ._google_http import RetryingHTTPClient, RetryPolicy

SCOPES = (
    "https://www.googleapis.com/auth/spreadsheets",  # read the roster, write statuses
    "https://www.googleapis.com/auth/drive.readonly",  # find a sheet by name, export Google Docs
)
KEY_ENV = ("CERTKIT_GOOGLE_CREDENTIALS", "GOOGLE_APPLICATION_CREDENTIALS")
GUIDE = "the README section 'Connect a Google Sheet'"


@dataclass
class GoogleOptions:
    """How to reach Google; the defaults are right for real use, tests point `transport` elsewhere."""

    transport: BaseAdapter | None = None  # requests adapter for https:// (tests: a local emulator)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    token_dir: Path | None = None  # where a personal sign-in is kept (default: user config dir)
    browser: str | None = None  # webbrowser name for the sign-in page (None: the default browser)
    redirect_host: str = "localhost"  # where Google sends the browser back after sign-in


def authorize(
    roster: RosterConfig,
    *,
    scopes: Sequence[str] = SCOPES,
    folder: Path | None = None,
    options: GoogleOptions | None = None,
) -> gspread.Client:
    """A signed-in gspread client for roster.auth = service_account | oauth | default.

    Raises AuthError (with the fix) when the key file is missing or unusable, or when Google
    refuses the sign-in; ConfigError for an unknown `auth`.
    """
    options = options or GoogleOptions()
    if roster.auth == "service_account":
        path = _key_path(roster, folder)
        creds = _service_account(path, scopes)
        label, fix = (
            f"the service-account key {path}",
            (
                "The key was deleted or its service account disabled: create a new key in Google Cloud and "
                "put it in place of this file."
            ),
        )
    elif roster.auth == "oauth":
        creds, token = _oauth(_client_path(roster, folder), scopes, options)
        label, fix = (
            f"your saved Google sign-in ({token})",
            (
                'The sign-in has expired or was revoked (sign-ins of an OAuth app in "Testing" status '
                f"expire after 7 days). Delete {token} and run again: your browser will ask you to sign in."
            ),
        )
    elif roster.auth == "default":
        creds = _default(scopes)
        label, fix = "this computer's Google sign-in", "Sign in again (in Colab: run the sign-in cell)."
    else:
        raise ConfigError(
            f"event.toml [roster] auth = '{roster.auth}' is unknown. Use one of: service_account, "
            "oauth, default."
        )
    _check_sign_in(creds, label, fix, _token_request(options))
    return make_client(creds, options)


def make_client(
    credentials: Any, options: GoogleOptions | None = None, session: Any = None
) -> gspread.Client:
    """A gspread client on `credentials` (or on a ready `session`) that retries politely."""
    options = options or GoogleOptions()
    if session is None:
        session = AuthorizedSession(credentials, auth_request=_token_request(options))
    if options.transport is not None:
        session.mount("https://", options.transport)
    http_client = functools.partial(RetryingHTTPClient, policy=options.policy)
    return gspread.Client(credentials, session=session, http_client=http_client)  # type: ignore[arg-type]


def _token_request(options: GoogleOptions) -> Request:
    """How access tokens are fetched and refreshed: over the same transport as the API calls."""
    session = requests.Session()
    if options.transport is not None:
        session.mount("https://", options.transport)
    return Request(session)


def _resolve(name: str, folder: Path | None) -> Path:
    path = Path(os.path.expanduser(name))
    return path if path.is_absolute() or folder is None else Path(folder) / path


def _key_path(roster: RosterConfig, folder: Path | None) -> Path:
    """The service-account key file: event.toml first, then the environment."""
    name = roster.credentials or next((os.environ[v] for v in KEY_ENV if os.environ.get(v)), "")
    if not name:
        raise AuthError(
            "No Google key file is set. Put the path of the service-account JSON key in event.toml "
            f'([roster] credentials = "service-account.json") or in CERTKIT_GOOGLE_CREDENTIALS. See {GUIDE}.'
        )
    return _resolve(name, folder)


def _client_path(roster: RosterConfig, folder: Path | None) -> Path:
    if not roster.credentials:
        raise AuthError(
            'auth = "oauth" needs the OAuth client file: put its path in event.toml '
            f'([roster] credentials = "client_secret.json"). See {GUIDE}, "Sign in as yourself".'
        )
    return _resolve(roster.credentials, folder)


def _load_json(path: Path, what: str) -> dict:
    """A Google JSON file, or an AuthError saying why it cannot be used."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AuthError(
            f"The {what} {path} does not exist. Download it again (see {GUIDE}) and put it there."
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise AuthError(
            f"{path} is not a Google {what} (it is not readable JSON: {exc}). Download it again; see {GUIDE}."
        ) from exc
    if not isinstance(data, dict):
        raise AuthError(f"{path} is not a Google {what}. Download it again; see {GUIDE}.")
    return data


def _service_account(path: Path, scopes: Sequence[str]) -> Any:
    from google.oauth2.service_account import Credentials

    info = _load_json(path, "service-account key file")
    if "installed" in info or "web" in info or info.get("type") == "authorized_user":
        raise AuthError(
            f'{path} is an OAuth client file, not a service-account key. Either set auth = "oauth" in '
            f"event.toml [roster], or create a service-account key (see {GUIDE}, step 4)."
        )
    if info.get("type") != "service_account":
        raise AuthError(
            f"{path} is not a service-account key (its type is {info.get('type')!r}). See {GUIDE}, step 4."
        )
    try:
        return Credentials.from_service_account_info(info, scopes=list(scopes))
    except (ValueError, TypeError, KeyError) as exc:
        raise AuthError(
            f"{path} is an incomplete or damaged service-account key ({exc}). Create a new key; see {GUIDE}."
        ) from exc


def token_path(client_id: str, options: GoogleOptions | None = None) -> Path:
    """Where the personal sign-in for an OAuth client is kept (in the user's config folder)."""
    options = options or GoogleOptions()
    base = options.token_dir or os.environ.get("CERTKIT_CONFIG_DIR") or gspread.auth.get_config_dir("certkit")
    return Path(base) / f"google-token-{hashlib.sha256(client_id.encode()).hexdigest()[:12]}.json"


def _oauth(client_file: Path, scopes: Sequence[str], options: GoogleOptions) -> tuple[Any, Path]:
    """Credentials from the saved sign-in, or from a browser sign-in that is then saved."""
    from google.oauth2.credentials import Credentials

    config = _load_json(client_file, "OAuth client file")
    if config.get("type") == "service_account":
        raise AuthError(
            f'{client_file} is a service-account key, not an OAuth client file: set auth = "service_account".'
        )
    if "installed" not in config:
        raise AuthError(
            f"{client_file} is not a Desktop-app OAuth client file. In Google Cloud create an OAuth "
            f'client of type "Desktop app" and download its JSON; see {GUIDE}.'
        )
    token = token_path(config["installed"].get("client_id", ""), options)
    if token.exists():
        try:
            return Credentials.from_authorized_user_file(str(token), list(scopes)), token
        except (ValueError, KeyError) as exc:
            raise AuthError(
                f"The saved Google sign-in {token} is damaged ({exc}). Delete it and run again to sign in."
            ) from exc
    creds = _browser_sign_in(config, scopes, options)
    token.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(token, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(creds.to_json())
    return creds, token


def _browser_sign_in(config: dict, scopes: Sequence[str], options: GoogleOptions) -> Any:
    from google_auth_oauthlib.flow import InstalledAppFlow

    flow = InstalledAppFlow.from_client_config(config, list(scopes))
    try:
        return flow.run_local_server(
            host=options.redirect_host,
            port=0,
            browser=options.browser,
            authorization_prompt_message="Sign in to Google in your browser. If no window opened, "
            "visit:\n{url}",
            success_message="certkit is signed in. You can close this window.",
            timeout_seconds=300,
        )
    except Exception as exc:  # oauthlib and the local server raise many kinds; all mean "not signed in"
        raise AuthError(
            f"The Google sign-in in the browser was not completed ({type(exc).__name__}: {exc}). Run again "
            'and finish signing in; in Colab or on a server use auth = "default" or a service account.'
        ) from exc


def _default(scopes: Sequence[str]) -> Any:
    """This computer's Google sign-in; in Colab, ask the notebook's user first."""
    import google.auth

    try:
        from google.colab import auth as colab_auth  # only inside Google Colab
    except ImportError:
        colab_auth = None
    if colab_auth is not None:
        colab_auth.authenticate_user()
    try:
        creds, _project = google.auth.default(scopes=list(scopes))
    except google_exceptions.DefaultCredentialsError as exc:
        raise AuthError(
            'auth = "default" found no Google sign-in on this computer. In Colab, run the notebook\'s '
            f'sign-in cell; elsewhere set auth = "service_account" or "oauth" in event.toml ({GUIDE}).'
        ) from exc
    return creds


def _check_sign_in(creds: Any, label: str, fix: str, request: Request) -> None:
    """Get an access token now, so a refused key or an expired sign-in stops the run at once."""
    try:
        creds.refresh(request)
    except google_exceptions.RefreshError as exc:
        said = str(exc.args[0] if exc.args else exc)
        raise AuthError(f"Google refused {label}: {said}. {fix}") from exc
    except google_exceptions.TransportError as exc:
        raise AuthError(
            f"Could not reach Google to check {label} ({exc}). Check the internet connection."
        ) from exc
