"""Talking to Google over HTTP in one place: retries for quota and server errors, errors in words.

Every Sheets and Drive request certkit makes goes through `RetryingHTTPClient.request` (gspread's
one HTTP chokepoint), so waiting on 429 / 5xx lives here and nowhere else. `google_errors` turns
gspread, google-auth and requests exceptions into certkit errors that say what to do.
"""

from __future__ import annotations

import email.utils
import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import requests
from google.auth import exceptions as google_exceptions
from gspread.exceptions import APIError, SpreadsheetNotFound
from gspread.http_client import HTTPClient

from .._retry import Backoff
from ..errors import AuthError, CertkitError, RosterError

log = logging.getLogger("certkit.google")

RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
DRIVE_RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep trying when Google says "too many requests" or has a server error."""

    first_wait: float = 1.0  # seconds before the first retry; doubles each time
    max_wait: float = 32.0  # longest single wait
    total_wait: float = 300.0  # give up (with a clear error) after waiting this long in total
    timeout: tuple[float, float] = (10.0, 60.0)  # connect / read timeout of one request


class RetryingHTTPClient(HTTPClient):
    """gspread's HTTP client, retrying 429 and 5xx replies, timeouts and dropped connections.

    Waits grow exponentially with jitter; a Retry-After header is honoured. A request is never
    dropped: it succeeds, or after `policy.total_wait` seconds of waiting the last error is raised.
    """

    def __init__(
        self,
        auth: Any,
        session: requests.Session | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        super().__init__(auth, session)
        self.auth = auth  # also when a session is given, so messages can name the account
        self.policy = policy or RetryPolicy()
        self.timeout = self.policy.timeout
        self.sleep = sleep
        self.retries = 0  # requests tried again, over this client's life (for reports)
        self.waited = 0.0  # seconds spent waiting before retries

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        """Send one request, waiting and retrying while Google asks us to slow down or fails."""
        policy = self.policy
        backoff = Backoff(policy.first_wait, policy.max_wait, total_wait=policy.total_wait,
                          sleep=self.sleep)
        return backoff.call(partial(super().request, *args, **kwargs), transient,
                            hint=_asked_wait, on_retry=self._note)

    def _note(self, exc: Exception, delay: float) -> None:
        """Log one retry and count it (for reports)."""
        what = f"HTTP {exc.response.status_code}" if isinstance(exc, APIError) else type(exc).__name__
        log.warning("Google answered %s; waiting %.1f s before trying again.", what, delay)
        self.retries += 1
        self.waited += delay


def transient(exc: Exception) -> bool:
    """A reply or a network failure that means "try again later"."""
    if isinstance(exc, APIError):
        return retryable(exc)
    return isinstance(exc, (requests.ConnectionError, requests.Timeout, google_exceptions.TransportError))


def _asked_wait(exc: Exception) -> float | None:
    """The wait Google asked for in a Retry-After header, if any."""
    return retry_after(exc.response) if isinstance(exc, APIError) else None


def retryable(exc: APIError) -> bool:
    """Whether a reply means "try again later": 429, 5xx, or Drive's 403 rate-limit reasons."""
    code = exc.response.status_code
    if code in RETRY_STATUS:
        return True
    reasons = {e.get("reason") for e in exc.error.get("errors", []) if isinstance(e, dict)}
    return code == 403 and bool(reasons & DRIVE_RATE_REASONS)


def retry_after(response: requests.Response) -> float | None:
    """Seconds from a Retry-After header (a number or an HTTP date), or None."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def account_of(client: Any) -> str:
    """The service account's email of a gspread client, or "" for a personal sign-in."""
    auth = getattr(getattr(client, "http_client", None), "auth", None)
    return str(getattr(auth, "service_account_email", "") or "")


def share_hint(account: str) -> str:
    """Who to share a file with, in words."""
    if account:
        return f"share it with {account} (Share button, role Editor)"
    return "share it with the Google account you signed in with (Share button, role Editor)"


@contextmanager
def google_errors(what: str, account: str, error: type[CertkitError] = RosterError) -> Iterator[None]:
    """Turn gspread / google-auth / requests errors about `what` into certkit errors."""
    try:
        yield
    except CertkitError:
        raise
    except APIError as exc:
        raise api_error(exc, what, account, error) from exc
    except SpreadsheetNotFound as exc:
        raise error(
            f"{what} was not found. Check the address in event.toml, and {share_hint(account)}."
        ) from exc
    except google_exceptions.RefreshError as exc:
        raise AuthError(
            f"Google refused the sign-in while opening {what} ({exc}). The saved sign-in expired or "
            "the key was deleted: see the README section 'Connect a Google Sheet' to sign in again."
        ) from exc
    except (requests.ConnectionError, requests.Timeout, google_exceptions.TransportError) as exc:
        raise error(
            f"Could not reach Google to open {what} ({type(exc).__name__}). Check the internet "
            "connection, then run again."
        ) from exc


def api_error(exc: APIError, what: str, account: str, error: type[CertkitError]) -> CertkitError:
    """One API error reply, explained."""
    code = exc.response.status_code
    message = str(exc.error.get("message", "")) or exc.response.reason or ""
    if code == 401:
        return AuthError(
            f"Google did not accept the sign-in ({message}). Sign in again; see the README "
            "section 'Connect a Google Sheet'."
        )
    if code == 403 and ("has not been used" in message or "is disabled" in message):
        link = re.search(r"https://\S+", message)
        where = f"Open {link.group(0).rstrip('.')} and click Enable" if link else "Enable it in Google Cloud"
        return error(
            f"The Google API needed for {what} is not enabled in your Google Cloud project. "
            f"{where}, wait a minute, then run again."
        )
    if code == 403:
        return error(f"Google refused access to {what} ({message}): {share_hint(account)}, then run again.")
    if code == 404:
        return error(f"{what} was not found. Check the address in event.toml, and {share_hint(account)}.")
    if code == 429:
        return error(
            f"Google kept answering 'too many requests' for {what}, so certkit stopped waiting. "
            "Nothing was lost: try again in a few minutes; statuses not written yet are written then."
        )
    if code >= 500:
        return error(
            f"Google's servers kept failing for {what} (HTTP {code}). Nothing was lost: try again in a "
            "few minutes; statuses not written yet are written then."
        )
    return error(f"Google refused a request for {what} (HTTP {code}: {message}).")
