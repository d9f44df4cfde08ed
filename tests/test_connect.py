"""Library parts the notebooks stand on: settings edits, event folders, worksheets, the ledger search,
and account checks against a real SMTP server, with errors in words."""

from __future__ import annotations

import json
import os

import keyring
import openpyxl
import pytest
from keyring.backend import KeyringBackend
from keyring.backends.fail import Keyring as NoKeyring

from certkit.config import load_event, update_setting
from certkit.errors import AuthError, ConfigError, RosterError
from certkit.ledger import open_ledger
from certkit.run import (
    check_mail,
    check_roster,
    colab_sign_in,
    find_events,
    in_colab,
    init_event,
    key_file,
    load_colab_secret,
    open_event,
    run_demo,
    service_account_email,
    store_mail_password,
)
from certkit.sheets import roster_location, worksheet_names

from .smtp_server import Sink, start_server


class MemoryKeyring(KeyringBackend):
    """A keyring back-end holding secrets in memory (keyring's own plug-in interface)."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.secrets.get((service, username))

    def set_password(self, service, username, password):
        self.secrets[(service, username)] = password

    def delete_password(self, service, username):
        self.secrets.pop((service, username), None)


@pytest.fixture
def use_keyring():
    """Swap the process's keyring for the test; never touch the developer's real one."""
    previous = keyring.get_keyring()

    def use(backend):
        keyring.set_keyring(backend)
        return backend

    yield use
    keyring.set_keyring(previous)


def test_update_setting_changes_keys_and_keeps_the_rest(event_dir):
    before = (event_dir / "event.toml").read_text(encoding="utf-8")
    update_setting(event_dir, "roster", {"worksheet": "Participants", "eligible": None})
    update_setting(event_dir, "transport", {"backend": "smtp", "port": 2525})
    after = (event_dir / "event.toml").read_text(encoding="utf-8")
    event = load_event(event_dir)
    assert event.roster.worksheet == "Participants" and event.roster.email_column == "Email"
    assert event.transport.backend == "smtp" and event.transport.port == 2525
    assert "# the row holding the column names" in after  # comments kept
    assert after.count("\n") >= before.count("\n")


def test_find_and_open_events(tmp_path):
    init_event(tmp_path / "spring")
    init_event(tmp_path / "2026" / "autumn")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "event.toml").write_text("name = 'x'\n")
    assert find_events(tmp_path) == [tmp_path / "2026" / "autumn", tmp_path / "spring"]
    assert open_event(tmp_path / "spring").name == "Data Skills Bootcamp 2026"
    with pytest.raises(ConfigError, match="certkit init"):
        open_event(tmp_path / "nothing")
    assert open_event(tmp_path / "new", create=True).folder == (tmp_path / "new").resolve()


def test_worksheet_names_and_roster_location(event_dir):
    book = openpyxl.load_workbook(event_dir / "roster.xlsx")
    book.create_sheet("Late registrations")
    book.save(event_dir / "roster.xlsx")
    event = load_event(event_dir)
    assert worksheet_names(event) == ["Participants", "Late registrations"]
    assert roster_location(event) == str(event_dir.resolve() / "roster.xlsx")
    update_setting(event_dir, "roster", {"path": "missing.xlsx"})
    with pytest.raises(RosterError, match="does not exist"):
        worksheet_names(load_event(event_dir))
    key = "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms"
    update_setting(event_dir, "roster", {"source": "sheets", "url": key})
    assert roster_location(load_event(event_dir)) == f"https://docs.google.com/spreadsheets/d/{key}"
    update_setting(event_dir, "roster", {"source": "csv", "path": "roster.csv"})
    assert worksheet_names(load_event(event_dir)) == []


def test_ledger_search_ignores_case_and_spacing(tmp_path, converter):
    run_demo(tmp_path / "demo")
    with open_ledger(tmp_path / "demo") as ledger:
        assert [r.name for r in ledger.search("amélie")] == ["Amélie Dubois"]
        assert [r.name for r in ledger.search("  AMÉLIE   dubois ")] == ["Amélie Dubois"]
        cert = ledger.search("xiaoming.wang@")[0].cert_id
        assert [r.name for r in ledger.search(cert.lower())] == ["王小明"]
        assert ledger.search("") == [] and ledger.search("nobody-here") == []


def test_check_roster_in_words(event):
    assert check_roster(event).startswith("Connected: 25 row(s) in roster.xlsx")
    event.roster.path = "gone.xlsx"
    with pytest.raises(RosterError, match="does not exist"):
        check_roster(event)


def test_check_mail_logs_in_against_a_real_server(event_dir, monkeypatch):
    controller = start_server(Sink(), auth=("org@example.org", "right-password"))
    try:
        update_setting(event_dir, "transport", {"backend": "smtp", "host": "127.0.0.1",
                                                "port": controller.port, "security": "none",
                                                "username": "org@example.org"})
        monkeypatch.setenv("CERTKIT_SMTP_PASSWORD", "wrong")
        with pytest.raises(AuthError, match="refused the login"):
            check_mail(load_event(event_dir))
        monkeypatch.setenv("CERTKIT_SMTP_PASSWORD", "right-password")
        assert "the login works" in check_mail(load_event(event_dir))
    finally:
        controller.stop()


def test_check_mail_outbox_says_nothing_is_mailed(event):
    assert "nothing is mailed" in check_mail(event)


def test_store_mail_password_uses_the_keyring(event_dir, use_keyring, monkeypatch):
    monkeypatch.delenv("CERTKIT_GMAIL_PASSWORD", raising=False)
    store = use_keyring(MemoryKeyring())
    update_setting(event_dir, "transport", {"backend": "gmail", "username": "me@gmail.com"})
    said = store_mail_password(load_event(event_dir), " abcd efgh ijkl mnop ")
    assert "password store" in said
    assert store.secrets == {("certkit-gmail", "me@gmail.com"): "abcdefghijklmnop"}
    assert "CERTKIT_GMAIL_PASSWORD" not in os.environ


def test_store_mail_password_without_keyring_keeps_it_for_the_session(event_dir, use_keyring,
                                                                      monkeypatch):
    monkeypatch.setenv("CERTKIT_GMAIL_PASSWORD", "")  # restored after the test
    use_keyring(NoKeyring())
    update_setting(event_dir, "transport", {"backend": "gmail", "username": "me@gmail.com"})
    said = store_mail_password(load_event(event_dir), "secret")
    assert "session only" in said and "type it here again" in said  # no variable to set by hand
    assert os.environ["CERTKIT_GMAIL_PASSWORD"] == "secret"
    with pytest.raises(ConfigError, match="empty"):
        store_mail_password(load_event(event_dir), "  ")
    update_setting(event_dir, "transport", {"username": ""})
    with pytest.raises(ConfigError, match="Gmail address"):
        store_mail_password(load_event(event_dir), "secret")


def test_service_account_email_explains_bad_files(tmp_path):
    with pytest.raises(ConfigError, match="There is no file"):
        service_account_email(tmp_path / "key.json")
    (tmp_path / "key.json").write_text("not json")
    with pytest.raises(ConfigError, match="not a JSON key file"):
        service_account_email(tmp_path / "key.json")
    (tmp_path / "key.json").write_text(json.dumps({"installed": {"client_id": "x"}}))
    with pytest.raises(ConfigError, match="choose OAuth"):
        service_account_email(tmp_path / "key.json")
    (tmp_path / "key.json").write_text(json.dumps(
        {"type": "service_account", "client_email": "certkit@proj.iam.gserviceaccount.com"}))
    assert service_account_email(tmp_path / "key.json") == (
        "certkit@proj.iam.gserviceaccount.com")


def test_colab_helpers_say_they_need_colab(event):
    assert not in_colab()
    with pytest.raises(AuthError, match="only inside Google Colab"):
        colab_sign_in()
    with pytest.raises(AuthError, match="only available inside Google Colab"):
        load_colab_secret(event)


def test_key_file_is_found_as_typed_or_in_the_event_folder(event, tmp_path, monkeypatch):
    (event.folder / "key.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    assert key_file(event, " key.json ") == (event.folder / "key.json").resolve()
    (tmp_path / "mine.json").write_text("{}")
    assert key_file(event, "mine.json") == (tmp_path / "mine.json").resolve()
    with pytest.raises(ConfigError, match=r"There is no file nowhere\.json"):
        key_file(event, "nowhere.json")
