"""The public API is pinned: `certkit.__all__` grows or shrinks only on purpose (update this list and
the README's "Use from Python" section together)."""

from __future__ import annotations

import inspect

import certkit
from certkit.errors import CertkitError
from certkit.errors import __all__ as error_names

PUBLIC = [
    "AuthError", "CertkitError", "ConfigError", "ConversionError", "DeliveryUnknown", "Event",
    "LedgerError", "Preflight", "QuotaExceeded", "RecipientRefused", "RosterChanged",
    "RosterError", "RowCorrected", "RunSummary", "SendError", "SendPlan", "Status", "TemplateError",
    "TemporaryFailure", "__version__", "check", "check_event", "init_event", "load_event",
    "open_event", "preview", "publish_site", "reconcile", "resend", "run_demo", "run_event",
    "send_plan", "verify",
]


def test_all_is_pinned_and_every_name_resolves():
    assert certkit.__all__ == PUBLIC
    for name in PUBLIC:
        assert getattr(certkit, name) is not None


def test_the_error_tree_is_public_and_rooted():
    errors = [getattr(certkit, n) for n in error_names]
    assert all(inspect.isclass(e) and issubclass(e, CertkitError) for e in errors)
    assert set(error_names) <= set(PUBLIC)


def test_every_public_function_says_what_it_does():
    for name in PUBLIC:
        obj = getattr(certkit, name)
        if callable(obj):
            assert (obj.__doc__ or "").strip(), name


def test_readme_shows_the_api():
    from pathlib import Path

    readme = (Path(certkit.__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use from Python", 1)[1].split("\n## ", 1)[0]
    for name in ("open_event", "check", "preview", "send_plan", "run_event", "resend", "reconcile",
                 "publish_site", "verify", "CertkitError"):
        assert f"{name}" in section, name
