"""One event run and the operations around it: plan, run, resend, init and demo, account checks."""

from ._bundle import Bundle, make_bundle, unique_name
from ._changes import row_changes
from ._connect import (
    check_mail,
    check_roster,
    colab_sign_in,
    describe_roster,
    in_colab,
    key_file,
    load_colab_secret,
    read_roster,
    service_account_email,
    store_mail_password,
)
from ._events import find_events, init_event, open_event, run_demo
from ._lifecycle import history, history_rows, revoke, write_history_csv
from ._plan import check, count_to_send, send_plan, transport_findings
from ._reissue import ReissuePlan, plan_reissue, reissue
from ._resend import check_resend, resend, resend_target
from ._run import run_event
from ._schedule import in_words, local_time, parse_at, parse_every, wait_until
from ._status import BLOCKED, NOT_STARTED, EventStatus, RowStatus, event_status
from ._watch import Watcher, WatchRound, watch_event

__all__ = [
    "BLOCKED",
    "NOT_STARTED",
    "Bundle",
    "EventStatus",
    "ReissuePlan",
    "RowStatus",
    "WatchRound",
    "Watcher",
    "check",
    "check_mail",
    "check_resend",
    "check_roster",
    "colab_sign_in",
    "count_to_send",
    "describe_roster",
    "event_status",
    "find_events",
    "history",
    "history_rows",
    "in_colab",
    "in_words",
    "init_event",
    "key_file",
    "load_colab_secret",
    "local_time",
    "make_bundle",
    "open_event",
    "parse_at",
    "parse_every",
    "plan_reissue",
    "read_roster",
    "reissue",
    "resend",
    "resend_target",
    "revoke",
    "row_changes",
    "run_demo",
    "run_event",
    "send_plan",
    "service_account_email",
    "store_mail_password",
    "transport_findings",
    "unique_name",
    "wait_until",
    "watch_event",
    "write_history_csv",
]
