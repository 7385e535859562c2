"""Lesson logic of the stride & padding lesson, natively.

Each test states a number the page shows the student and checks it against the lecture or
against an independent computation, so a wrong engine call or window bookkeeping fails here.
"""

from __future__ import annotations

import numpy as np
import panel as pn
import pytest

from app.components.formula import Formula, Text
from app.lessons import stride_padding
from tests.app.grid_text import is_text


def test_stride_example_gives_the_slide_corner_and_a_third_row_and_column():
    out = stride_padding.stride_example()
    assert out.shape == (3, 3)
    np.testing.assert_array_equal(out[:2, :2], stride_padding.STRIDE_SLIDE_CORNER)
    assert out[2, 2] == sum(10 * r + c + 1 for r in range(4, 7) for c in range(4, 7))


def test_padding_example_keeps_six_by_six_and_flags_the_slide_slips():
    out = stride_padding.padding_example()
    assert out.shape == (6, 6)
    assert out[0, 0] == -10 and out[1, 1] == 3
    slips = stride_padding.padding_slips()
    assert [(r, c) for r, c, _, _ in slips] == [(0, 1), (1, 0)]
    assert {(r, c): right for r, c, _, right in slips} == {(0, 1): 2, (1, 0): -15}


@pytest.mark.parametrize(
    ("n", "k", "s", "p", "unvisited"),
    [
        (7, 3, 2, 0, []),
        (8, 3, 2, 0, [8]),
        (6, 2, 3, 0, [3, 6]),
        (7, 2, 3, 0, [3, 6, 7]),
        (5, 1, 2, 0, [2, 4]),
    ],
)
def test_unvisited_lines_are_exactly_those_no_window_reaches(n, k, s, p, unvisited):
    assert stride_padding.unvisited_lines(n, k, s, p) == unvisited
    counts = stride_padding.coverage(n, k, s, p)
    assert counts.shape == (n + 2 * p, n + 2 * p)
    assert (counts[p : p + n, p : p + n] == 0).any() == bool(unvisited)


def test_coverage_counts_windows_with_padding():
    counts = stride_padding.coverage(4, 3, 1, 1)
    assert counts[0, 0] == 1 and counts[2, 2] == 9  # corner pad cell vs a centre pixel
    assert counts.sum() == 16 * 9  # 16 windows of 9 cells each


def test_same_padding_rejects_even_kernels_clearly():
    assert stride_padding.same_padding(5) == 2
    with pytest.raises(ValueError, match="odd"):
        stride_padding.same_padding(4)


def _texts(layout) -> str:
    return "\n".join(str(p.object) for p in layout.select(is_text) + layout.select(Text))


def _select(layout, label: str) -> pn.widgets.Select:
    return next(w for w in layout.select(pn.widgets.Select) if w.label == label)


def test_explorer_reports_size_skipped_rows_and_impossible_settings():
    page = stride_padding._explorer()
    assert "Output: **3×3**" in _texts(page)
    _select(page, "Image size n").value = 8
    assert "Rows and columns 8 are never visited" in _texts(page)
    _select(page, "Kernel size k").value = 7
    _select(page, "Image size n").value = 3
    assert "Make the kernel smaller or add padding" in _texts(page)
    _select(page, "Padding p").value = 2
    assert "Output: **1×1**" in _texts(page)
    assert "Make the kernel smaller" not in _texts(page)


def test_stride_example_cell_shows_its_block_sum():
    page = stride_padding._stride_example()
    _select(page, "Output cell (stride example)").value = (2, 2)
    formulas = [f.object for f in page.select(Formula)]
    assert any(f.endswith("= 504") and f.startswith("45 + 46 + 47") for f in formulas)


def test_coverage_drawing_hatches_padding_and_crosses_skipped_pixels():
    cells = stride_padding.coverage_cells(4, 3, 2, 1)  # padded 6×6, windows at 0 and 2
    size = 6
    hatch = np.reshape(cells["hatch"], (size, size))
    assert (hatch[0] == "/").all() and (hatch[1:5, 1:5] == " ").all()
    # Every pattern is one BokehJS knows: "" logged ~2,000 "unknown hatch pattern" warnings.
    from bokeh.core.enums import HatchPatternAbbreviation

    assert set(cells["hatch"]) <= set(HatchPatternAbbreviation)
    labels = np.reshape(cells["label"], (size, size))
    assert labels[0, 0] == "1" and labels[2, 2] == "4"
    assert (labels[5, 1:5] == "0").all()  # the last padding row is never reached
    cells = stride_padding.coverage_cells(8, 3, 2, 0)
    assert cells["label"][-8:] == ["×"] * 8  # the 8th image row is skipped by stride 2
