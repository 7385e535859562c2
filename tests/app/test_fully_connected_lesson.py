"""The flatten and fully connected lesson natively: the lecture's pooled maps flattened in the
engine's order, the hover links between cells, the dense layer's written-out sums and softmax,
the summary table's shapes, and every exercise."""

from __future__ import annotations

import numpy as np
import panel as pn
import pytest

from app.lessons import fully_connected as D
from tests.app.grid_text import captions
from tests.app.worked_answers import assert_worked_answer_accepted


def _latex(layout) -> str:
    return " ".join(str(pane.object) for pane in layout.select(pn.pane.LaTeX))


def test_the_lectures_pooled_maps_flatten_channel_by_channel():
    maps = D.pooled_maps()
    assert maps.shape == (1, 2, 2, 2)
    assert D.flatten(maps).tolist() == [20, 30, 112, 37, 13, 8, 79, 19.5]


@pytest.mark.parametrize(("shape", "where"), [((2, 2, 2), (1, 0, 1)), ((8, 13, 13), (3, 7, 2))])
def test_flat_index_is_channel_row_column_order(shape, where):
    c, r, col = where
    _, h, w = shape
    assert D.flat_index(shape, c, r, col) == c * h * w + r * w + col


def test_every_cell_and_its_vector_partner_share_a_hover_rule():
    markup, style = D.flatten_html(D.pooled_maps())
    for i in range(8):
        assert markup.count(f'class="i{i}"') == 2  # one map cell, one vector cell
        assert f".flat:has(.i{i}:hover, .i{i}:focus) td.i{i}" in style
    assert 'aria-label="channel 2, row 2, column 1: 79, becomes x7"' in markup
    assert "x<sub>7</sub> = 79 comes from channel 2, row 2, column 1" in markup


def test_weighted_sum_is_written_out_and_matches_the_engine():
    x = D.flatten(D.pooled_maps())
    layer = D.random_dense(np.random.default_rng(11), 8, 4)
    expected = x @ layer.params["W"][:, 2] + layer.params["b"][2]
    latex = D.weighted_sum_latex(x, layer, 2)
    assert latex.count(r"\cdot") == 8 and f"= {expected:.4f}" in latex


def test_dense_section_shows_scores_and_probabilities_that_add_to_one():
    section = D._dense()
    text = _latex(section)
    assert "the four add up to 1.000" in text
    before = text
    unit = section.select(pn.widgets.Select)[0]
    unit.value = 3
    assert "x^L_{4}" in _latex(section)
    button = next(b for b in section.select(pn.widgets.Button) if b.label == "New random weights")
    button.clicks += 1
    assert _latex(section) != before
    assert "Weights W (8 inputs × 4 classes)" in captions(section)


def test_shapes_table_follows_the_filters():
    table = D.shapes_table(8)
    assert "| 3 | flatten: $o^3 = \\text{flatten}(o^2)$ | 1352 (0) |" in table
    assert "13,530" in table and "**13,610**" in table
    assert "| 2704 (0) |" in D.shapes_table(16)
    section = D._shapes()
    section.select(pn.widgets.Select)[0].value = 4
    assert "| 676 (0) |" in _latex(section)


GENERATORS = [D.flat_index_problem, D.dense_output_problem, D.dense_params_problem]


@pytest.mark.parametrize("generate", GENERATORS, ids=lambda g: g.__name__)
def test_exercises_accept_the_worked_answer_and_reject_others(generate):
    assert_worked_answer_accepted(generate)


def test_exercises_name_the_typical_mistakes():
    problem = D.dense_params_problem(np.random.default_rng(3))  # 16·5·5 = 400 inputs, 10 units
    assert "bias" in problem.check("4000").message
    assert "every channel" in problem.check(str(25 * 10 + 10)).message
    problem = D.flat_index_problem(np.random.default_rng(3))  # 7×3×3, channel 2, row 1, col 1
    assert "channels before it" in problem.check("1").message
