"""Conversation export (Markdown to read, versioned JSON to keep) and validated JSON import."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from annotated_types import Ge
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
)

from desktop.core.agent.attachments import Attachment
from desktop.core.agent.budget import NO_BUDGET, OwnBudget
from desktop.core.agent.events import ToolAction, Usage
from desktop.core.agent.usage_words import usage_summary
from desktop.core.errors import Fix
from desktop.core.money import PRICE_UNKNOWN, money_text
from desktop.core.router.mount_names import size_text
from desktop.core.store.codec import drop_unset_card_fields, problem
from desktop.core.store.export_cells import CellImages, MarkdownExport, cell_lines
from desktop.core.store.inert_markdown import code_lines, code_span, plain, prose
from desktop.core.store.records import (
    DEFAULT_TITLE,
    EXPORT_FORMAT,
    EXPORT_VERSION,
    Conversation,
    StoreError,
    ToolCardRecord,
    TurnRecord,
    TurnStatus,
    check_import_size,
    clean_title,
)

# -- the JSON format (version 1) ---------------------------------------------------------------
# Usage and tool cards are the records' own dataclasses, validated and written by pydantic as the
# store's codec does; the models' config (no unknown keys) applies to them inside an export.


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TurnV1(_Model):
    prompt: str = Field(min_length=1)
    status: TurnStatus
    text: str = ""
    error: str | None = None
    tool_cards: tuple[ToolCardRecord, ...] = ()
    usage: Usage = Field(
        default=Usage(),
        description="its tokens and money (`cost`: US dollars; null: price unknown, never 0)",
    )
    created_at: AwareDatetime
    completed_at: AwareDatetime | None = None
    messages: list[JsonValue] | None = Field(
        default=None, description="ModelMessagesTypeAdapter JSON of the turn's new messages"
    )
    # Added within version 1: written only when set, so that an export without it reads as
    # before, in this app and in older ones (which refuse keys they do not know).
    fix: Fix | None = Field(default=None, description="what a failed turn lacked, unworded")
    attachments: tuple[Attachment, ...] = Field(
        default=(), description="the files sent with the prompt: records, never their content"
    )
    model: str | None = Field(default=None, description="the model the turn went to")

    @model_serializer(mode="wrap")
    def _without_unset_failure(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> dict[str, object]:
        data = _without_unset(handler(self), _ADDED_FIELDS)
        fix = data.get("fix")
        if isinstance(fix, dict):
            _without_unset(fix, _ADDED_FIX_FIELDS)
        cards = data.get("tool_cards")
        for card in cards if isinstance(cards, list) else ():
            if isinstance(card, dict):
                drop_unset_card_fields(card)
        return data


_ADDED_FIELDS = ("fix", "attachments", "model")
_ADDED_FIX_FIELDS = ("provider",)
_ADDED_CONVERSATION_FIELDS = ("budget", "sandbox_cost")


def _without_unset(data: dict[str, object], names: tuple[str, ...]) -> dict[str, object]:
    """Fields added within version 1 left out while unset: a file without them reads as
    before, in this app and in older ones (which refuse keys they do not know)."""
    for name in names:
        if data.get(name) in (None, "", (), []):
            data.pop(name, None)
    return data


class ConversationV1(_Model):
    id: str
    title: str
    model: str
    created_at: AwareDatetime
    updated_at: AwareDatetime
    router_session_id: str | None = None
    usage: Usage = Field(
        default=Usage(),
        description="its turns' totals, deleted ones included (`cost`: null when no price known)",
    )
    # Added within version 1, written only when set.
    budget: OwnBudget = Field(
        default=None, description='its own budget in US dollars, "off", or null: the setting\'s'
    )
    sandbox_cost: Annotated[Decimal, Ge(0)] | None = Field(
        default=None,
        description="what the sandboxes it created had cost when exported (null: not known)",
    )

    @model_serializer(mode="wrap")
    def _without_unset_added(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> dict[str, object]:
        return _without_unset(handler(self), _ADDED_CONVERSATION_FIELDS)


class ExportV1(_Model):
    format: Literal["e2b-agent.conversation"]
    version: Literal[1]
    exported_at: AwareDatetime
    conversation: ConversationV1
    turns: list[TurnV1]


# -- what the store hands over and gets back ---------------------------------------------------
# A turn has two shapes: the store's `TurnRecord` and the export's `TurnV1`. The store hands
# each record over with its stored messages; an import hands back each validated `TurnV1` with
# its messages checked and written as the store keeps them.

StoredTurn = tuple[TurnRecord, str | None]
"""A turn as the store keeps it: its record and its pydantic-ai messages JSON (None: none)."""

ImportedTurn = tuple[TurnV1, str | None]
"""A turn of an export: as validated, and its messages as the store will keep them."""


@dataclass(frozen=True)
class ImportedMeta:
    title: str | None
    model: str
    created_at: float
    usage: Usage
    budget: OwnBudget = None


@dataclass(frozen=True)
class ImportedConversation:
    conversation: ImportedMeta
    turns: tuple[ImportedTurn, ...]


def render_json(
    conversation: Conversation,
    turns: Sequence[StoredTurn],
    *,
    exported_at: datetime,
    sandbox_cost: Decimal | None = None,
) -> str:
    export = ExportV1(
        format=EXPORT_FORMAT,
        version=EXPORT_VERSION,
        exported_at=exported_at,
        conversation=ConversationV1(
            id=conversation.id,
            title=conversation.title,
            model=conversation.model,
            created_at=conversation.created_at,
            updated_at=conversation.updated_at,
            router_session_id=conversation.router_session_id,
            usage=conversation.usage,
            budget=conversation.budget,
            sandbox_cost=sandbox_cost,
        ),
        turns=[_turn_v1(record, messages_json) for record, messages_json in turns],
    )
    return export.model_dump_json(indent=2) + "\n"


def parse_export(text: str | bytes) -> ImportedConversation:
    """Validate an export completely; any problem raises StoreError saying what is wrong."""
    check_import_size(len(text))
    # pydantic-core parses the JSON itself, with a depth limit: a hostile file of nested
    # brackets is a ValidationError here, not a RecursionError of the json module.
    try:
        export = ExportV1.model_validate_json(text)
    except ValidationError as exc:
        raise StoreError(_refusal(exc)) from exc
    meta = export.conversation
    title = clean_title(meta.title) if meta.title.strip() else None
    return ImportedConversation(
        conversation=ImportedMeta(
            title=None if title == DEFAULT_TITLE else title,
            model=meta.model,
            created_at=meta.created_at.timestamp(),
            usage=meta.usage,
            # An amount travels; "off" does not: a file from elsewhere never lifts the limit
            # the person's setting puts on every chat (it follows the setting instead).
            budget=None if meta.budget == NO_BUDGET else meta.budget,
        ),
        turns=tuple(_imported_turn(n, t) for n, t in enumerate(export.turns, start=1)),
    )


def _refusal(exc: ValidationError) -> str:
    """The one sentence for a refused export: not JSON, not an export, too new, or invalid."""
    errors = exc.errors()
    first = errors[0]
    if first["type"] == "json_invalid":
        reason = first["msg"].removeprefix("Invalid JSON: ")
        return f"The file is not valid JSON ({reason})."
    if first["loc"] == () or any(e["loc"] == ("format",) for e in errors):
        return "The file is not an E2B Agent conversation export."
    for e in errors:
        version = e["input"]
        if e["loc"] == ("version",) and type(version) is int and version > EXPORT_VERSION:
            return (
                f"The export has format version {version}; this app reads up to "
                f"{EXPORT_VERSION}. Update the app."
            )
    return f"The conversation export is invalid {problem(exc)}."


def _imported_turn(number: int, turn: TurnV1) -> ImportedTurn:
    messages_json: str | None = None
    if turn.messages is not None:
        from pydantic_ai.messages import ModelMessagesTypeAdapter  # heavy: see store_sync

        try:
            messages = ModelMessagesTypeAdapter.validate_json(json.dumps(turn.messages))
        except ValidationError as exc:
            raise StoreError(
                f"The conversation export is invalid: turn {number} does not hold valid "
                "pydantic-ai messages."
            ) from exc
        messages_json = ModelMessagesTypeAdapter.dump_json(messages).decode()
    return turn, messages_json


def _turn_v1(record: TurnRecord, messages_json: str | None) -> TurnV1:
    """The record's fields of the same names (pydantic reads them off it), and its messages."""
    messages = None if messages_json is None else json.loads(messages_json)
    return TurnV1.model_validate(record, from_attributes=True).model_copy(
        update={"messages": messages}
    )


