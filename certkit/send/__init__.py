"""Mail: message building, transports (Gmail, SMTP, outbox), the send loop, quota, Sent-folder reconcile."""

from ._bounces import BounceReport, apply_notices, bounces_after_send, find_bounces
from ._credentials import ENV_DEFAULTS, keyring_service, store_password
from ._dsn import Notice, read_notice
from ._imap import parse_list
from ._loop import deliver
from ._message import build_message, download_url, message_bytes, smtp_data
from ._quota import SendPlan, Throttle, _sender_note, daily_limit, read_quota, when
from ._reconcile import Settled, reconcile
from ._transports import GmailTransport, SmtpTransport, auth_advice, classify, open_transport, password_env

__all__ = [
    "ENV_DEFAULTS",
    "BounceReport",
    "GmailTransport",
    "Notice",
    "SendPlan",
    "Settled",
    "SmtpTransport",
    "Throttle",
    "_sender_note",
    "apply_notices",
    "auth_advice",
    "bounces_after_send",
    "build_message",
    "classify",
    "daily_limit",
    "deliver",
    "download_url",
    "find_bounces",
    "keyring_service",
    "message_bytes",
    "open_transport",
    "parse_list",
    "password_env",
    "read_notice",
    "read_quota",
    "reconcile",
    "smtp_data",
    "store_password",
    "when",
]
