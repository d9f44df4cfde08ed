"""One email rule: an address typed for resend, a test send or the mail account is refused exactly
as the roster check refuses it."""

from __future__ import annotations

import pytest

from certkit.checks import check_roster
from certkit.cli import main
from certkit.emails import check_email, valid_email
from certkit.errors import ConfigError
from certkit.findings import BLOCKING
from certkit.run import resend
from certkit.sheets import Roster, Row


def test_valid_email_refuses_what_the_check_blocks():
    for bad in ("x@gmial.com", "", "not-an-address", "ana@example.con"):
        blocking = [p for p in check_email(bad) if p.blocking]
        assert blocking, bad
        with pytest.raises(ConfigError) as err:
            valid_email(bad)
        assert blocking[0].message in str(err.value)
    assert valid_email("  Ana@Example.org ") == "Ana@example.org"


def test_check_and_resend_name_the_same_typo(event, capsys):
    roster = Roster(["Full Name", "Email"], [Row(2, {"Full Name": "X", "Email": "x@gmial.com"})], "t")
    found = [f for f in check_roster(event, roster, []).findings if f.severity == BLOCKING]
    assert [(f.row, f.column) for f in found] == [(2, "Email")]
    with pytest.raises(ConfigError, match=r"gmial\.com' is probably 'gmail\.com'"):
        resend(event, row=2, to="x@gmial.com")
    before = sorted(p.name for p in event.folder.iterdir())
    assert main(["resend", str(event.folder), "--row", "2", "--to", "x@gmial.com"]) != 0
    out = capsys.readouterr()
    assert "'gmial.com' is probably 'gmail.com'" in out.out + out.err
    assert "--to" in out.out + out.err
    assert sorted(p.name for p in event.folder.iterdir()) == before  # refused before anything
