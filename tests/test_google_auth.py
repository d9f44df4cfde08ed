"""Signing in to Google with real google-auth code against the emulator's token and consent pages."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import webbrowser
from pathlib import Path

import pytest
import requests

from certkit.config import Event, RosterConfig
from certkit.errors import AuthError, ConfigError, RosterError
from certkit.sheets import GoogleOptions, GoogleSheetSource, RetryPolicy, authorize, token_path

HEADER = [["Full Name", "Email"], ["Ann Lee", "ann@example.org"]]
FAST = RetryPolicy(first_wait=0.05, max_wait=0.5, total_wait=5.0, timeout=(2.0, 5.0))


def options(emulator, tmp_path: Path, **kwargs) -> GoogleOptions:
    """Reach the emulator instead of Google; keep personal sign-ins under tmp_path."""
    return GoogleOptions(transport=emulator.adapter(), policy=FAST, token_dir=tmp_path / "config", **kwargs)


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def sheet_event(tmp_path: Path, url: str, **roster) -> Event:
    return Event(folder=tmp_path, roster=RosterConfig(source="sheets", url=url, **roster))


def open_sheet(emulator, tmp_path: Path, event: Event) -> GoogleSheetSource:
    client = authorize(event.roster, folder=event.folder, options=options(emulator, tmp_path))
    return GoogleSheetSource.from_event(event, client=client)


@pytest.fixture
def robot(sheets_emulator, tmp_path):
    """A service account known to the emulated Google, its key saved as key.json."""
    info = sheets_emulator.service_account()
    write_json(tmp_path / "key.json", info)
    return info["client_email"]


def test_service_account_key_from_event_toml_reads_a_shared_sheet(sheets_emulator, tmp_path, robot):
    key = sheets_emulator.add_spreadsheet("Roster", HEADER, shared_with={robot})
    roster = open_sheet(sheets_emulator, tmp_path, sheet_event(tmp_path, key, credentials="key.json")).read()
    assert roster.rows[0].get("Email") == "ann@example.org"
    assert sheets_emulator.count("auth", path="/token") == 1  # a real JWT exchanged for a token


def test_key_path_from_the_environment(sheets_emulator, tmp_path, robot, monkeypatch):
    key = sheets_emulator.add_spreadsheet("Roster", HEADER, shared_with={robot})
    monkeypatch.setenv("CERTKIT_GOOGLE_CREDENTIALS", str(tmp_path / "key.json"))
    assert open_sheet(sheets_emulator, tmp_path, sheet_event(tmp_path, key)).read().rows


def test_no_key_anywhere_says_where_to_put_it(sheets_emulator, tmp_path, monkeypatch):
    for name in ("CERTKIT_GOOGLE_CREDENTIALS", "GOOGLE_APPLICATION_CREDENTIALS"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(AuthError, match=r"credentials = .*CERTKIT_GOOGLE_CREDENTIALS"):
        open_sheet(sheets_emulator, tmp_path, sheet_event(tmp_path, "x"))


def test_sheet_not_shared_names_the_service_account_email(sheets_emulator, tmp_path, robot):
    key = sheets_emulator.add_spreadsheet("Roster", HEADER, shared_with={"organizer@example.org"})
    src = open_sheet(sheets_emulator, tmp_path, sheet_event(tmp_path, key, credentials="key.json"))
    with pytest.raises(RosterError, match=f"refused access.*share it with {robot}"):
        src.read()


def test_unknown_sheet_is_not_found_with_the_fix(sheets_emulator, tmp_path, robot):
    url = "https://docs.google.com/spreadsheets/d/1" + "x" * 43 + "/edit"
    src = open_sheet(sheets_emulator, tmp_path, sheet_event(tmp_path, url, credentials="key.json"))
    with pytest.raises(RosterError, match=f"was not found. Check the address.*share it with {robot}"):
        src.read()


def test_sheet_title_not_shared_names_the_service_account_email(sheets_emulator, tmp_path, robot):
    sheets_emulator.add_spreadsheet("Roster 2026", HEADER, shared_with={"organizer@example.org"})
    src = open_sheet(sheets_emulator, tmp_path, sheet_event(tmp_path, "Roster 2026", credentials="key.json"))
    with pytest.raises(RosterError, match=f"No Google Sheet called 'Roster 2026'.*{robot}"):
        src.read()


def test_disabled_sheets_api_points_to_the_enable_page(sheets_emulator, tmp_path, robot):
    key = sheets_emulator.add_spreadsheet("Roster", HEADER)
    sheets_emulator.disabled_apis.add("sheets")
    src = open_sheet(sheets_emulator, tmp_path, sheet_event(tmp_path, key, credentials="key.json"))
    with pytest.raises(
        RosterError, match=r"not enabled.*Open https://console\.developers\.google\.com/apis/api/"
    ):
        src.read()


def test_deleted_key_is_refused_before_anything_runs(sheets_emulator, tmp_path, robot):
    del sheets_emulator.auth.keys[robot]  # the key was deleted in Google Cloud
    with pytest.raises(
        AuthError, match=r"refused the service-account key.*Invalid JWT Signature.*create a new key"
    ):
        open_sheet(sheets_emulator, tmp_path, sheet_event(tmp_path, "x", credentials="key.json"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("{not json", "not readable JSON"),
        ({"installed": {"client_id": "x"}}, "is an OAuth client file, not a service-account key"),
        ({"type": "service_account", "client_email": "a@b"}, "incomplete or damaged service-account key"),
        ({"type": "external_account"}, "is not a service-account key"),
    ],
)
def test_bad_key_files_say_what_is_wrong(sheets_emulator, tmp_path, content, message):
    if content is not None:
        write_json(tmp_path / "key.json", content)
    with pytest.raises(AuthError, match=message):
        open_sheet(sheets_emulator, tmp_path, sheet_event(tmp_path, "x", credentials="key.json"))


def test_unknown_auth_kind_lists_the_valid_ones(sheets_emulator, tmp_path):
    with pytest.raises(ConfigError, match="service_account, oauth, default"):
        open_sheet(sheets_emulator, tmp_path, sheet_event(tmp_path, "x", auth="password"))


class _FetchingBrowser(webbrowser.BaseBrowser):
    """A stand-in for the organizer's browser: opens the consent page and follows its redirect."""

    def open(self, url, new=0, autoraise=True):
        threading.Thread(target=requests.get, args=(url,), kwargs={"timeout": 10}, daemon=True).start()
        return True


