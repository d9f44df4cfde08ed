"""Previews on real LibreOffice output, page-spill detection, the representative sample."""

from __future__ import annotations

import pytest
from PIL import Image, ImageStat
from pypdf import PdfReader

from certkit.checks import check_selection, parse_rows, representative_sample, sample_reasons
from certkit.config import load_event
from certkit.docs import PREVIEW_ID, check_pages, check_rendered, preview
from certkit.errors import ConfigError
from certkit.sheets import Row, open_roster

from .test_checks import check, nasty_event, read

LONG_NAME_ROW = 7


def long_name() -> str:
    from .test_checks import DATA

    line = (DATA / "nasty_roster.csv").read_text(encoding="utf-8-sig").splitlines()[6]
    return line.split('"')[1]


def test_preview_is_a_real_picture_of_the_real_pdf(event_dir, converter):
    event = load_event(event_dir)
    row = open_roster(event).read().rows[2]  # 王小明
    shown = preview(event, row, converter=converter)
    assert shown.pages == 1 and shown.pdf.name == "preview-row-4.pdf"
    text = "".join(PdfReader(str(shown.pdf)).pages[0].extract_text().split())
    assert "王小明" in text and PREVIEW_ID in text
    with Image.open(shown.png) as image:
        assert image.format == "PNG" and image.width > 1000 and image.height > 600
        gray = image.convert("L")
        dark = sum(gray.histogram()[:128]) / (gray.width * gray.height)
        assert 0.005 < dark < 0.5  # ink on paper: neither blank nor black
        assert ImageStat.Stat(gray).stddev[0] > 10


def test_a_name_too_long_for_its_place_is_caught_on_the_real_render(event_dir, converter):
    event = load_event(event_dir)
    rows = open_roster(event).read().rows
    # the bundled template shrinks long names; four times the nasty roster's longest still spills
    spilled = Row(rows[0].number, {**rows[0].values, "Full Name": " ".join([long_name()] * 4)})
    shown, findings = check_rendered(event, [spilled, rows[1]], converter=converter)
    assert [(p.row, p.pages) for p in shown] == [(2, 2), (3, 1)]
    (finding,) = findings
    assert finding.row == 2 and finding.severity == "blocking"
    assert "2 pages instead of 1" in finding.message and "too long" in finding.message
    with Image.open(shown[0].png) as two, Image.open(shown[1].png) as one:
        assert two.width == one.width and two.height > 2 * one.height  # both pages, stacked


def test_check_pages_reports_each_row_that_does_not_fit():
    findings = check_pages(1, {4: 1, 9: 2, 2: 3})
    assert [(f.row, f.severity) for f in findings] == [(2, "blocking"), (9, "blocking")]
    assert "3 pages instead of 1" in findings[0].message
    assert check_pages(2, {5: 2}) == []


def test_representative_sample_covers_the_hard_cases(tmp_path):
    event = nasty_event(tmp_path / "n")
    roster = read(event)
    picked = {row.number: why for row, why in sample_reasons(roster, event, 6)}
    assert picked[LONG_NAME_ROW] == "longest name"
    assert picked[5] == "Chinese/Japanese/Korean name"
    assert picked[3] == "right-to-left or complex-script name"
    assert picked[2] == "name with accents or other non-ASCII letters"
    assert picked[18] == "'Course' empty"  # an empty optional-looking field, filled elsewhere
    assert 16 not in picked  # not eligible
    report = check(event)
    rows = [r.number for r in representative_sample(roster, event, 6, report=report)]
    assert 18 not in rows and not set(rows) & set(report.blocking_rows())
    assert len(rows) == 6 and len(set(rows)) == 6


def test_sample_fills_up_with_ordinary_rows_and_never_repeats(tmp_path):
    event = nasty_event(tmp_path / "n")
    rows = representative_sample(read(event), event, 50)
    assert len(rows) == 19 and len({r.number for r in rows}) == 19


@pytest.mark.parametrize("spec, rows", [("3,7-9", [3, 7, 8, 9]), (" 9 , 3 ,3", [3, 9]),
                                        ("4–6", [4, 5, 6]), ("2;5", [2, 5]), ("7-7", [7])])
def test_parse_rows(spec, rows):
    assert parse_rows(spec) == rows


@pytest.mark.parametrize("spec, words", [("", "No rows given"), ("3,x", "'x' in '3,x'"),
                                         ("9-3", "backwards; write 3-9"), ("0", "from 1"),
                                         ("2-9999999", "too long"), ("3.5", "not a row")])
def test_parse_rows_errors_say_what_to_write(spec, words):
    with pytest.raises(ConfigError) as err:
        parse_rows(spec)
    assert words in str(err.value)


def test_selection_must_name_data_rows(tmp_path):
    roster = read(nasty_event(tmp_path / "n"))
    assert check_selection(roster, [3, 2]) == [2, 3]
    with pytest.raises(ConfigError, match="header row"):
        check_selection(roster, [1])
    with pytest.raises(ConfigError, match=r"Row\(s\) 10, 99 are not in the roster"):
        check_selection(roster, [10, 99, 2])
