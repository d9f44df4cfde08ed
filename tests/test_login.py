"""`certkit login`: the app password goes to the OS keyring (or the environment), never to a file."""

from __future__ import annotations

import io

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from certkit import cli
from certkit.config import load_event, save_setting
from certkit.errors import AuthError
from certkit.run import send_plan
from certkit.send import GmailTransport, open_transport


class MemoryKeyring(KeyringBackend):
    """A keyring back-end that keeps secrets in memory (a real back-end class, chosen via keyring)."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    """Select the in-memory back-end for the test, then restore the previous one."""
    before = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    try:
        yield ring
    finally:
        keyring.set_keyring(before)


def gmail_event(event_dir):
    """The demo event set to send through Gmail as me@gmail.com."""
    save_setting(event_dir, "transport", {"backend": "gmail", "username": "me@gmail.com"})
    return load_event(event_dir)


def test_login_stores_the_app_password_in_the_keyring(event_dir, memory_keyring, monkeypatch, capsys):
    monkeypatch.delenv("CERTKIT_GMAIL_PASSWORD", raising=False)
    event = gmail_event(event_dir)
    with pytest.raises(AuthError, match="certkit login gmail"):
        open_transport(event)
    monkeypatch.setattr("sys.stdin", io.StringIO("abcd efgh ijkl mnop\n"))
    assert cli.main(["login", "gmail", str(event_dir)]) == 0
    assert "username = \"me@gmail.com\"" in capsys.readouterr().out
    assert memory_keyring.store == {("certkit-gmail", "me@gmail.com"): "abcdefghijklmnop"}
    transport = open_transport(event)
    assert isinstance(transport, GmailTransport)
    assert (transport.host, transport.port, transport.security) == ("smtp.gmail.com", 465, "ssl")
    assert transport.password == "abcdefghijklmnop"
    assert "abcdefghijklmnop" not in "".join(p.read_text(errors="ignore") for p in event_dir.rglob("*")
                                             if p.is_file() and p.suffix in (".toml", ".csv", ""))
    monkeypatch.setenv("CERTKIT_GMAIL_PASSWORD", "from-the-environment")
    assert open_transport(event).password == "from-the-environment"
    plan = send_plan(event)  # the demo's sender is not the Gmail account: say what Gmail does
    assert plan.daily_limit == 500 and "Send mail as" in plan.to_text()


def test_without_a_keyring_login_names_the_environment_variable(event_dir, monkeypatch, capsys):
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        monkeypatch.setattr("sys.stdin", io.StringIO("secret\n"))
        assert cli.main(["login", "gmail", "--username", "me@gmail.com"]) == 2
    finally:
        keyring.set_keyring(before)
    err = capsys.readouterr().err
    assert "no password store" in err and "CERTKIT_GMAIL_PASSWORD" in err
