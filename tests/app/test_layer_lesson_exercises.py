"""Every exercise of the layer lessons (convolution, stride & padding, pooling, backprop), over
many random problems: the worked solution ends with an answer the checker accepts, nearby numbers
are rejected, and words get a message, not a crash."""

from __future__ import annotations

import re

import numpy as np
import pytest

from app.lessons import backprop, convolution, pooling, stride_padding

GENERATORS = [
    convolution.feature_cell_problem,
    convolution.true_convolution_problem,
    convolution.conv_parameters_problem,
    stride_padding.output_size_problem,
    stride_padding.same_padding_problem,
    stride_padding.unvisited_problem,
    pooling.pool_value_problem,
    pooling.pool_size_problem,
    pooling.pool_backward_problem,
    backprop.weight_gradient_problem,
    backprop.bias_gradient_problem,
    backprop.step_problem,
]


@pytest.mark.parametrize("generate", GENERATORS, ids=lambda g: g.__name__)
def test_worked_answer_is_accepted_and_others_are_not(generate):
    # Many draws: a rare one whose worked answer the checker rejects is a student told wrong.
    for seed in range(400):
        problem = generate(np.random.default_rng(seed))
        answer = float(re.findall(r"-?\d+(?:\.\d+)?", problem.solution)[-1])
        assert problem.check(f"{answer:g}").correct, (seed, problem.prompt, problem.solution)
        assert not problem.check(f"{answer + 1:g}").correct
        assert problem.check("twelve").kind == "invalid"
        assert problem.hint and problem.prompt


WHOLE_NUMBER_GENERATORS = [
    stride_padding.output_size_problem,
    stride_padding.same_padding_problem,
    stride_padding.unvisited_problem,
    pooling.pool_size_problem,
    convolution.feature_cell_problem,
    convolution.conv_parameters_problem,
]


@pytest.mark.parametrize("generate", WHOLE_NUMBER_GENERATORS, ids=lambda g: g.__name__)
def test_whole_number_answers_are_compared_exactly(generate):
    # 30.5 and 29.5 were "Correct" for 30 output columns, 4.5 for 5 rows: a student who forgot
    # the floor was told the opposite of the formula.
    for seed in range(100):
        problem = generate(np.random.default_rng(seed))
        answer = float(re.findall(r"-?\d+(?:\.\d+)?", problem.solution)[-1])
        assert "whole number" in problem.text and "exact" in problem.text
        for off in (0.5, -0.5, 0.4):
            feedback = problem.check(f"{answer + off:g}")
            assert not feedback.correct, (seed, problem.prompt, answer + off)


def test_true_convolution_names_the_flip_when_it_is_forgotten():
    problem = convolution.true_convolution_problem(np.random.default_rng(0))
    cross = re.search(r"Cross-correlation would give (-?\d+)", problem.solution).group(1)
    assert "rotate the kernel" in problem.check(cross).message


def test_output_size_exercise_works_when_only_the_padding_makes_the_kernel_fit():
    problems = (stride_padding.output_size_problem(np.random.default_rng(s)) for s in range(400))
    for problem in problems:
        n, k, s, p = (int(v) for v in re.findall(r"= (\d+)\$", problem.prompt))
        if n < k:
            break
    else:
        pytest.fail("no draw with the kernel wider than the unpadded image in 400 seeds")
    assert problem.check(str((n + 2 * p - k) // s + 1)).correct


def test_unvisited_rows_exercise_agrees_with_a_direct_count():
    for seed in range(10):
        problem = stride_padding.unvisited_problem(np.random.default_rng(seed))
        n, k = (int(v) for v in re.findall(r"(\d+)×\1", problem.prompt)[:2])
        s = int(re.search(r"stride (\d+)", problem.prompt).group(1))
        covered = set()
        for start in range(0, n - k + 1, s):
            covered.update(range(start, start + k))
        assert problem.check(str(n - len(covered))).correct


def test_pool_backward_exercise_explains_a_max_pool_mix_up():
    for seed in range(20):
        problem = pooling.pool_backward_problem(np.random.default_rng(seed))
        if "max pooling" in problem.prompt and "gets all of it" in problem.solution:
            answer = float(re.findall(r"\d+(?:\.\d+)?", problem.solution)[-1])
            assert "does not spread" in problem.check(f"{answer / 4:g}").message
            return
    pytest.fail("no max-pooling problem with a winning cell in 20 seeds")


def test_gradient_step_exercise_catches_the_wrong_direction():
    problem = backprop.step_problem(np.random.default_rng(4))
    w = float(re.search(r"\$w = (-?[\d.]+)\$", problem.prompt).group(1))
    g = float(re.search(r"= (-?[\d.]+)\$\. What", problem.prompt).group(1))
    lr = float(re.search(r"\\eta = ([\d.]+)", problem.prompt).group(1))
    assert problem.check(f"{w - lr * g:.4f}").correct
    assert "against" in problem.check(f"{w + lr * g:.4f}").message
