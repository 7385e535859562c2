"""The check every numeric exercise generator must pass: its own worked answer is accepted."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np


def assert_worked_answer_accepted(generate: Callable, seeds: int = 200) -> None:
    """Over many draws: the solution's last number is right, one more is wrong, text is invalid."""
    for seed in range(seeds):
        problem = generate(np.random.default_rng(seed))
        answer = float(re.findall(r"-?\d+(?:\.\d+)?", problem.solution)[-1])
        assert problem.check(f"{answer:g}").correct, (seed, problem.prompt, problem.solution)
        assert problem.check(f"{answer + 1:g}").kind == "wrong"
        assert problem.check("abc").kind == "invalid"
