"""Code exercises, natively: every model solution passes, realistic slips fail with the message
that names them, and the runner reports errors at the student's own line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app import progress
from app.code_exercises import feedback, runner, saved_code
from app.code_exercises.compare import compare, shown
from app.code_exercises.registry import EXERCISES, get
from app.code_exercises.spec import Raises

SEEDS = (0, 1, 2, 3, 4)


@pytest.fixture(autouse=True)
def fresh_storage():
    progress.use_storage(progress.MemoryStorage())


def check(exercise_id: str, code: str, seed: int = 0) -> dict:
    # Through JSON, as in the worker: the result must survive the trip to the page.
    reply = runner.handle(
        json.dumps({"action": "check", "exercise": exercise_id, "code": code, "seed": seed})
    )
    return json.loads(reply)


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_the_model_solution_passes_every_draw_and_the_starter_does_not(exercise_id):
    exercise = get(exercise_id)
    for seed in SEEDS:
        result = check(exercise_id, exercise.solution, seed)
        assert result["passed"], (seed, result.get("case"))
        assert result["total"] >= 6
    starter = check(exercise_id, exercise.starter)
    assert not starter["passed"]
    assert starter["case"]["index"] == 0  # the worked example comes first
    assert "returned None" in starter["case"]["message"]


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_run_shows_the_return_value_on_the_worked_example(exercise_id):
    exercise = get(exercise_id)
    code = exercise.solution + "\nprint('hello from', __name__)\n"
    result = runner.run(exercise, code)
    assert result["error"] is None
    assert result["label"] == exercise.example.label
    assert result["value"] == shown(exercise.expected(exercise.example))
    assert "hello from __student__" in result["stdout"]


def test_run_prints_inside_the_function_and_the_value():
    result = runner.run(
        get("code-entropy"),
        "def entropy(p):\n    print('p is', p)\n    return 1.5\n",
    )
    assert result["value"] == {"kind": "text", "text": "1.5"}
    assert "p is [0.86666667 0.13333333]" in result["stdout"]


SOFTMAX_NO_MAX = """import numpy as np

def softmax(z):
    e = np.exp(z)
    return e / np.sum(e)
"""


def test_softmax_without_max_subtraction_fails_on_large_logits():
    result = check("code-softmax", SOFTMAX_NO_MAX)
    case = result["case"]
    assert case["index"] > 0  # the lecture's logits are fine
    assert "large logits" in case["label"]
    assert case["actual"]["cells"][0][0] == "nan"
    assert case["cell"] == [0]
    assert "subtract the largest logit" in case["diagnosis"]
    assert "overflow encountered in exp" in result["stdout"]


CORRELATE_TEMPLATE = """import numpy as np

def correlate2d(image, kernel, stride=1, padding=0):
    image = np.pad(np.asarray(image, dtype=float), padding)
    kh, kw = kernel.shape
    oh = (image.shape[0] - kh) // {s} + 1 {extra}
    ow = (image.shape[1] - kw) // {s} + 1 {extra}
    if oh < 1 or ow < 1:
        raise ValueError("too big")
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            r, c = i * {s}, j * {s}
            out[i, j] = np.sum(image[r : r + kh, c : c + kw] * {k})
    return out
