"""The emulator answers like the real Google API: recorded traffic replayed against it.

tests/data/gspread_cassettes.json holds request/response pairs recorded against Google by
gspread's own test-suite (MIT, see its _origin note). Each scenario is replayed in order through
the real HTTP stack; every key and value of the recorded answer must be in the emulator's answer
(IDs and timestamps are compared by type only, since they are generated).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import gspread
import pytest

from .sheets_emulator import SheetsEmulator

DATA = json.loads((Path(__file__).parent / "data" / "gspread_cassettes.json").read_text(encoding="utf-8"))
GENERATED = {"spreadsheetId", "id", "createdTime", "modifiedTime", "sheetId", "spreadsheetUrl"}
NOT_EMULATED = {"details"}  # error detail objects (field violations) are not reproduced


def same_shape(recorded, actual, where: str = "") -> list[str]:
    """Differences between a recorded answer and the emulator's ([] when it matches)."""
    if isinstance(recorded, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {actual!r}"]
        problems = []
        for key, value in recorded.items():
            if key in NOT_EMULATED:
                continue
            if key not in actual:
                problems.append(f"{where}.{key}: missing")
            elif key in GENERATED:
                if type(value) is not type(actual[key]):
                    problems.append(
                        f"{where}.{key}: {type(actual[key]).__name__} instead of {type(value).__name__}"
                    )
            else:
                problems += same_shape(value, actual[key], f"{where}.{key}")
        return problems
    if isinstance(recorded, list):
        if not isinstance(actual, list) or len(recorded) != len(actual):
            return [f"{where}: expected {recorded!r}, got {actual!r}"]
        return [
            p for i, (r, a) in enumerate(zip(recorded, actual)) for p in same_shape(r, a, f"{where}[{i}]")
        ]
    if recorded != actual or type(recorded) is not type(actual):
        return [f"{where}: expected {recorded!r}, got {actual!r}"]
    return []


def generated_ids(recorded, actual, found: dict[str, str]) -> None:
    """Pair recorded file and sheet IDs with the emulator's, to use them in later requests."""
    if isinstance(recorded, dict) and isinstance(actual, dict):
        for key, value in recorded.items():
            if key in ("id", "sheetId") and key in actual and str(value) != str(actual[key]):
                found[str(value)] = str(actual[key])
            generated_ids(value, actual.get(key), found)
    elif isinstance(recorded, list) and isinstance(actual, list):
        for r, a in zip(recorded, actual):
            generated_ids(r, a, found)


def replay(emulator: SheetsEmulator, name: str) -> None:
    """Send a scenario's recorded requests in order; assert each answer matches the recording."""
    session = emulator.session()
    ids: dict[str, str] = {}  # recorded file / sheet ID -> the emulator's
    for step, item in enumerate(DATA["scenarios"][name]["interactions"]):
        uri, body = item["uri"], json.dumps(item["body"])
        for old, new in ids.items():
            uri, body = uri.replace(old, new), body.replace(old, new)
        reply = session.request(item["method"], uri, json=json.loads(body), timeout=10)
        assert reply.status_code == item["status"], (name, step, uri, reply.text)
        actual = reply.json() if reply.content else None
        generated_ids(item["response"], actual, ids)
        problems = same_shape(item["response"], actual, f"{name}[{step}]")
        assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", sorted(set(DATA["scenarios"]) - {"not_shared"}))
def test_recorded_scenario_replays_identically(sheets_emulator, name):
    replay(sheets_emulator, name)


def test_unshared_spreadsheet_answers_403_like_google(sheets_emulator):
    item = DATA["scenarios"]["not_shared"]["interactions"][0]
    key = re.search(r"spreadsheets/([^?/]+)", item["uri"]).group(1)
    sheets_emulator.add_spreadsheet("Private", key=key, shared_with={"owner@example.org"})
    replay(sheets_emulator, "not_shared")


def test_comparison_catches_a_wrong_answer():
    recorded = {"range": "Sheet1!A1:D4", "values": [["a", "b", "c", "d"]]}
    assert same_shape(recorded, {"range": "Sheet1!A1:D4", "values": [["a", "b", "c", "d"]], "extra": 1}) == []
    assert same_shape(recorded, {"range": "Sheet1!A1:D4", "values": [["a", "b", "c", "d"], [""]]})
    assert same_shape(recorded, {"range": "Sheet1!A1:D4"})
    assert same_shape({"values": [[2]]}, {"values": [[2.0]]})  # 2 and 2.0 differ in JSON


# Behaviour Google documents (or users meet) that the recordings do not cover.


def test_writing_past_the_last_column_is_a_400(sheets_emulator, sheets_client):
    key = sheets_emulator.add_spreadsheet("Roster", [["Name"]], col_count=3)
    tab = sheets_client.open_by_key(key).sheet1
    with pytest.raises(
        gspread.exceptions.APIError, match=r"exceeds grid limits\. Max rows: 1000, max columns: 3"
    ):
        tab.update([["x"]], "D1")
    with pytest.raises(gspread.exceptions.APIError, match=r"exceeds grid limits"):
        tab.batch_update([{"range": "A1", "values": [["ok"]]}, {"range": "E2", "values": [["no"]]}])
    assert sheets_emulator.values(key) == [["Name"]]  # a batch is applied whole or not at all


def test_quota_answers_429_resource_exhausted(sheets_emulator, sheets_client):
    sheets_emulator.quota = {"read": 2, "write": 0}
    key = sheets_emulator.add_spreadsheet("Roster", [["Name"]])
    session = sheets_emulator.session()
    url = f"https://sheets.googleapis.com/v4/spreadsheets/{key}/values/Sheet1"
    replies = [session.get(url, timeout=5) for _ in range(3)]
    assert [r.status_code for r in replies] == [200, 200, 429]
    assert replies[2].json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert "Read requests per minute per user" in replies[2].json()["error"]["message"]


def test_requests_without_a_valid_token_are_401(sheets_emulator):
    key = sheets_emulator.add_spreadsheet("Roster", [["Name"]])
    session = sheets_emulator.session()
    session.headers["Authorization"] = "Bearer made-up"
    reply = session.get(f"https://sheets.googleapis.com/v4/spreadsheets/{key}", timeout=5)
    assert reply.status_code == 401 and reply.json()["error"]["status"] == "UNAUTHENTICATED"


def test_gspread_add_cols_uses_a_stale_size_which_is_why_certkit_appends(sheets_emulator, new_sheets_client):
    def widened_by_the_organizer():
        key = sheets_emulator.add_spreadsheet("Roster", [["Name"]], col_count=3)
        tab = new_sheets_client().open_by_key(key).sheet1  # remembers 3 columns
        organizer = new_sheets_client(principal="organizer@example.org").open_by_key(key).sheet1
        organizer.add_cols(2)
        organizer.update([["Phone"]], "E1")
        return key, tab

    key, tab = widened_by_the_organizer()
    tab.add_cols(1)  # resizes to its remembered 3 + 1 = 4 columns: the organizer's column E is cut off
    assert sheets_emulator.values(key) == [["Name"]]
    key, tab = widened_by_the_organizer()
    tab.spreadsheet.batch_update(
        {"requests": [{"appendDimension": {"sheetId": 0, "dimension": "COLUMNS", "length": 1}}]}
    )
    assert sheets_emulator.values(key) == [["Name", "", "", "", "Phone"]]
    assert sheets_emulator.books[key].sheet().cols == 6