def test_oauth_signs_in_in_the_browser_once_then_reuses_the_saved_sign_in(
    sheets_emulator, tmp_path, monkeypatch
):
    monkeypatch.setenv(
        "OAUTHLIB_INSECURE_TRANSPORT", "1"
    )  # the emulated token page is plain http on loopback
    webbrowser.register("certkit-test-browser", None, _FetchingBrowser())
    client_file = write_json(tmp_path / "client_secret.json", sheets_emulator.oauth_client())
    key = sheets_emulator.add_spreadsheet("Roster", HEADER, shared_with={sheets_emulator.auth.user})
    event = sheet_event(tmp_path, key, auth="oauth", credentials=client_file.name)
    opts = options(sheets_emulator, tmp_path, browser="certkit-test-browser", redirect_host="127.0.0.1")
    for _ in range(2):
        client = authorize(event.roster, folder=tmp_path, options=opts)
        assert GoogleSheetSource.from_event(event, client=client).read().rows
    assert sheets_emulator.count("auth", path="/o/oauth2/auth") == 1  # the browser was needed once
    saved = token_path(json.loads(client_file.read_text())["installed"]["client_id"], opts)
    assert saved.exists() and stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert "refresh_token" in json.loads(saved.read_text())


def test_expired_oauth_sign_in_says_so_and_names_the_file(sheets_emulator, tmp_path):
    client = sheets_emulator.oauth_client()
    write_json(tmp_path / "client_secret.json", client)
    opts = options(sheets_emulator, tmp_path)
    saved = token_path(client["installed"]["client_id"], opts)
    saved.parent.mkdir(parents=True)
    user = sheets_emulator.auth.authorized_user(client)
    write_json(saved, user)
    roster = RosterConfig(source="sheets", url="x", auth="oauth", credentials="client_secret.json")
    assert authorize(roster, folder=tmp_path, options=opts)  # still valid: fine
    del sheets_emulator.auth.refresh[user["refresh_token"]]  # expired after 7 days in "Testing"
    with pytest.raises(AuthError, match=f"expired or was revoked.*Delete {saved}"):
        authorize(roster, folder=tmp_path, options=opts)


def test_oauth_with_a_service_account_key_says_which_setting_to_change(sheets_emulator, tmp_path, robot):
    roster = RosterConfig(source="sheets", url="x", auth="oauth", credentials="key.json")
    with pytest.raises(AuthError, match=r'is a service-account key.*auth = "service_account"'):
        authorize(roster, folder=tmp_path, options=options(sheets_emulator, tmp_path))


def test_default_sign_in_uses_application_default_credentials(sheets_emulator, tmp_path, robot, monkeypatch):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "key.json"))
    key = sheets_emulator.add_spreadsheet("Roster", HEADER, shared_with={robot})
    assert open_sheet(sheets_emulator, tmp_path, sheet_event(tmp_path, key, auth="default")).read().rows


def test_default_sign_in_missing_is_explained(tmp_path):
    code = (
        "from certkit.config import RosterConfig\n"
        "from certkit.sheets import authorize\n"
        "from certkit.errors import AuthError\n"
        "try:\n"
        "    authorize(RosterConfig(source='sheets', url='x', auth='default'))\n"
        "except AuthError as exc:\n"
        "    print(exc)\n"
    )
    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if "GOOGLE" not in k and "CLOUDSDK" not in k}
    env.update(
        HOME=str(tmp_path),
        CLOUDSDK_CONFIG=str(tmp_path / "gcloud"),
        NO_GCE_CHECK="true",
        PYTHONPATH=str(root),
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True, timeout=60
    )
    assert "found no Google sign-in on this computer" in out.stdout, out.stderr
