"""Lone surrogates are replaced; text without them, and valid pairs, are left as they are."""

from __future__ import annotations

from pydantic_ai.messages import ModelRequest, ModelResponse, TextPart, ToolReturnPart

from desktop.core.agent.lone_surrogates import clean_messages, clean_text, clean_value


def test_only_lone_surrogates_are_replaced() -> None:
    plain = "ok 😀"
    assert clean_text(plain) is plain
    assert clean_text("\ud83d\ude00 ok \udc00 \ud83d") == "😀 ok \ufffd \ufffd"


def test_tool_arguments_are_cleaned_keys_too() -> None:
    assert clean_value({"k\ud83d": ["v\ud83d", 1]}) == {"k\ufffd": ["v\ufffd", 1]}


def test_messages_are_rebuilt_only_when_they_hold_one() -> None:
    fine = [ModelResponse(parts=[TextPart("fine")])]
    assert clean_messages(fine) == fine
    broken = [
        ModelResponse(parts=[TextPart("a \ud83d")]),
        ModelRequest(parts=[ToolReturnPart("t", "r \ud83d", tool_call_id="c")]),
    ]
    cleaned = clean_messages(broken)
    assert [part.content for m in cleaned for part in m.parts] == ["a \ufffd", "r \ufffd"]


def test_a_history_is_checked_once_and_a_changed_one_again() -> None:
    from pydantic_ai.messages import ModelRequest, UserPromptPart

    from desktop.core.agent import lone_surrogates

    clean = ModelRequest(parts=[UserPromptPart("fine")])
    assert lone_surrogates.clean_messages([clean]) == [clean]
    assert lone_surrogates._known_encodable(clean)
    broken = ModelRequest(parts=[UserPromptPart("half \ud83d")])
    [_, fixed] = lone_surrogates.clean_messages([clean, broken])
    assert fixed.parts[0].content == "half \ufffd"  # type: ignore[union-attr]
    assert not lone_surrogates._known_encodable(broken)
