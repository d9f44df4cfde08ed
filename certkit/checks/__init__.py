"""Pre-flight checks: the roster, the template and the settings, reported per row and column."""

from ._checks import check_roster
from ._eligibility import BLANK_ROW, Filter, eligible_rows
from ._examples import ExampleSetting, describe_examples, example_settings, is_example_address
from ._preflight import Preflight, check_event, update_mapping
from ._sample import check_selection, parse_rows, representative_sample, sample_reasons
from ._text import name_case_problem, odd_characters, proper_case

__all__ = [
    "BLANK_ROW",
    "ExampleSetting",
    "Filter",
    "Preflight",
    "check_event",
    "check_roster",
    "check_selection",
    "describe_examples",
    "eligible_rows",
    "example_settings",
    "is_example_address",
    "name_case_problem",
    "odd_characters",
    "parse_rows",
    "proper_case",
    "representative_sample",
    "sample_reasons",
    "update_mapping",
]
