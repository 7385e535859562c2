"""The trainer's pure logic: the layer-list editor (the engine's table) and digit preprocessing."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from app.trainer import digit, runs_kept, spec
from app.trainer.settings import PRESETS
from app.trainer.widgets import gallery_item, gallery_section
from engine.model import Sequential

CONVNETJS = """
conv filters=8 kernel=5 padding=2
relu
maxpool size=2
conv filters=16 kernel=5 padding=2
relu
maxpool size=3
dense units=10
"""


def test_convnetjs_table_matches_hand_computed_shapes_and_params() -> None:
    _, analysis = spec.check_text(CONVNETJS)
    assert analysis.ok, analysis.error
    assert [row.output for row in analysis.rows] == [
        "1 × 28 × 28",
        "8 × 28 × 28",
        "8 × 28 × 28",
        "8 × 14 × 14",
        "16 × 14 × 14",
        "16 × 14 × 14",
        "16 × 4 × 4",
        "256",  # the engine's flatten, which the editor inserts before the first dense layer
        "10",
    ]
    # 8·1·5·5+8, 16·8·5·5+16, 16·4·4·10+10
    assert [row.params for row in analysis.rows if row.params] == [208, 3216, 2570]
    assert analysis.total_params == 208 + 3216 + 2570


def test_format_and_parse_round_trip() -> None:
    layers, _ = spec.check_text(CONVNETJS)
    assert spec.parse_spec(spec.format_spec(layers)) == layers


def test_short_forms_and_aliases_parse() -> None:
    layers = spec.parse_spec("conv 8 3 pad=1 # first layer\n\nrelu\npool 2\nlinear 10")
    assert layers == [
        {"kind": "conv", "filters": 8, "kernel": 3, "stride": 1, "padding": 1},
        {"kind": "relu"},
        {"kind": "maxpool", "size": 2, "stride": 0},
        {"kind": "dense", "units": 10},
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty"),
        ("conv 8 x\ndense 10", "whole number"),
        ("blur 3\ndense 10", "unknown layer 'blur'"),
        ("conv 8 3 dilation=2\ndense 10", "'dilation' is not one"),
        ("conv 8\ndense 10", "needs kernel"),
        ("conv 8 5\nmaxpool 4\nconv 16 5\nmaxpool 3\ndense 10", "2×2, smaller than the 3×3"),
        ("dense 64\nconv 8 3\ndense 10", "Put dense layers last"),
        ("conv 8 3\nrelu", "last layer must be 'dense units=10'"),
        ("conv 8 3\ndense 7", "last layer must be 'dense units=10'"),
        ("conv 0 3\ndense 10", "filters 0 is outside"),
        ("conv 8 3 stride=-1\ndense 10", "stride -1 is outside"),
        ("dense 2048\ndense 2048\ndense 10", "more than the 3,000,000 allowed"),
    ],
)
def test_impossible_networks_are_explained_not_raised(text: str, expected: str) -> None:
    _, analysis = spec.check_text(text)
    assert not analysis.ok
    assert expected in analysis.error
    assert analysis.rows[0].layer == "input image"


def test_rows_before_the_problem_are_kept() -> None:
    _, analysis = spec.check_text("conv 8 5\nmaxpool 4\nconv 16 5\nmaxpool 3\ndense 10")
    assert [row.output for row in analysis.rows][-1] == "16 × 2 × 2"


def _stroke_image() -> np.ndarray:
    """A '7'-like drawing in the top-right corner of a large canvas."""
    canvas = np.zeros((120, 90))
    canvas[10:14, 50:85] = 1.0  # the bar
    canvas[10:70, 78:85] = 1.0  # the stem
    return canvas


def test_drawing_is_scaled_to_a_20_pixel_box_keeping_aspect() -> None:
    out = digit.preprocess(_stroke_image())
    ys, xs = np.nonzero(out > digit.INK_THRESHOLD)
    height, width = ys.max() - ys.min() + 1, xs.max() - xs.min() + 1
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert height == 20  # the taller side fills the box
    assert width == pytest.approx(20 * 35 / 60, abs=1.5)  # aspect kept


def test_drawing_is_centred_by_mass_wherever_it_was_drawn() -> None:
    image = _stroke_image()
    moved = np.roll(image, (40, -45), axis=(0, 1))
    for drawing in (image, moved):
        out = digit.preprocess(drawing)
        total = out.sum()
        cy = out.sum(axis=1) @ np.arange(28) / total
        cx = out.sum(axis=0) @ np.arange(28) / total
        assert abs(cy - 13.5) < 1.0 and abs(cx - 13.5) < 1.0
    np.testing.assert_allclose(digit.preprocess(image), digit.preprocess(moved), atol=1e-6)


def test_canvas_values_0_to_255_are_accepted() -> None:
    np.testing.assert_allclose(
        digit.preprocess(_stroke_image() * 255), digit.preprocess(_stroke_image()), atol=1e-6
    )


def _dot() -> np.ndarray:
    """One tap of the pen: a 4×4 blob of ink on the 56×56 pad."""
    pad = np.zeros((56, 56))
    pad[30:34, 20:24] = 1.0
    return pad


@pytest.mark.parametrize(
    ("drawing", "message"),
    [
        (np.zeros((56, 56)), "empty: draw a digit"),
        (np.full((10, 10), 0.02), "too faint"),
        (_stroke_image() * 0.2, "too faint"),
        (_dot(), "too small"),
    ],
    ids=["blank", "haze", "faint", "dot"],
)
def test_unreadable_drawings_are_refused_with_a_message(drawing: np.ndarray, message: str) -> None:
    with pytest.raises(digit.UnreadableDrawing, match=message):
        digit.preprocess(drawing)


@pytest.mark.parametrize("bad", [np.zeros(5), [[1.0, float("nan")]]])
def test_malformed_drawing_is_a_value_error(bad: object) -> None:
    with pytest.raises(ValueError):
        digit.preprocess(bad)


def test_the_table_is_the_engines_summary_with_its_layer_names() -> None:
    layers, analysis = spec.check_text(CONVNETJS)
    model = Sequential.from_spec(spec.to_engine(layers), spec.INPUT_SHAPE)
    summary = model.summary()
    assert [row.layer for row in analysis.rows[1:]] == [r["layer"] for r in summary]
    assert analysis.rows[1].layer == "conv 5×5×8, pad 2"  # the engine's format, one everywhere
    assert analysis.total_params == model.num_params()


def test_gallery_images_cross_as_gray_bytes_scaled_to_their_own_range() -> None:
    """Dark is the largest value, paper the smallest; a flat map is drawn as paper, not NaN."""
    item = gallery_item([[-2.0, 0.0], [2.0, 2.0]], "ch 1")
    gray = np.frombuffer(base64.b64decode(item["gray"]), np.uint8)
    assert (item["width"], item["height"], item["caption"]) == (2, 2, "ch 1")
    assert gray.tolist() == [255, 128, 0, 0]
    flat = gallery_item(np.full((3, 4), 7.0), "flat")
    assert np.frombuffer(base64.b64decode(flat["gray"]), np.uint8).tolist() == [255] * 12
    assert gallery_section("Output of layer 1", [item], scale=21)["scale"] == 12


def test_a_kept_run_is_bounded_and_reads_back() -> None:
    """A five-epoch run's ~1,500 loss points are stored as at most 200, ending where it ended."""
    loss = [(float(i), 1.0 / (i + 1)) for i in range(1563)]
    run = runs_kept.Run(PRESETS["long-run"], 0.991, 0.992, loss, [(10.0, 97.0), (20.0, 98.5)])
    stored = run.to_dict()
    assert len(stored["loss"]) <= runs_kept.MAX_POINTS and stored["loss"][-1] == list(loss[-1])
    again = runs_kept.Run.from_dict(json.loads(json.dumps(stored)))
    assert again.settings == run.settings and again.accuracy == run.accuracy
    with pytest.raises(ValueError, match="two finite numbers"):
        runs_kept.Run.from_dict({**stored, "loss": [[1, "NaN"]]})
