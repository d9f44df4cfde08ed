"""Dates, names, emails and the eligibility filter, value by value."""

from __future__ import annotations

from datetime import date

import pytest

from certkit._text import INVISIBLE, JOINERS, ODD_SPACES, clean_text
from certkit.checks import Filter, name_case_problem, odd_characters, proper_case
from certkit.docs import NUMERIC, SERIAL, WORDS, date_style, default_order, format_date, parse_date
from certkit.emails import check_email, domain_typo, normalize_email
from certkit.errors import ConfigError
from certkit.sheets import Row


@pytest.mark.parametrize("text", ["2026-01-15", "2026-01-15 00:00:00", "2026-01-15T09:30:00",
                                  "15/01/2026", "15.01.2026", "15-01-2026", "15/01/26",
                                  "15 January 2026", "15 Jan 2026", "January 15, 2026",
                                  "Jan 15th, 2026", "15th January 2026",
                                  "46037", "46037.0"])
def test_many_ways_of_writing_one_date(text):
    assert parse_date(text) == date(2026, 1, 15)


def test_format_for_the_whole_event_in_its_locale():
    assert format_date("46037", "d MMMM yyyy", "en") == "15 January 2026"
    assert format_date("2026-01-15", "d MMMM yyyy", "fr") == "15 janvier 2026"
    assert format_date("01/15/2026", "MMMM d, yyyy", "en_US") == "January 15, 2026"
    assert format_date("03/04/2026", "d MMMM yyyy", "en", order="mdy") == "4 March 2026"
    assert format_date("03/04/2026", "d MMMM yyyy", "en") == "3 April 2026"
    assert default_order("en_US") == "mdy" and default_order("en_GB") == "dmy"


@pytest.mark.parametrize("text, words", [("31/02/2026", "not a real date"),
                                         ("yes", "not a date"), ("", "empty"),
                                         ("01/13/2026", "no month 13")])
def test_unreadable_dates_say_why(text, words):
    with pytest.raises(ValueError, match=words):
        parse_date(text)


def test_date_styles():
    assert date_style("15/01/2026") == NUMERIC and date_style("46037") == SERIAL
    assert date_style("15 January 2026") == WORDS and date_style("soon") == ""


@pytest.mark.parametrize("name, fixed", [
    ("JAN VAN DER BERG", "Jan van der Berg"), ("maria de la cruz", "Maria de la Cruz"),
    ("MCDONALD", "McDonald"), ("SEAN O'BRIEN", "Sean O'Brien"), ("ANA MACHADO", "Ana Machado"),
    ("JEAN-PIERRE DUPONT", "Jean-Pierre Dupont"), ("ÉLODIE D'ANGELO", "Élodie D'Angelo"),
    ("henry ford iii", "Henry Ford III"), ("ludwig van", "Ludwig Van"),
])
def test_proper_case_respects_particles_and_prefixes(name, fixed):
    assert proper_case(name) == fixed
    assert name_case_problem(name) in ("ALL CAPS", "all lowercase")


def test_names_in_mixed_case_or_without_case_are_left_alone():
    for name in ("Ana Lima", "王小明", "محمد", "DJ", "McDonald"):
        assert name_case_problem(name) == ""


def test_hidden_characters_are_named_and_cleaned():
    text = "\u200bAna\u00a0 Lima\u2060\t"
    assert odd_characters(text) == ["zero-width space", "non-breaking space", "word joiner",
                                    "line break or tab"]
    assert clean_text(text) == "Ana Lima"
    assert odd_characters("👩\u200d💻") == []  # a joiner inside an emoji is part of it


def test_every_character_cleaned_or_reported_is_unprintable():
    """Cleaning and the check skip printable cells whole (most cells, 10,000 rows in a second):
    that is right only while every character they act on is one Python calls unprintable."""
    acted_on = [*INVISIBLE, *JOINERS, *ODD_SPACES, *map(chr, [*range(0x20), *range(0x7F, 0xA0)])]
    assert [f"U+{ord(c):04X}" for c in acted_on if c.isprintable()] == []
    for c in acted_on:
        text = f"Ana{c}Lima"
        assert clean_text(text) != text or odd_characters(text), f"U+{ord(c):04X}"
    assert clean_text("  Ana   Lima ") == "Ana Lima" and odd_characters("Zoë Ng 王") == []


