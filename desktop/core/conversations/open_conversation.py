"""The conversation on screen: the one owner of which stored conversation a face has open.

A face (the window's controller) asks: open one, open one at a search hit, start a new chat,
forget a deleted one, ask the last prompt again (regenerate) or in an edited form (edit and
resend). `OpenConversation` decides, tells the agent's side where the next turns are stored
(`ConversationBackend.open_conversation`; while a turn runs, once it has ended), reads what the
face shows from the store, and announces every change in one `ConversationsChanged`
notification, which the chat column, the sidebar and the title render.

The agent's side (`PersistentChat`, on the agent's loop) keeps where it stores turns only as
this object told it; the one fact it reports back is the conversation a new chat's first prompt
created, which this object adopts while that chat is still on screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from desktop.core.conversations.backend import ChatBackend, ConversationBackend, StoredChange
from desktop.core.conversations.history import items_and_position, items_from_turns
from desktop.core.conversations.rewind_warning import RewindWarning, rewind_warning
from desktop.core.conversations.transcript import HistoryItem

if TYPE_CHECKING:
    from desktop.core.agent.attachments import Attachment
    from desktop.core.store.facade import ConversationRepository

NOTHING_TO_REDO = "There is no message in this conversation to ask again yet."


@dataclass(frozen=True)
class ConversationsChanged:
    """The one announcement: which conversation is on screen, and what of it changed."""

    open_id: str | None  # on screen now; None for a new chat not stored yet
    switched: bool = False  # a different conversation (or a new chat) is on screen
    stored: str | None = None  # a prompt or reply of this conversation was stored or deleted


@dataclass(frozen=True)
class Shown:
    """A conversation as the chat view shows it, and the item to bring into view."""

    items: list[HistoryItem]
    reveal: int | None = None


@dataclass(frozen=True)
class Rewound:
    """The last turn is deleted: the view without it, and the prompt to ask in its place (with
    the files the deleted turn had sent, still in the mount: asked again, it names them too)."""

    prompt: str
    items: list[HistoryItem]
    attachments: tuple[Attachment, ...] = ()


Listener = Callable[[ConversationsChanged], None]


class OpenConversation:
    """Which stored conversation is open, for one face; see the module's docstring."""

    def __init__(
        self, on_change: Listener, repository: ConversationRepository | None = None
    ) -> None:
        self._announce = on_change
        self._repository = repository
        self._conversation_id: str | None = None
        self._switch_after_turn: tuple[str | None] | None = None  # asked while a turn ran
        self._generation = 0  # bumped by every switch, so a slow read is never shown late

    # -- state -------------------------------------------------------------------------------
    @property
    def conversation_id(self) -> str | None:
        return self._conversation_id

    @property
    def repository(self) -> ConversationRepository | None:
        return self._repository

    @repository.setter
    def repository(self, repository: ConversationRepository | None) -> None:
        self._repository = repository

    @property
    def rewindable(self) -> bool:
        """A stored conversation is open: its last turn can be asked again."""
        return self._repository is not None and self._conversation_id is not None

    # -- switching ---------------------------------------------------------------------------
    def open(
        self, conversation_id: str | None, backend: ChatBackend | None, *, turn_running: bool
    ) -> int | None:
        """Put `conversation_id` (None: a new chat) on screen and the agent on it; a running
        turn keeps its conversation until it ends. Returns the generation a read must match,
        or None when that conversation is on screen already (a new chat always starts afresh).
        """
        if conversation_id is not None and conversation_id == self._conversation_id:
            return None
        self._switch(conversation_id, backend, turn_running=turn_running)
        return self._generation

    def open_at(
        self, conversation_id: str, backend: ChatBackend | None, *, turn_running: bool
    ) -> int | None:
        """Like `open`, for a search hit: the conversation on screen is read again to show the
        hit, unless a reply is streaming into it (None: leave it alone)."""
        if conversation_id != self._conversation_id:
            self._switch(conversation_id, backend, turn_running=turn_running)
            return self._generation
        return None if turn_running else self.reread()

    def _switch(
        self, conversation_id: str | None, backend: ChatBackend | None, *, turn_running: bool
    ) -> None:
        if turn_running:
            self._switch_after_turn = (conversation_id,)
        elif backend is not None:
            _point(backend, conversation_id)
        changed = conversation_id != self._conversation_id
        self._conversation_id = conversation_id
        self._generation += 1
        if changed:
            self._announce(ConversationsChanged(conversation_id, switched=True))

    def reread(self) -> int:
        """The conversation on screen is read again (after an import, or a search hit in it)."""
        self._generation += 1
        return self._generation

    def forget(self, conversation_id: str) -> bool:
        """`conversation_id` was deleted; True when it was the one on screen (the face then
        starts a new chat)."""
        return conversation_id == self._conversation_id

    def turn_ended(self, backend: ChatBackend | None) -> None:
        """The running turn has ended: a switch asked meanwhile reaches the agent now."""
        if self._switch_after_turn is None:
            return
        (target,) = self._switch_after_turn
        self._switch_after_turn = None
        if backend is not None:
            _point(backend, target)

    def backend_made(self, backend: ChatBackend) -> None:
        """A new backend (first keys, new settings) continues the conversation on screen."""
        if self._conversation_id is not None and isinstance(backend, ConversationBackend):
            backend.open_conversation(self._conversation_id)

    def stored(self, change: StoredChange, *, own_turn_live: bool) -> None:
        """The agent's side stored a prompt or reply. A new chat's first prompt created its
        conversation: if that chat is still on screen (`own_turn_live`: its turn runs and was
        not left), the new conversation is what is open now."""
        if (
            change.created
            and own_turn_live
            and self._conversation_id is None
            and self._switch_after_turn is None
        ):
            self._conversation_id = change.conversation_id
            self._announce(ConversationsChanged(change.conversation_id, switched=True))
        self._announce(ConversationsChanged(self._conversation_id, stored=change.conversation_id))

    # -- reading -----------------------------------------------------------------------------
    async def read(self, generation: int, reveal_turn: int | None = None) -> Shown | None:
        """The conversation on screen as stored; None when another switch came meanwhile (or
        nothing stored is open). Raises `StoreError`."""
        repository, conversation_id = self._repository, self._conversation_id
        if repository is None or conversation_id is None:
            return None
        turns = await repository.turns(conversation_id)
        if generation != self._generation:
            return None
        items, position = items_and_position(turns, reveal_turn)
        return Shown(items, position)

    def is_current(self, generation: int) -> bool:
        return generation == self._generation

    # -- asking again ------------------------------------------------------------------------
    async def rewind(
        self,
        prompt: str | None,
        backend: Callable[[], ChatBackend | None],
        *,
        left: Callable[[], bool],
        confirmed: bool = False,
    ) -> Rewound | RewindWarning | None:
        """Delete the last turn of the conversation on screen and return the prompt to ask in
        its place (`prompt`, or the deleted one's); None if there is no turn to delete.

        Unless `confirmed`, a turn whose actions changed or destroyed something is left alone:
        the warning to show is returned instead (`rewind_warning`), for the face to ask first.

        The agent's history follows the store at once, before anything else, so that a Stop
        right after cannot leave it holding the deleted turn; unless the face has `left` the
        conversation meanwhile. Raises `StoreError`."""
        repository, conversation_id = self._repository, self._conversation_id
        if repository is None or conversation_id is None:
            return None
        if not confirmed:
            last = await repository.turns(conversation_id, 1)
            warning = rewind_warning(last[-1] if last else None, edited=prompt is not None)
            if warning is not None:
                return warning
        removed = await repository.delete_last_turn(conversation_id)
        if removed is None:
            return None
        current = backend()
        if isinstance(current, ConversationBackend) and not left():
            current.open_conversation(conversation_id)  # re-read: its history loses the turn
        self._announce(ConversationsChanged(self._conversation_id, stored=conversation_id))
        turns = await repository.turns(conversation_id)
        self._generation += 1  # a read still under way would show the deleted turn
        return Rewound(
            prompt if prompt is not None else removed.prompt,
            items_from_turns(turns),
            removed.attachments,
        )


def _point(backend: ChatBackend, conversation_id: str | None) -> None:
    """Tell the agent's side where the next turns are stored."""
    if isinstance(backend, ConversationBackend):
        backend.open_conversation(conversation_id)
    else:
        backend.new_conversation()  # it cannot load a stored one: at least start afresh