# -- Markdown ----------------------------------------------------------------------------------


def render_markdown(
    conversation: Conversation, turns: Sequence[TurnRecord], sandbox_cost: Decimal | None = None
) -> str:
    """The conversation to read: prompts and replies as Markdown without live HTML, and what
    came from tools (names, arguments, errors, notes, links, code and its output) as code
    (`inert_markdown`); images are named in words. What it cost heads it, and each turn's
    model, tokens and money follow it; `sandbox_cost`: its sandboxes' so far, when known."""
    return _markdown(conversation, turns, CellImages(), sandbox_cost)


def render_markdown_export(
    conversation: Conversation,
    turns: Sequence[TurnRecord],
    images_folder: str,
    sandbox_cost: Decimal | None = None,
) -> MarkdownExport:
    """`render_markdown`, with the cells' images as files in `images_folder` (a folder name
    beside the .md) linked relatively."""
    images = CellImages(images_folder)
    text = _markdown(conversation, turns, images, sandbox_cost)
    return MarkdownExport(text, tuple(images.files))


def cost_lines(conversation: Conversation, sandbox_cost: Decimal | None) -> list[str]:
    """The conversation's totals: the model's tokens and money (the turns at an unknown price
    named, not counted as $0), its sandboxes' running cost so far (if known), its budget."""
    usage = conversation.usage
    tokens = usage.input_tokens + usage.output_tokens
    model = f"{tokens:,} tokens, {money_text(usage.cost)}"
    unpriced = conversation.unpriced_turns
    if unpriced and usage.cost is not None:
        model += f" ({unpriced} {'turn' if unpriced == 1 else 'turns'}: {PRICE_UNKNOWN})"
    sandboxes = "not known" if sandbox_cost is None else f"{money_text(sandbox_cost)} so far"
    lines = [f"- Model: {model}", f"- Sandboxes it created: {sandboxes}"]
    own = conversation.budget
    if own is not None:  # None: the setting's, which the export does not know
        lines.append(f"- Budget: {'none' if own == NO_BUDGET else money_text(Decimal(own))}")
    return ["**Cost:**", "", *lines, ""]


