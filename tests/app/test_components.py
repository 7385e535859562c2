import numpy as np

from app.components.code import ShowCode, source_of
from app.components.formula import Formula, markdown_with_math
from app.components.matrix import MatrixView


def test_markdown_keeps_math_intact_for_katex():
    html = markdown_with_math("The **sum** $a_i * b_i < 3$ and $$x_1*y_1$$")
    assert "<strong>sum</strong>" in html
    assert "$a_i * b_i &lt; 3$" in html
    assert "$$x_1*y_1$$" in html


def test_formula_wraps_display_and_inline_math():
    assert Formula("x^2")._transform_object("x^2")["object"] == "$$x^2$$"
    assert Formula("x^2", display=False)._transform_object("x^2")["object"] == "$x^2$"


def test_show_code_shows_the_real_source():
    assert "def parse_vector" in source_of(
        __import__("app.components.answers", fromlist=["x"]).parse_vector
    )
    card = ShowCode(np.clip)
    assert "np.clip" not in card[0].label and "numpy" in card[0].label


def test_matrix_view_updates_labels_and_window():
    view = MatrixView(np.arange(6).reshape(2, 3), title="Grid", highlight=(0, 1, 2, 2), fmt="g")
    assert view._cells.data["label"] == ["0", "1", "2", "3", "4", "5"]
    assert view._window.data["x"] == [2.0] and view._window.data["y"] == [1.0]
    view.values = np.ones((3, 3))
    assert len(view._cells.data["label"]) == 9
    assert view._figure.y_range.factors == ["2", "1", "0"]
    assert "Grid: 1, 1, 1" in view._caption.object