@pytest.mark.parametrize("address, fix", [
    ("ana@gmial.com", "ana@gmail.com"), ("ana@hotmial.com", "ana@hotmail.com"),
    ("ana@gmail.con", "ana@gmail.com"), ("ana@gmail.com.", "ana@gmail.com"),
    ("ana maria@gmail.com", "anamaria@gmail.com"), ("ana@yahooo.com", "ana@yahoo.com"),
    ("ana@company.cmo", "ana@company.com"), ("ana\u200b@example.org", "ana@example.org"),
])
def test_email_typos_block_with_a_fix(address, fix):
    (problem,) = check_email(address)
    assert problem.blocking and fix in problem.suggestion


@pytest.mark.parametrize("address", ["ana@mail.com", "ana@gmx.de", "ana@uni-heidelberg.de",
                                     "ana@me.com", "josé@exämple.com", "a.b+tag@example.co.uk"])
def test_real_addresses_pass(address):
    assert check_email(address) == [] and domain_typo(address) == ""


def test_spaces_around_an_email_only_warn_and_duplicates_fold():
    (problem,) = check_email(" Ana@Example.org ")
    assert not problem.blocking
    assert normalize_email(" Ana@Example.ORG\u200b") == "ana@example.org"


HEADER = ["Score", "Attended", "Final Score", "Track"]


def rows():
    return [Row(2, {"Score": "85", "Attended": "Yes ", "Track": "online"}),
            Row(3, {"Score": "75", "Attended": "yes"}),
            Row(4, {"Score": "", "Attended": "yes"}),
            Row(5, {"Score": "abc", "Attended": "yes"}),
            Row(6, {"Score": "90 %", "Attended": "no", "Final Score": "55,5", "Track": "Hybrid"})]


@pytest.mark.parametrize("expression, kept", [
    ('Score >= 80 and Attended == "yes"', [2]),
    ('`Final Score` >= 50 or Track in ("Online", "Hybrid")', [2, 6]),
    ("final_score > 55", [6]),
    ("not Attended", [6]),
    ("80 <= Score < 100", [2, 6]),
    ('Track != "online"', [3, 4, 5, 6]),
    ("Score", [2, 3, 5, 6]),
])
def test_filter_semantics(expression, kept):
    flt = Filter(expression, HEADER)
    assert [r.number for r in rows() if flt.test(r)[0]] == kept


def test_filter_reasons_show_the_deciding_values():
    flt = Filter('Score >= 80 and Attended == "yes"', HEADER)
    assert flt.test(rows()[1])[1] == ("Not eligible: Score >= 80 and Attended == \"yes\" is false "
                                      "for Score = '75', Attended = 'yes'.")
    assert "Score is empty" in flt.test(rows()[2])[1]
    assert "Score 'abc' is not a number" in flt.test(rows()[3])[1]


@pytest.mark.parametrize("expression, hint", [
    ("Score = 80", "=="), ('Score >= 80 AND Attended == "yes"', "lowercase"),
    ("Final Score > 3", "backticks"), ("Attended == yes", 'put it in quotes: "yes"'),
    ("__import__('os').system('echo hacked')", "not allowed"),
    ("Score.__class__", "not allowed"), ("(lambda: 1)()", "not allowed"),
    ("Score + 1 > 2", "not allowed"), ("[x for x in Score]", "not allowed"),
    ('Score in "abc"', "list in parentheses"), ("Scroe > 1", "Did you mean 'Score'"),
])
def test_filter_refuses_anything_but_comparisons_with_a_fix(expression, hint):
    with pytest.raises(ConfigError, match=None) as err:
        Filter(expression, HEADER)
    assert hint in str(err.value)
