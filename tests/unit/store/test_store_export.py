"""Markdown and JSON export, and JSON import that round-trips and refuses junk."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from desktop.core.agent.events import Usage
from desktop.core.store.records import EXPORT_FORMAT, EXPORT_VERSION, NotFoundError, StoreError
from desktop.core.store.sqlite import ConversationStore
from tests.unit.store.test_store_messages import (
    MODEL,
    FakeClock,
    answered,
    card,
    dump,
    with_tool_calls,
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ConversationStore]:
    with ConversationStore(tmp_path / "c.sqlite3", clock=FakeClock()) as s:
        yield s


@pytest.fixture
def conversation(store: ConversationStore) -> str:
    """A conversation with every kind of turn: tool calls, a stop, a failure, one in flight."""
    cid = store.create_conversation(MODEL)
    store.set_router_session(cid, "trs_abc")
    t1 = store.begin_turn(cid, "List my sandboxes")
    store.complete_turn(
        t1,
        dump(with_tool_calls("List my sandboxes")),
        "You have **no** sandboxes.",
        [card()],
        Usage(100, 20, 2, 4, Decimal("0.0031")),
    )
    t2 = store.begin_turn(cid, "Create one")
    store.complete_turn(
        t2, dump(answered("Create one", "Creat")), "Creat", [card("c9", "interrupted")],
        Usage(5, 1, 1, 0), "cancelled",
    )  # fmt: skip
    t3 = store.begin_turn(cid, "Try again")
    store.complete_turn(t3, None, "", status="failed", error="The model timed out.")
    store.begin_turn(cid, "Still thinking about this one")
    return cid


def test_markdown_is_readable(store: ConversationStore, conversation: str) -> None:
    text = store.export_markdown(conversation)

    assert text.startswith("# List my sandboxes\n")
    assert "2025-06-15" in text  # the FakeClock's date
    assert MODEL in text
    assert "List my sandboxes" in text and "You have **no** sandboxes." in text
    # Tool text in code, inert (issue 10): it reads the same, but nothing in it is live.
    assert "- `E2B_LIST_ALL_SANDBOXES` `{}` → success" in text
    assert '- `E2B_GET` `{"id": "x"}` → success' in text
    assert "- Connect `e2b`: `https://connect.composio.dev/link/abc`" in text
    assert "_Stopped._" in text
    assert "_Failed:_ `The model timed out.`" in text
    assert "_No reply (interrupted)._" in text
    assert text.index("List my sandboxes\n\n**Assistant") < text.index("Create one")


def test_json_export_is_complete_and_versioned(store: ConversationStore, conversation: str) -> None:
    data = json.loads(store.export_json(conversation))

    assert (data["format"], data["version"]) == (EXPORT_FORMAT, EXPORT_VERSION)
    meta = data["conversation"]
    assert meta["id"] == conversation and meta["model"] == MODEL
    assert meta["usage"]["cost"] == "0.0031"
    assert [t["status"] for t in data["turns"]] == ["complete", "cancelled", "failed", "pending"]
    first = data["turns"][0]
    assert first["messages"][1]["parts"][0]["tool_name"] == "COMPOSIO_MULTI_EXECUTE_TOOL"
    assert first["tool_cards"][0]["actions"][1] == {"slug": "E2B_GET", "arguments": {"id": "x"}}
    assert data["turns"][3]["messages"] is None
    assert data["turns"][0]["created_at"].endswith("Z")


def _comparable(text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text)
    del data["exported_at"]
    for key in ("id", "updated_at", "router_session_id"):
        del data["conversation"][key]
    return data


def test_export_import_export_round_trip(store: ConversationStore, conversation: str) -> None:
    exported = store.export_json(conversation)

    copy = store.import_json(exported)

    assert copy != conversation
    assert _comparable(store.export_json(copy)) == _comparable(exported)
    assert store.history(copy) == store.history(conversation)
    imported = store.get_conversation(copy)
    assert imported.router_session_id is None  # a session belongs to its own account
    assert imported.turn_count == 4
    assert store.list_conversations()[0].id == copy  # an import shows at the top
    assert {h.conversation_id for h in store.search("sandboxes")} == {conversation, copy}


def test_import_accepts_bytes(store: ConversationStore, conversation: str) -> None:
    copy = store.import_json(store.export_json(conversation).encode())
    assert store.get_conversation(copy).title == "List my sandboxes"


def _valid(store: ConversationStore) -> dict[str, Any]:
    cid = store.create_conversation(MODEL)
    turn = store.begin_turn(cid, "hi")
    store.complete_turn(turn, dump(answered("hi", "hello")), "hello")
    data: dict[str, Any] = json.loads(store.export_json(cid))
    store.delete(cid)
    return data


def _set(data: dict[str, Any], path: str, value: object) -> dict[str, Any]:
    target: Any = data
    *parents, last = path.split(".")
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if value is _DELETE:
        del target[last]
    else:
        target[int(last) if isinstance(target, list) else last] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("format", "something.else", "not an E2B Agent conversation export"),
        ("format", _DELETE, "not an E2B Agent conversation export"),
        ("version", 2, "format version 2"),
        ("version", "1", "invalid at version"),
        ("turns", _DELETE, "invalid at turns"),
        ("turns.0.status", "exploded", "invalid at turns.0.status"),
        ("turns.0.prompt", "", "invalid at turns.0.prompt"),
        ("turns.0.usage.input_tokens", -1, "invalid at turns.0.usage.input_tokens"),
        ("turns.0.created_at", "2025-01-01T00:00:00", "invalid at turns.0.created_at"),
        ("turns.0.messages", [{"kind": "bogus"}], "turn 1 does not hold valid pydantic-ai"),
        ("turns.0.messages", "not a list", "invalid at turns.0.messages"),
        ("turns.0.tool_cards", [{"call_id": "x"}], "invalid at turns.0.tool_cards.0"),
        ("conversation.model", 42, "invalid at conversation.model"),
        ("conversation.api_key", "sk-nope", "invalid at conversation.api_key"),
        ("conversation.usage.cost", "lots", "invalid at conversation.usage.cost"),
    ],
)
def test_import_rejects_bad_fields(
    store: ConversationStore, path: str, value: object, message: str
) -> None:
    data = _set(_valid(store), path, value)

    with pytest.raises(StoreError, match=message):
        store.import_json(json.dumps(data))
    assert store.list_conversations() == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not valid JSON"),
        ("{not json", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
        ("[]", "not an E2B Agent conversation export"),
        ("null", "not an E2B Agent conversation export"),
        ('{"format": "e2b-agent.conversation"}', "invalid at"),
    ],
)
def test_import_rejects_junk(store: ConversationStore, text: str | bytes, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        store.import_json(text)
    assert store.list_conversations() == []


@pytest.mark.parametrize(
    "text",
    [
        "[" * 200_000,
        '{"format": "e2b-agent.conversation", "version": 1, "turns": ' + "[" * 200_000,
        '{"format": "e2b-agent.conversation", "version": 1, "turns": [{"messages": '
        + "[" * 200_000,
    ],
)
def test_import_of_deeply_nested_json_is_refused_with_the_json_sentence(
    store: ConversationStore, text: str
) -> None:
    with pytest.raises(StoreError, match=r"not valid JSON \(recursion limit exceeded"):
        store.import_json(text)
    with pytest.raises(StoreError, match="not valid JSON"):
        store.import_json(text.encode())
    assert store.list_conversations() == []


def test_export_of_a_missing_conversation(store: ConversationStore) -> None:
    with pytest.raises(NotFoundError):
        store.export_json("0" * 32)
    with pytest.raises(NotFoundError):
        store.export_markdown("0" * 32)
