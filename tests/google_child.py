"""The real `certkit` command line in a child process whose Google traffic goes to the parent test's
Sheets API emulator (a real server on 127.0.0.1): the sign-in is the only part replaced.

    python -m tests.google_child EMULATOR_URL watch my-event --yes     (token in CERTKIT_TEST_TOKEN)
"""

from __future__ import annotations

import os
import sys

import requests

from certkit.cli import main
from certkit.sheets import GoogleOptions, GoogleSheetSource, RetryPolicy, make_client
from tests.sheets_emulator import _RedirectAdapter


def signed_in(url: str, token: str):
    """A gspread client of the emulator at `url`, signed in with `token` (as the parent's sessions are)."""
    session = requests.Session()
    session.mount("https://", _RedirectAdapter(url))
    session.headers["Authorization"] = f"Bearer {token}"
    policy = RetryPolicy(first_wait=0.05, max_wait=0.5, total_wait=5.0, timeout=(2.0, 5.0))
    return make_client(None, GoogleOptions(policy=policy), session=session)


if __name__ == "__main__":
    client = signed_in(sys.argv[1], os.environ["CERTKIT_TEST_TOKEN"])
    opened = GoogleSheetSource.from_event.__func__
    GoogleSheetSource.from_event = classmethod(  # the emulator's sign-in instead of Google's
        lambda cls, event, client=client: opened(cls, event, client=client))
    sys.exit(main(sys.argv[2:]))