def _turn_cost(turn: TurnRecord) -> str | None:
    """ "_Answered by_ `model` · 1,234 tokens · $0.0021" (or "price unknown"); for a turn
    stored before its model was kept, its tokens and money alone."""
    if turn.model:
        summary = usage_summary(turn.model, turn.usage)
        return f"_Answered by_ {code_span(turn.model)} · {plain(summary)}"
    usage = turn.usage
    tokens = usage.input_tokens + usage.output_tokens
    if not tokens:
        return None
    return f"_Used_ {tokens:,} tokens · {plain(money_text(usage.cost))}"


def _markdown(
    conversation: Conversation,
    turns: Sequence[TurnRecord],
    images: CellImages,
    sandbox_cost: Decimal | None,
) -> str:
    created = conversation.created_at.strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"# {plain(conversation.title)}", "", f"_{created}_ · {code_span(conversation.model)}"]
    lines.append("")
    lines += cost_lines(conversation, sandbox_cost)
    for turn in turns:
        lines += ["---", "", "**You:**", "", prose(turn.prompt.strip()), ""]
        lines += _attachment_lines(turn.attachments)
        lines += ["**Assistant:**", ""]
        if turn.tool_cards:
            lines += [line for card in turn.tool_cards for line in _card_lines(card, images)]
            lines.append("")
        if turn.text.strip():
            lines += [prose(turn.text.strip()), ""]
        note = _status_note(turn)
        if note:
            lines += [note, ""]
        cost = _turn_cost(turn)
        if cost:
            lines += [cost, ""]
    return "\n".join(lines).rstrip() + "\n"


def _attachment_lines(attachments: Sequence[Attachment]) -> list[str]:
    """The files sent with a prompt, each on its line, as code (their names are a stranger's)."""
    if not attachments:
        return []
    lines = [
        f"- Attached {code_span(a.name)} ({size_text(a.size)}, {code_span(a.mimetype)}), "
        f"in the workbench at {code_span(a.sandbox_path)}"
        for a in attachments
    ]
    return [*lines, ""]


def _card_lines(card: ToolCardRecord, images: CellImages) -> list[str]:
    lines: list[str] = []
    if card.code_run is not None:
        took = f" ({card.seconds:.1f} s)" if card.seconds else ""
        lines += cell_lines(card.code_run, f"→ {card.outcome}{took}", images)
    else:
        for action in card.actions or (ToolAction(card.tool_name),):
            arguments = json.dumps(dict(action.arguments), ensure_ascii=False, default=str)
            lines.append(f"- {code_span(action.slug)} {code_span(arguments)} → {card.outcome}")
    for error in card.errors:
        lines += code_lines("  - error:", error, "    ")
    when = f" ({card.consent_at:%Y-%m-%d %H:%M} UTC)" if card.consent_at else ""
    lines += code_lines("  -", card.consent, "    ", after=when) if card.consent else []
    for link in card.connect_links:
        lines.append(f"- Connect {code_span(link.toolkit)}: {code_span(link.url)}")
    return lines


def _status_note(turn: TurnRecord) -> str | None:
    if turn.status == "cancelled":
        return "_Stopped._"
    if turn.status == "failed":
        return f"_Failed:_ {code_span(turn.error)}" if turn.error else "_Failed._"
    if turn.status == "pending":  # its process ended first; what it had done is above
        done = turn.tool_cards or turn.text.strip()
        return "_Interrupted before the reply ended._" if done else "_No reply (interrupted)._"
    return None
