import math

import pytest

from app.components.answers import (
    AnswerError,
    parse_counts,
    parse_number,
    parse_probabilities,
    parse_vector,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0.57", 0.57),
        (".5665", 0.5665),
        ("-3", -3.0),
        ("1e-3", 0.001),
        ("3/4", 0.75),
        ("  0,57 ", 0.57),
        ("−0.5", -0.5),
        ("26/30", 26 / 30),
    ],
)
def test_parse_number_accepts_the_ways_students_write_numbers(text, value):
    assert parse_number(text) == pytest.approx(value)


def test_percent_only_where_a_percentage_makes_sense():
    assert parse_number("57%", percent=True) == pytest.approx(0.57)
    with pytest.raises(AnswerError, match="not a percentage"):
        parse_number("57%")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("abc", "not a number"),
        ("1/0", "Division by zero"),
        ("NaN", "not a number"),
        ("inf", "Infinity"),
        ("1e400", "too large"),
        ("1/2/3", "not a"),
    ],
)
def test_parse_number_explains_bad_input(text, words):
    with pytest.raises(AnswerError, match=words):
        parse_number(text)


def test_answer_error_is_a_value_error():
    assert issubclass(AnswerError, ValueError)


def test_parse_vector_reads_lists_with_or_without_brackets():
    assert parse_vector("[3.2, 1.3, 0.2, 0.8]") == [3.2, 1.3, 0.2, 0.8]
    assert parse_vector("1 2; 3") == [1.0, 2.0, 3.0]
    with pytest.raises(AnswerError, match="Entry 2"):
        parse_vector("1, x, 3")
    with pytest.raises(AnswerError, match="empty"):
        parse_vector("[ ]")


def test_probabilities_must_be_non_negative_and_sum_to_one():
    assert parse_probabilities("0.5, 25%, .25") == pytest.approx([0.5, 0.25, 0.25])
    with pytest.raises(AnswerError, match=r"add up to 0\.9"):
        parse_probabilities("0.5, 0.4")
    with pytest.raises(AnswerError, match="cannot be negative"):
        parse_probabilities("1.5, -0.5")


def test_counts_are_whole_non_negative_and_not_all_zero():
    assert parse_counts("26, 4") == [26, 4]
    with pytest.raises(AnswerError, match="negative"):
        parse_counts("-1, 4")
    with pytest.raises(AnswerError, match="whole"):
        parse_counts("2.5, 4")
    with pytest.raises(AnswerError, match="zero"):
        parse_counts("0, 0")


def test_probabilities_rounded_by_the_page_are_rescaled_to_sum_exactly_to_one():
    # Seven classes shown to 4 digits add up to 1.0003; the engine wants exactly 1.
    values = parse_probabilities(", ".join(["0.1429"] * 7))
    assert math.fsum(values) == pytest.approx(1.0, abs=1e-15)
    with pytest.raises(AnswerError, match="too large to add up"):
        parse_probabilities("1e308, 1e308")
