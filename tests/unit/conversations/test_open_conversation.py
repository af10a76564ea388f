"""The one owner of the conversation on screen: switching, following a new chat, rewinding.

A real SQLite store in tmp_path; the agent's side is either a recording stand-in or the real
`PersistentChat` over a recording session, so the tests see what the agent would be asked with.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic_ai.messages import ModelMessage

from desktop.core.consent.approvals import ConsentState
from desktop.core.conversations.open_conversation import (
    ConversationsChanged,
    OpenConversation,
    Rewound,
)
from desktop.core.conversations.persistent import PersistentChat
from desktop.core.conversations.transcript import AssistantItem, UserItem
from desktop.core.store.facade import AsyncConversationStore
from desktop.core.store.records import StoreError
from desktop.core.store.sqlite import ConversationStore
from tests.unit.store.test_store_messages import answered, dump


@dataclass(frozen=True)
class Change:
    conversation_id: str
    created: bool = False


class PointedBackend:
    """Records where it was pointed (`open_conversation`) and how often it started afresh."""

    def __init__(self) -> None:
        self.opened: list[str | None] = []
        self.fresh = 0

    def open_conversation(self, conversation_id: str | None) -> None:
        self.opened.append(conversation_id)

    def watch(self, listener: Any) -> None:
        pass

    def new_conversation(self) -> None:
        self.fresh += 1

    async def check(self) -> Any: ...

    async def connect(self) -> Any: ...

    def run_turn(self, prompt: str) -> Any: ...

    async def aclose(self) -> None: ...


@pytest.fixture
def database(tmp_path: Path) -> tuple[Path, str, str]:
    db = tmp_path / "c.sqlite3"
    with ConversationStore(db) as store:
        first = store.create_conversation("m", "First")
        for n in (1, 2):
            turn = store.begin_turn(first, f"prompt {n}")
            store.complete_turn(turn, dump(answered(f"prompt {n}", f"reply {n}")), f"reply {n}")
        second = store.create_conversation("m", "Second")
    return db, first, second


def _prompts(history: Sequence[ModelMessage]) -> list[str]:
    return [
        str(part.content)
        for message in history
        for part in message.parts
        if part.part_kind == "user-prompt"
    ]


def _run(db: Path, scenario: Any) -> Any:
    async def main() -> Any:
        store = await AsyncConversationStore.open(db)
        try:
            return await scenario(store)
        finally:
            await store.aclose()

    return asyncio.run(main())


def test_switching_points_the_agent_and_announces_once(database: tuple[Path, str, str]) -> None:
    db, first, second = database
    changes: list[ConversationsChanged] = []
    backend = PointedBackend()

    async def scenario(store: AsyncConversationStore) -> list[Any]:
        owner = OpenConversation(changes.append, store)
        generation = owner.open(first, backend, turn_running=False)
        assert generation is not None
        shown = await owner.read(generation)
        again = owner.open(first, backend, turn_running=False)  # on screen already
        stale = owner.open(second, backend, turn_running=False)
        owner.open(first, backend, turn_running=False)
        late = await owner.read(stale or 0)  # a switch came meanwhile: not shown
        return [shown, again, late, owner.conversation_id]

    shown, again, late, open_id = _run(db, scenario)
    assert shown.items == [
        UserItem("prompt 1"),
        AssistantItem("reply 1"),
        UserItem("prompt 2"),
        AssistantItem("reply 2"),
    ]
    assert again is None and late is None and open_id == first
    assert backend.opened == [first, second, first]
    assert changes == [
        ConversationsChanged(first, switched=True),
        ConversationsChanged(second, switched=True),
        ConversationsChanged(first, switched=True),
    ]


def test_a_switch_during_a_turn_reaches_the_agent_when_the_turn_ends() -> None:
    changes: list[ConversationsChanged] = []
    backend = PointedBackend()
    owner = OpenConversation(changes.append)
    owner.open("c1", backend, turn_running=True)
    assert owner.conversation_id == "c1" and backend.opened == []  # the turn keeps its own
    # The running turn (a new chat's) created its conversation: not adopted, c1 is on screen.
    owner.stored(Change("c-new", created=True), own_turn_live=True)
    assert owner.conversation_id == "c1"
    owner.turn_ended(backend)
    assert backend.opened == ["c1"]
    owner.turn_ended(backend)
    assert backend.opened == ["c1"]  # once
    assert changes == [
        ConversationsChanged("c1", switched=True),
        ConversationsChanged("c1", stored="c-new"),
    ]


def test_a_new_chat_adopts_the_conversation_its_first_prompt_created() -> None:
    changes: list[ConversationsChanged] = []
    owner = OpenConversation(changes.append)
    owner.stored(Change("left", created=True), own_turn_live=False)  # its chat was left
    assert owner.conversation_id is None
    owner.stored(Change("c1", created=True), own_turn_live=True)
    owner.stored(Change("c1"), own_turn_live=False)  # its reply
    assert owner.conversation_id == "c1"
    assert changes == [
        ConversationsChanged(None, stored="left"),
        ConversationsChanged("c1", switched=True),
        ConversationsChanged("c1", stored="c1"),
        ConversationsChanged("c1", stored="c1"),
    ]


def test_a_new_chat_always_starts_afresh_and_a_deleted_one_is_forgotten() -> None:
    backend = PointedBackend()
    owner = OpenConversation(lambda change: None)
    assert owner.open(None, backend, turn_running=False) is not None
    assert owner.open(None, backend, turn_running=False) is not None
    assert backend.opened == [None, None]
    owner.open("c1", backend, turn_running=False)
    assert not owner.forget("c2") and owner.forget("c1")


def test_a_new_backend_continues_the_conversation_on_screen() -> None:
    owner = OpenConversation(lambda change: None)
    backend = PointedBackend()
    owner.backend_made(backend)
    assert backend.opened == []  # a new chat: the backend starts on one already
    owner.open("c1", None, turn_running=False)
    owner.backend_made(backend)
    assert backend.opened == ["c1"]


def test_rewind_deletes_the_last_turn_and_the_agent_forgets_it_too(
    database: tuple[Path, str, str],
) -> None:
    db, first, _ = database
    changes: list[ConversationsChanged] = []
    loaded: list[Sequence[ModelMessage]] = []

    class Session:
        router_session_id = None

        def __init__(self) -> None:
            self.consent = ConsentState()

        def load_history(self, messages: Sequence[ModelMessage]) -> None:
            loaded.append(messages)

        def new_conversation(self) -> None:
            pass

    def factory(router_id: str | None, history: Sequence[ModelMessage]) -> Any:
        loaded.append(history)
        return Session()

    async def scenario(store: AsyncConversationStore) -> tuple[Rewound | None, Rewound | None]:
        chat = PersistentChat(store, factory, model="m")
        owner = OpenConversation(changes.append, store)
        owner.open(first, chat, turn_running=False)
        await chat.sync_with_store()
        regenerated = await owner.rewind(None, lambda: chat, left=lambda: False)
        await chat.sync_with_store()  # what the next turn does first
        edited = await owner.rewind("edited", lambda: chat, left=lambda: False)
        return regenerated, edited

    regenerated, edited = _run(db, scenario)
    assert regenerated == Rewound("prompt 2", [UserItem("prompt 1"), AssistantItem("reply 1")])
    assert edited == Rewound("edited", [])
    # The agent's history: both turns, then only the first (the deleted one is gone).
    assert [_prompts(history) for history in loaded] == [["prompt 1", "prompt 2"], ["prompt 1"]]
    assert changes[1:] == [
        ConversationsChanged(first, stored=first),
        ConversationsChanged(first, stored=first),
    ]
    with ConversationStore(db) as store:
        assert store.turns(first) == []


def test_rewind_with_nothing_stored_or_after_leaving(database: tuple[Path, str, str]) -> None:
    db, first, second = database
    backend = PointedBackend()

    async def scenario(store: AsyncConversationStore) -> list[Any]:
        owner = OpenConversation(lambda change: None, store)
        nothing_open = await owner.rewind(None, lambda: backend, left=lambda: False)
        owner.open(second, backend, turn_running=False)
        empty = await owner.rewind(None, lambda: backend, left=lambda: False)
        owner.open(first, backend, turn_running=False)
        left = await owner.rewind(None, lambda: backend, left=lambda: True)
        return [nothing_open, empty, left]

    nothing_open, empty, left = _run(db, scenario)
    assert nothing_open is None and empty is None
    assert left is not None and left.prompt == "prompt 2"
    assert backend.opened == [second, first]  # not pointed again: the face had left it


def test_a_store_error_reaches_the_face(database: tuple[Path, str, str]) -> None:
    db, first, _ = database

    async def scenario(store: AsyncConversationStore) -> None:
        owner = OpenConversation(lambda change: None, store)
        owner.open(first, None, turn_running=False)
        await store.aclose()
        with pytest.raises(StoreError):
            await owner.rewind(None, lambda: None, left=lambda: False)

    _run(db, scenario)
