"""What a prompt may be: the one limit, and how much of a paste fits under it."""

from __future__ import annotations

from desktop.core.agent.prompt import MAX_PROMPT_CHARS, fit_paste, validate_prompt


def test_a_prompt_over_the_limit_is_refused_with_its_length_and_the_limit() -> None:
    assert validate_prompt("x" * MAX_PROMPT_CHARS) is None
    problem = validate_prompt("x" * (MAX_PROMPT_CHARS + 1))
    assert problem is not None
    assert f"{MAX_PROMPT_CHARS + 1:,}" in problem and f"{MAX_PROMPT_CHARS:,}" in problem
    assert validate_prompt("  \n") == "Type a message first."


def test_a_paste_that_fits_is_taken_whole_without_a_sentence() -> None:
    assert fit_paste("hello", kept=MAX_PROMPT_CHARS - 5) == ("hello", None)


def test_a_paste_too_long_is_cut_to_what_fits_and_says_so() -> None:
    pasted = "y" * 1_048_576
    text, notice = fit_paste(pasted, kept=10)
    assert text == pasted[: MAX_PROMPT_CHARS - 10]
    assert notice is not None
    assert f"{MAX_PROMPT_CHARS - 10:,}" in notice and "1,048,576" in notice
    assert "clipboard still holds all of it" in notice


def test_a_paste_into_a_full_message_takes_nothing_and_says_so() -> None:
    text, notice = fit_paste("more", kept=MAX_PROMPT_CHARS)
    assert text == ""
    assert notice is not None and notice.startswith("Nothing was pasted")
