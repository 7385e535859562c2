import re

import numpy as np

from app.components.code import ShowCode, source_of
from app.components.formula import Formula, markdown_with_math
from app.components.matrix import MatrixView
from app.components.style import KATEX


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


def _cells(view: MatrixView) -> list[str]:
    return re.findall(r"<td[^>]*>([^<]*)</td>", view.html())


def _outlined(view: MatrixView) -> list[str]:
    return re.findall(r'<td class="[^"]+"[^>]*>([^<]*)</td>', view.html())


def test_matrix_view_updates_labels_and_window():
    values = np.arange(6).reshape(2, 3)
    view = MatrixView(values, title="Grid", highlight=(0, 1, 2, 2), fmt="g")
    assert _cells(view) == ["0", "1", "2", "3", "4", "5"]
    assert _outlined(view) == ["1", "2", "4", "5"]  # the 2×2 window from row 0, column 1
    assert '<td class="t l"' in view.html() and '<td class="b r"' in view.html()
    view.values = np.ones((3, 3))
    assert len(_cells(view)) == 9
    assert re.findall(r'<th scope="row">(\d)</th>', view.html()) == ["0", "1", "2"]
    assert 'Grid<span class="sr-only">: 1, 1, 1; 1, 1, 1; 1, 1, 1</span>' in view.html()


def test_matrix_view_shades_large_values_dark_with_white_text():
    view = MatrixView([[0, 10]], fmt="g")
    small, large = re.findall(r'<td style="background:(#\w+);color:(#\w+)', view.html())
    assert small[1] == "#000" and large[1] == "#fff"
    assert small[0] != large[0]


def test_every_shade_of_the_grid_keeps_its_number_readable():
    def luminance(hex_color: str) -> float:
        linear = []
        for i in (1, 3, 5):
            c = int(hex_color[i : i + 2], 16) / 255
            linear.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    view = MatrixView([list(range(300))], fmt="g")
    cells = re.findall(r'<td style="background:(#\w+);color:(#\w+)', view.html())
    assert len({background for background, _ in cells}) > 100  # the palette, dark and pale
    for background, text in cells:
        text = "#" + "".join(2 * ch for ch in text[1:]) if len(text) == 4 else text  # #000
        lighter, darker = sorted([luminance(background), luminance(text)], reverse=True)
        assert (lighter + 0.05) / (darker + 0.05) >= 4.5, (background, text)


def test_matrix_view_shows_missing_values_as_a_dash():
    view = MatrixView([[np.nan, 1.0]], title="Map")
    assert _cells(view) == ["–", "1"]
    view.highlight = (0, 0, 1, 1)
    assert _outlined(view) == ["–"]


def test_katex_stylesheet_is_the_one_the_build_ships():
    from sitebuild import pins, vendor

    assert KATEX[0] == f"vendor/katex-{pins.KATEX.version}/katex.min.css"
    assert "katex.min.css" in vendor.KATEX_FILES[1]


def test_matrix_corner_header_names_the_axes_for_screen_readers():
    corner = re.compile(r'<thead><tr><th><span class="sr-only">([^<]+)</span></th>')
    assert corner.search(MatrixView(np.eye(2)).html()).group(1) == "row \\ column"
    view = MatrixView(np.eye(2), corner="true \\ predicted")
    assert corner.search(view.html()).group(1) == "true \\ predicted"


def test_a_long_title_wraps_instead_of_widening_the_grid():
    title = "Confusion matrix (rows: true digit, columns: predicted)"
    confusion = MatrixView(np.zeros((10, 10)), title=title, cell_size=30)
    # A 390 px phone leaves 358 px beside the page's padding; the pane has a 5 px margin.
    assert confusion.width() + 10 <= 358
    assert '<caption class="wraps">' in confusion.html()
    short = MatrixView(np.zeros((2, 2)), title="Kernel")
    assert "<caption>Kernel<" in short.html()  # a short title stays on one line
    assert MatrixView(np.zeros((2, 2)), title="Output of a 2×2 max pool").width() > short.width()


def test_gray_images_draw_low_values_dark_so_a_photograph_is_not_a_negative():
    from app.components.image import GrayImage

    picture = GrayImage(np.array([[0.0, 128.0], [200.0, 255.0]]))
    assert picture._mapper.palette[0] == "#000000"  # the minimum (a shadow) is black
    assert picture._mapper.palette[-1] == "#ffffff"  # the maximum (a highlight) is white
    assert (picture._mapper.low, picture._mapper.high) == (0.0, 255.0)
