"""One event run and the operations around it: plan, run, resend, init and demo, account checks."""

from ._bundle import Bundle, make_bundle, unique_name
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
from ._plan import send_plan
from ._resend import resend, resend_target
from ._run import run_event
from ._schedule import in_words, local_time, parse_at, parse_every, wait_until
from ._status import BLOCKED, NOT_STARTED, EventStatus, RowStatus, event_status
from ._watch import Watcher, WatchRound, watch_event

__all__ = [
    "BLOCKED",
    "NOT_STARTED",
    "Bundle",
    "EventStatus",
    "RowStatus",
    "WatchRound",
    "Watcher",
    "check_mail",
    "check_roster",
    "colab_sign_in",
    "describe_roster",
    "event_status",
    "find_events",
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
    "read_roster",
    "resend",
    "resend_target",
    "run_demo",
    "run_event",
    "send_plan",
    "service_account_email",
    "store_mail_password",
    "unique_name",
    "wait_until",
    "watch_event",
]