"""


def correlate(stride="stride", extra="", kernel="kernel"):
    return CORRELATE_TEMPLATE.format(s=stride, extra=extra, k=kernel)


def test_the_correlate_template_is_right_when_nothing_is_changed():
    assert check("code-correlate2d", correlate())["passed"]


def test_ignoring_the_stride_is_named():
    case = check("code-correlate2d", correlate(stride="1"))["case"]
    assert "stride-2" in case["label"]
    assert case["problem"] == "shape"
    assert "stride-1 result" in case["diagnosis"]


def test_an_off_by_one_window_count_is_named():
    case = check("code-correlate2d", correlate(extra="- 1"))["case"]
    assert case["index"] == 0
    assert case["message"] == "Your array has shape (2, 2); the expected shape is (3, 3)."
    assert "One window too many or too few" in case["diagnosis"]


def test_a_transposed_kernel_is_named_with_the_first_differing_cell():
    case = check("code-correlate2d", correlate(kernel="kernel.T"))["case"]
    assert case["problem"] == "value"
    assert "transposed kernel" in case["diagnosis"]
    row, col = case["cell"]
    assert case["expected"]["cells"][row][col] != case["actual"]["cells"][row][col]
    kind, html = feedback.render(check("code-correlate2d", correlate(kernel="kernel.T")))
    assert kind == "wrong"
    assert html.count("<mark>") == 2  # expected and yours, side by side


def test_a_kernel_that_does_not_fit_must_raise_value_error():
    no_raise = correlate().replace('raise ValueError("too big")', "return np.zeros((0, 0))")
    case = check("code-correlate2d", no_raise)["case"]
    assert case["label"] == "a kernel larger than the padded image"
    assert case["problem"] == "raises"
    assert "should raise ValueError" in case["message"]


def test_pooling_slips_are_named():
    solution = get("code-pool2d").solution
    zero_start = solution.replace("window.max() if", "max(0.0, window.max()) if")
    case = check("code-pool2d", zero_start)["case"]
    assert case["label"] == "all values negative"
    assert "starts at 0" in case["diagnosis"]
    summed = solution.replace("window.mean()", "window.sum()")
    case = check("code-pool2d", summed)["case"]
    assert "sum pooling" in case["diagnosis"]


def test_losses_in_nats_and_zero_probabilities_are_named():
    nats = (
        "import numpy as np\ndef entropy(p):\n    p = p[p > 0]\n    return -np.sum(p * np.log(p))\n"
    )
    assert "nats" in check("code-entropy", nats)["case"]["diagnosis"]
    naive = (
        "import numpy as np\ndef cross_entropy(probs, target):\n"
        "    return -np.sum(target * np.log2(probs))\n"
    )
    case = check("code-cross-entropy", naive)["case"]
    assert 0 in np.asarray(dict(case["inputs"][0])["value"]["cells"][0], dtype=float)
    assert "only the true class's term counts" in case["diagnosis"]


def test_a_rotated_or_transposed_weight_gradient_is_named():
    solution = get("code-weight-gradient").solution
    rotated = solution.replace("    return grad", "    return grad[::-1, ::-1]")
    assert "rotated by 180°" in check("code-weight-gradient", rotated)["case"]["diagnosis"]
    one_hot_transposed = get("code-one-hot").solution.replace(
        "    return encoded", "    return encoded.T"
    )
    assert "swapped" in check("code-one-hot", one_hot_transposed)["case"]["diagnosis"]


def test_a_syntax_error_points_to_its_line():
    code = "import numpy as np\n\ndef softmax(z)\n    return z\n"
    result = check("code-softmax", code)
    assert result["error"]["kind"] == "syntax"
    assert result["error"]["line"] == 3
    assert result["error"]["source"] == "def softmax(z)"
    kind, html = feedback.render(result)
    assert kind == "invalid"
    assert "Line 3 of your code" in html


def test_an_exception_points_to_the_line_in_the_students_code():
    code = "import numpy as np\n\ndef softmax(z):\n    x = 1\n    return z / undefined_name\n"
    case = check("code-softmax", code)["case"]
    assert case["problem"] == "exception"
    assert case["error"]["line"] == 5
    assert "NameError" in case["error"]["message"]
    assert case["error"]["source"] == "return z / undefined_name"


def test_a_missing_function_is_reported():
    result = check("code-softmax", "def soft_max(z):\n    return z\n")
    assert result["error"]["kind"] == "missing"
    assert "softmax(...)" in result["error"]["message"]


def test_the_reference_is_computed_before_the_students_code_runs():
    cheat = (
        "import numpy as np\nnp.exp = lambda z: np.ones_like(z)\n"
        "def softmax(z):\n    return np.exp(z) / len(z)\n"
    )
    assert not check("code-softmax", cheat)["passed"]


def run_code(exercise_id: str, code: str) -> dict:
    reply = runner.handle(json.dumps({"action": "run", "exercise": exercise_id, "code": code}))
    return json.loads(reply)


# State left by one Run or Check must not reach the next, of this exercise or another: each case
# below first does something a student might, then checks what the next request sees.


def test_monkeypatching_np_sum_does_not_reach_the_next_check():
    patch = (
        "import numpy as np\nnp.sum = lambda *args, **kwargs: 0.0\ndef entropy(p):\n    return 0\n"
    )
    assert run_code("code-entropy", patch)["error"] is None
    assert check("code-softmax", get("code-softmax").solution)["passed"]
    assert check("code-entropy", get("code-entropy").solution)["passed"]


def test_deleting_or_overwriting_a_module_attribute_does_not_last():
    vandal = (
        "import numpy as np, math, builtins\ndel np.exp\nmath.log2 = None\n"
        "builtins.len = lambda x: 0\ndef softmax(z):\n    return z\n"
    )
    assert not check("code-softmax", vandal)["passed"]
    assert check("code-softmax", get("code-softmax").solution)["passed"]
    assert check("code-entropy", get("code-entropy").solution)["passed"]
    assert len([1, 2]) == 2


def test_numpy_error_handling_set_by_one_run_does_not_reach_the_next():
    raising = "import numpy as np\nnp.seterr(all='raise')\ndef softmax(z):\n    return z\n"
    run_code("code-softmax", raising)
    case = check("code-softmax", SOFTMAX_NO_MAX)["case"]
    # As in a fresh worker: the overflow gives NaN and a warning, not FloatingPointError.
    assert case["problem"] == "value"
    assert case["actual"]["cells"][0][0] == "nan"


def test_print_options_set_by_one_run_do_not_reach_the_next():
    code = "def entropy(p):\n    print('p is', p)\n    return 1.5\n"
    terse = "import numpy as np\nnp.set_printoptions(precision=1)\n" + code
    assert "p is [0.9 0.1]" in run_code("code-entropy", terse)["stdout"]
    assert "p is [0.86666667 0.13333333]" in run_code("code-entropy", code)["stdout"]


def test_seeding_numpys_global_random_state_does_not_last():
    draw = "import numpy as np\nprint(np.random.random())\ndef entropy(p):\n    return 0\n"
    after_seed = "0.5488135039273248"  # np.random.seed(0); np.random.random()
    seeded = "import numpy as np\nnp.random.seed(0)\n" + draw
    before = np.random.get_state()
    assert after_seed in run_code("code-entropy", seeded)["stdout"]
    after = np.random.get_state()
    assert np.array_equal(before[1], after[1]) and before[2] == after[2]
    assert after_seed not in run_code("code-entropy", draw)["stdout"]


def test_globals_of_one_run_are_gone_in_the_next():
    helper = "SCALE = 2.0\ndef entropy(p):\n    return SCALE\n"
    assert run_code("code-entropy", helper)["value"]["text"] == "2"
    result = run_code("code-entropy", "def entropy(p):\n    return SCALE\n")
    assert result["error"]["message"] == "NameError: name 'SCALE' is not defined"
    assert result["error"]["line"] == 2


def test_a_module_the_student_imported_is_imported_afresh_next_time():
    changed = "import colorsys\ncolorsys.ONE_THIRD = 0\ndef entropy(p):\n    return 0\n"
    run_code("code-entropy", changed)
    fresh = "import colorsys\nprint(colorsys.ONE_THIRD)\ndef entropy(p):\n    return 0\n"
    assert "0.333" in run_code("code-entropy", fresh)["stdout"]


def test_exit_is_reported_and_python_keeps_going():
    result = run_code("code-entropy", "import sys\nsys.exit(3)\n")
    assert result["error"]["message"] == "SystemExit: 3"
    assert result["error"]["line"] == 2
    assert check("code-entropy", get("code-entropy").solution)["passed"]


def test_a_print_in_a_long_loop_is_cut_with_a_clear_note():
    code = "def entropy(p):\n    for i in range(100_000):\n        print(i)\n    return 0\n"
    stdout = run_code("code-entropy", code)["stdout"]
    assert stdout.startswith("0\n1\n2\n")
    assert len(stdout) < runner.MAX_OUTPUT + 200
    printed = sum(len(f"{i}\n") for i in range(100_000))
    assert f"your code printed {printed:,} in all" in stdout
    assert f"only the first {runner.MAX_OUTPUT:,} are kept" in stdout


def test_a_huge_allocation_gets_a_clear_message():
    code = "import numpy as np\n\ndef entropy(p):\n    big = np.zeros(10**15)\n    return 0\n"
    result = run_code("code-entropy", code)
    assert result["error"]["message"].startswith("MemoryError: Unable to allocate")
    assert result["error"]["line"] == 4
    kind, html = feedback.render(result)
    assert kind == "invalid"
    assert "more memory than Python in your browser can have" in html
    # Pyodide's 32-bit NumPy refuses 10**10 entries before it even tries to allocate them.
    result["error"]["message"] = "ValueError: Maximum allowed dimension exceeded"
    assert "more memory than Python" in feedback.render(result)[1]


def test_a_huge_returned_array_is_summarized_not_sent_cell_by_cell():
    code = "import numpy as np\ndef entropy(p):\n    return np.zeros((3000, 3000))\n"
    reply = runner.handle(json.dumps({"action": "run", "exercise": "code-entropy", "code": code}))
    assert len(reply) < 5_000
    assert "(shape (3000, 3000), dtype float64)" in json.loads(reply)["value"]["text"]


def test_a_function_that_edits_its_input_does_not_spoil_the_next_case():
    code = get("code-softmax").solution.replace(
        "    z = np.asarray(z, dtype=float)\n", "    z -= 0\n    z = np.asarray(z, dtype=float)\n"
    )
    assert check("code-softmax", code)["passed"]


def test_compare_names_type_dtype_shape_and_first_cell():
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert compare(expected, [[1, 2], [3, 4]]).problem == "type"
    assert compare(expected, np.array([["a", "b"], ["c", "d"]])).problem == "dtype"
    assert compare(expected, np.ones(4)).problem == "shape"
    off = compare(expected, np.array([[1.0, 2.0], [3.5, 4.5]]))
    assert (off.problem, off.cell) == ("value", (1, 0))
    assert compare(expected, expected + 1e-9) is None
    assert compare(0.5, np.float64(0.5)) is None
    assert compare(0.5, "0.5").problem == "type"
    assert compare(Raises(ValueError, "no"), np.zeros(2)).problem == "raises"


def test_feedback_escapes_what_the_student_printed():
    result = runner.run(get("code-entropy"), "def entropy(p):\n    print('<b>hi</b>')\n")
    kind, html = feedback.render(result)
    assert "&lt;b&gt;hi&lt;/b&gt;" in html and "<b>hi" not in html
    assert kind == "info"


def test_page_side_results_have_clear_messages():
    kind, html = feedback.render({"kind": feedback.TIMEOUT, "seconds": 5})
    assert kind == "invalid" and "Stopped after 5 s" in html and "restarted" in html
    assert "could not start" in feedback.render({"kind": "unavailable", "message": "x"})[1]


def test_saved_code_survives_and_reset_forgets_it():
    saved_code.save("code-softmax", "def softmax(z): ...")
    assert saved_code.load("code-softmax") == "def softmax(z): ..."
    saved_code.save("code-softmax", None)
    assert saved_code.load("code-softmax") is None


def test_damaged_saved_code_is_backed_up_not_lost():
    store = progress.storage()
    store.set(saved_code.CODE_KEY, "{not json")
    assert saved_code.load("code-softmax") is None
    saved_code.save("code-softmax", "x = 1")
    assert store.get(saved_code.BACKUP_KEY) == "{not json"
    assert saved_code.load("code-softmax") == "x = 1"
