"""Tolerant parsing of what a student types into an answer box.

Students write numbers in many honest ways (``0.57``, ``.5665``, ``57%``, ``3/4``, ``0,57``); all
of them should be understood, and everything else should get a message that says what to fix
instead of a Python traceback.
"""

from __future__ import annotations

import math
import re

from app.components.messages import literal

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class AnswerError(ValueError):
    """A student-facing explanation of why an answer could not be read."""


def _plain_number(text: str, original: str) -> float:
    if not _NUMBER.match(text):
        raise AnswerError(
            f"“{literal(original)}” is not a number I can read. "
            "Type digits such as 0.57, .5665 or 3/4."
        )
    return float(text)


def parse_number(text: str, *, percent: bool = False, thousands: bool = False) -> float:
    """Read one number; ``percent=True`` also accepts ``57%`` (meaning 0.57).

    ``thousands=True`` is for counts such as a training-set size: there ``10,000`` and ``10_000``
    group thousands (10000) instead of being a decimal comma (``1,5`` still reads as 1.5).

    Raises ``AnswerError`` for empty input, words, division by zero, NaN and infinity.
    """
    original = (text or "").strip()
    if not original:
        raise AnswerError("The answer box is empty: type a number first.")
    body = original.replace(" ", "").replace("−", "-")
    if body.lower() in {"nan", "+nan", "-nan"}:
        raise AnswerError("NaN is “not a number”: the answer here is an ordinary number.")
    if body.lower().lstrip("+-") in {"inf", "infinity", "∞"}:
        raise AnswerError("Infinity is not an answer here: the result is a finite number.")
    scale = 1.0
    if body.endswith("%"):
        if not percent:
            raise AnswerError("Please give this answer as a plain number, not a percentage.")
        body, scale = body[:-1], 0.01
    if thousands and re.fullmatch(r"[+-]?\d{1,3}([,_]\d{3})+", body):
        body = body.replace(",", "").replace("_", "")
    # A single comma with digits on both sides is a decimal comma (0,57), not a list.
    if re.fullmatch(r"[+-]?\d*,\d+", body):
        body = body.replace(",", ".")
    if body.count("/") == 1:
        num_text, den_text = body.split("/")
        numerator = _plain_number(num_text, original)
        denominator = _plain_number(den_text, original)
        if denominator == 0:
            raise AnswerError("Division by zero has no value: check the fraction’s denominator.")
        value = numerator / denominator
    else:
        value = _plain_number(body, original)
    value *= scale
    if not math.isfinite(value):
        raise AnswerError("That number is too large to be the answer; check its exponent.")
    return value


def parse_vector(text: str, *, percent: bool = False) -> list[float]:
    """Read a list like ``0.7, 0.2, 0.1`` or ``[3.2 1.3 0.2]`` (brackets optional)."""
    body = (text or "").strip().strip("[]()").strip()
    if not body:
        raise AnswerError(
            "The list is empty: type numbers separated by commas, e.g. 0.7, 0.2, 0.1."
        )
    parts = [part for part in re.split(r"[,;\s]+", body) if part]
    values = []
    for position, part in enumerate(parts, start=1):
        try:
            values.append(parse_number(part, percent=percent))
        except AnswerError as error:
            raise AnswerError(f"Entry {position}: {error}") from None
    return values


def parse_probabilities(text: str, *, tolerance: float = 1e-3) -> list[float]:
    """Read a probability vector: entries in [0, 1] that add up to 1 within ``tolerance``
    (typed values are rounded: 7 × 0.1429 is 1.0003), returned rescaled to sum to exactly 1."""
    values = parse_vector(text, percent=True)
    negatives = [v for v in values if v < 0]
    if negatives:
        raise AnswerError(f"Probabilities cannot be negative, but {negatives[0]:g} is.")
    try:
        total = math.fsum(values)
    except OverflowError:
        raise AnswerError(
            "These numbers are too large to add up; probabilities lie between 0 and 1."
        ) from None
    if abs(total - 1.0) > tolerance:
        raise AnswerError(
            f"These probabilities add up to {total:.4g}, not 1. A probability vector must sum to 1."
        )
    return [value / total for value in values]


def parse_counts(text: str) -> list[int]:
    """Read a list of whole, non-negative counts with at least one positive entry."""
    values = parse_vector(text)
    for value in values:
        if value < 0:
            raise AnswerError(f"A count cannot be negative, but {value:g} is.")
        if value != int(value):
            raise AnswerError(f"Counts are whole numbers, but {value:g} is not.")
    if not any(values):
        raise AnswerError("All counts are zero: there must be at least one item to pick.")
    return [int(v) for v in values]
