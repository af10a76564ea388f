"""A failed turn keeps its fix: stored with it, exported with it, and in its history item again."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from desktop.core.agent.events import TurnFailed
from desktop.core.config.credentials import OPENAI_API_KEY, missing_error
from desktop.core.conversations.history import items_from_turn
from desktop.core.conversations.persistent import PersistentChat
from desktop.core.conversations.transcript import ErrorItem
from desktop.core.errors import Fix, Remedy
from desktop.core.store.facade import AsyncConversationStore
from desktop.core.store.sqlite import ConversationStore
from tests.unit.conversations.scripted_session import ScriptedSession

MISSING = missing_error((OPENAI_API_KEY,))
FAILED = TurnFailed(MISSING.kind, MISSING.message, fix=MISSING.fix)


def _failed_conversation(path: Path) -> str:
    async def scenario() -> str:
        store = await AsyncConversationStore.open(path)
        try:
            chat = PersistentChat(
                store, lambda _id, _history: ScriptedSession(FAILED), model="openai:gpt-5"
            )
            events = [event async for event in chat.run_turn("go")]
            assert events == [FAILED]
            assert chat.conversation_id is not None
            return chat.conversation_id
        finally:
            await store.aclose()

    return asyncio.run(scenario())


def test_a_failed_turn_is_stored_and_reloaded_with_its_fix(tmp_path: Path) -> None:
    assert MISSING.fix == Fix(Remedy.PROVIDE, "No OpenAI API key is set", (OPENAI_API_KEY,))
    conversation_id = _failed_conversation(tmp_path / "c.sqlite3")
    with ConversationStore(tmp_path / "c.sqlite3") as store:  # opened afresh: read from disk
        [turn] = store.turns(conversation_id)
    assert (turn.status, turn.error, turn.fix) == ("failed", MISSING.message, MISSING.fix)
    assert items_from_turn(turn)[-1] == ErrorItem(MISSING.message, fix=MISSING.fix)


def test_the_fix_travels_in_the_json_export_and_back(tmp_path: Path) -> None:
    conversation_id = _failed_conversation(tmp_path / "c.sqlite3")
    with ConversationStore(tmp_path / "c.sqlite3") as store:
        exported = store.export_json(conversation_id)
        [turn] = json.loads(exported)["turns"]
        assert turn["fix"] == {
            "remedy": "provide",
            "problem": "No OpenAI API key is set",
            "items": [
                {
                    "name": "openai_api_key",
                    "label": "OpenAI API key",
                    "env_var": "OPENAI_API_KEY",
                    "in_keyring": True,
                }
            ],
        }
        [imported] = store.turns(store.import_json(exported))
    assert (imported.error, imported.fix) == (MISSING.message, MISSING.fix)


def test_a_turn_without_a_fix_exports_as_before(tmp_path: Path) -> None:
    with ConversationStore(tmp_path / "c.sqlite3") as store:
        conversation_id = store.create_conversation("openai:gpt-5")
        turn_id = store.begin_turn(conversation_id, "go")
        store.complete_turn(turn_id, None, "", status="failed", error="It broke.")
        [turn] = json.loads(store.export_json(conversation_id))["turns"]
    # No "fix" key: an older app, which refuses keys it does not know, still imports it.
    assert "fix" not in turn and turn["error"] == "It broke."


def test_a_plain_http_refusal_keeps_its_provider_stored_and_exported(tmp_path: Path) -> None:
    """The provider it names is what each face's remedy says to allow, after a restart too."""
    fix = Fix(Remedy.ALLOW_PLAIN_HTTP, "OLLAMA_BASE_URL is plain http://", provider="ollama")
    with ConversationStore(tmp_path / "c.sqlite3") as store:
        conversation_id = store.create_conversation("ollama:llama3.1")
        turn_id = store.begin_turn(conversation_id, "go")
        store.complete_turn(turn_id, None, "", status="failed", error="Refused.", fix=fix)
        [stored] = store.turns(conversation_id)
        exported = store.export_json(conversation_id)
        [turn] = json.loads(exported)["turns"]
        [imported] = store.turns(store.import_json(exported))
    assert stored.fix == imported.fix == fix
    assert turn["fix"]["provider"] == "ollama"
