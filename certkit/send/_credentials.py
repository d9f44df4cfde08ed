"""Mail passwords: from an environment variable or the OS keyring, never from a file."""

from __future__ import annotations

import os

from ..errors import AuthError, ConfigError

ENV_DEFAULTS = {"gmail": "CERTKIT_GMAIL_PASSWORD", "smtp": "CERTKIT_SMTP_PASSWORD"}


def keyring_service(backend: str, host: str = "") -> str:
    """The keyring entry's service name: one per mail server."""
    return "certkit-gmail" if backend == "gmail" else f"certkit-smtp:{host}"


def _no_keyring(env: str) -> str:
    """What to do on a computer without a usable password store."""
    return (
        "This computer has no password store (keyring) certkit can use. Set the environment "
        f"variable {env} to the password instead, e.g. in a terminal: export {env}='abcd efgh ijkl "
        "mnop' (Windows: set " + env + "=...), then run certkit from that same terminal."
    )


def store_password(service: str, username: str, password: str, env: str) -> None:
    """Save a password in the OS keyring; raise ConfigError naming the environment variable if none."""
    import keyring

    if not username or not password:
        raise ConfigError("Both the address and the password are needed; nothing was stored.")
    try:
        keyring.set_password(service, username, password)
    except Exception as exc:  # back-ends raise their own errors (D-Bus, locked store, none at all)
        raise ConfigError(f"{_no_keyring(env)} ({exc})") from None


def get_password(service: str, username: str, env: str) -> str:
    """The password from the environment variable `env`, else the OS keyring.

    Raises AuthError saying how to store it (certkit login, or the environment variable).
    """
    if os.environ.get(env):
        return os.environ[env]
    secret = None
    try:
        import keyring

        secret = keyring.get_password(service, username)
    except Exception:  # no keyring package or no usable back-end: the environment is the way then
        secret = None
    if not secret:
        backend = "gmail" if service == "certkit-gmail" else "smtp"
        raise AuthError(
            f"No password found for {username}. Store it once with: certkit login {backend} "
            f"(or set the environment variable {env})."
        )
    return secret
