"""Delivery tracking after sending: statistics and their chart, and `certkit serve` (pages, links, claims)."""

from ._chart import stats_chart
from ._links import personal_page, publish_links
from ._serve import claimed_to_sheet, create_app, serve
from ._stats import CHART_FILE, Stats, event_stats, ledger_stats

__all__ = [
    "CHART_FILE",
    "Stats",
    "claimed_to_sheet",
    "create_app",
    "event_stats",
    "ledger_stats",
    "personal_page",
    "publish_links",
    "serve",
    "stats_chart",
]
