"""The status vocabulary has one home: a str Enum that stores, compares and prints as its sheet text."""

from __future__ import annotations

import ast
import json
import sqlite3
from pathlib import Path

import certkit
from certkit.status import DONE, TEST, VALID, Status

PACKAGE = Path(certkit.__file__).parent
# string constants that are not statuses even though they read like one
NOT_STATUS = {("send/_reconcile.py", "Sent")}  # the IMAP folder called "Sent"


def test_members_print_store_and_compare_as_their_text():
    sent = Status.SENT
    assert f"{sent}" == str(sent) == format(sent) == "Sent"
    assert "%s" % sent == "{}".format(sent) == "Sent"  # noqa: UP031, UP032
    assert f"{sent:>6}" == "  Sent" and sent == "Sent" and "Sent" in DONE and hash(sent) == hash("Sent")
    assert json.dumps({"s": sent}) == '{"s": "Sent"}'
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (s TEXT)")
    db.execute("INSERT INTO t VALUES (?)", (sent,))
    assert db.execute("SELECT s, typeof(s) FROM t WHERE s = ?", ("Sent",)).fetchone() == ("Sent", "text")


def test_test_copies_and_sets():
    assert Status.FAILED.as_test() == "Test Failed" and Status.SENT.as_test() in TEST
    assert Status.of(" not  SENT ") is Status.NOT_SENT and Status.of("Shipped") is None
    assert Status.BOUNCED in VALID and Status.REVOKED not in VALID and Status.REVOKED in DONE


def test_no_status_word_is_written_outside_status_py():
    words = {s.value for s in Status}
    found = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel == "status.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in words and (rel, node.value) not in NOT_STATUS:
                found.append(f"{rel}:{node.lineno} {node.value!r}")
            if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant) \
                    and node.values[0].value == "Test ":
                found.append(f"{rel}:{node.lineno} f'Test ...'")
    assert found == [], "use certkit.status.Status instead of these literals"
