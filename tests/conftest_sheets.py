"""Fixtures for Google Sheets tests: a fresh Sheets API emulator on 127.0.0.1 and a gspread client.

Registered in tests/conftest.py through `pytest_plugins`.
"""

from __future__ import annotations

import pytest

from certkit.sheets import GoogleOptions, RetryPolicy, make_client

from .sheets_emulator import SheetsEmulator

# Quick retries so quota and fault tests finish in seconds; the production policy waits longer.
FAST = RetryPolicy(first_wait=0.05, max_wait=0.5, total_wait=20.0, timeout=(2.0, 2.0))


@pytest.fixture
def sheets_emulator():
    """A fresh emulated Google (Sheets, Drive, OAuth) serving on a free port of 127.0.0.1."""
    with SheetsEmulator() as emulator:
        yield emulator


@pytest.fixture
def sheets_client(sheets_emulator):
    """A gspread client, with certkit's retrying HTTP client, signed in to the emulator."""
    return emulator_client(sheets_emulator)


@pytest.fixture
def new_sheets_client(sheets_emulator):
    """Make more clients of the emulator: new_sheets_client(policy=..., principal=...)."""
    return lambda policy=FAST, **session_args: emulator_client(sheets_emulator, policy, **session_args)


def emulator_client(emulator: SheetsEmulator, policy: RetryPolicy = FAST, **session_args):
    """A gspread client talking to `emulator` through certkit's retrying HTTP client."""
    return make_client(None, GoogleOptions(policy=policy), session=emulator.session(**session_args))
