"""Conversation export (Markdown to read, versioned JSON to keep) and validated JSON import."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    NonNegativeInt,
    ValidationError,
)

from desktop.core.agent.events import ConnectLink, ToolAction, ToolOutcome
from desktop.core.store.records import (
    DEFAULT_TITLE,
    Conversation,
    StoreError,
    ToolCardRecord,
    TurnRecord,
    TurnStatus,
    UsageTotals,
    clean_title,
    truncate_result,
)

EXPORT_FORMAT = "e2b-agent.conversation"
EXPORT_VERSION = 1
MAX_IMPORT_BYTES = 256 * 1024 * 1024


# -- the JSON format (version 1) ---------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UsageV1(_Model):
    input_tokens: NonNegativeInt = 0
    output_tokens: NonNegativeInt = 0
    requests: NonNegativeInt = 0
    tool_calls: NonNegativeInt = 0
    cost: Decimal | None = Field(default=None, ge=0)


class ToolActionV1(_Model):
    slug: str
    arguments: dict[str, JsonValue] = {}


class ConnectLinkV1(_Model):
    toolkit: str
    url: str


class ToolCardV1(_Model):
    call_id: str
    tool_name: str
    actions: list[ToolActionV1] = []
    outcome: ToolOutcome
    result_text: str = ""
    connect_links: list[ConnectLinkV1] = []
    errors: list[str] = []
    seconds: float | None = Field(default=None, ge=0)
    text_offset: NonNegativeInt | None = None


class TurnV1(_Model):
    prompt: str = Field(min_length=1)
    status: TurnStatus
    text: str = ""
    error: str | None = None
    tool_cards: list[ToolCardV1] = []
    usage: UsageV1 = UsageV1()
    created_at: AwareDatetime
    completed_at: AwareDatetime | None = None
    messages: list[JsonValue] | None = Field(
        default=None, description="ModelMessagesTypeAdapter JSON of the turn's new messages"
    )


class ConversationV1(_Model):
    id: str
    title: str
    model: str
    created_at: AwareDatetime
    updated_at: AwareDatetime
    router_session_id: str | None = None
    usage: UsageV1 = UsageV1()


class ExportV1(_Model):
    format: Literal["e2b-agent.conversation"]
    version: Literal[1]
    exported_at: AwareDatetime
    conversation: ConversationV1
    turns: list[TurnV1]


# -- what the store hands over and gets back ---------------------------------------------------


@dataclass(frozen=True)
class ExportedTurn:
    record: TurnRecord
    messages_json: str | None


@dataclass(frozen=True)
class ImportedMeta:
    title: str | None
    model: str
    created_at: float
    usage: UsageTotals


@dataclass(frozen=True)
class ImportedTurn:
    prompt: str
    status: TurnStatus
    text: str
    error: str | None
    tool_cards: tuple[ToolCardRecord, ...]
    usage: UsageTotals
    created_at: float
    completed_at: float | None
    messages_json: str | None


@dataclass(frozen=True)
class ImportedConversation:
    conversation: ImportedMeta
    turns: tuple[ImportedTurn, ...]


def render_json(
    conversation: Conversation, turns: Sequence[ExportedTurn], *, exported_at: datetime
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
            usage=_usage_v1(conversation.usage),
        ),
        turns=[_turn_v1(t) for t in turns],
    )
    return export.model_dump_json(indent=2) + "\n"


def parse_export(text: str | bytes) -> ImportedConversation:
    """Validate an export completely; any problem raises StoreError saying what is wrong."""
    if len(text) > MAX_IMPORT_BYTES:
        raise StoreError("The file is too large to be a conversation export.")
    try:
        data: object = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StoreError(f"The file is not valid JSON ({exc}).") from exc
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise StoreError("The file is not an E2B Agent conversation export.")
    version = data.get("version")
    if isinstance(version, int) and version > EXPORT_VERSION:
        raise StoreError(
            f"The export has format version {version}; this app reads up to {EXPORT_VERSION}. "
            "Update the app."
        )
    try:
        export = ExportV1.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "file"
        raise StoreError(f"The conversation export is invalid at {where}: {first['msg']}.") from exc
    meta = export.conversation
    title = clean_title(meta.title) if meta.title.strip() else None
    return ImportedConversation(
        conversation=ImportedMeta(
            title=None if title == DEFAULT_TITLE else title,
            model=meta.model,
            created_at=meta.created_at.timestamp(),
            usage=_usage_totals(meta.usage),
        ),
        turns=tuple(_imported_turn(n, t) for n, t in enumerate(export.turns, start=1)),
    )


def _imported_turn(number: int, turn: TurnV1) -> ImportedTurn:
    messages_json = None
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
    return ImportedTurn(
        prompt=turn.prompt,
        status=turn.status,
        text=turn.text,
        error=turn.error,
        tool_cards=tuple(
            ToolCardRecord(
                call_id=c.call_id,
                tool_name=c.tool_name,
                actions=tuple(ToolAction(a.slug, a.arguments) for a in c.actions),
                outcome=c.outcome,
                result_text=truncate_result(c.result_text),
                connect_links=tuple(ConnectLink(x.toolkit, x.url) for x in c.connect_links),
                errors=tuple(c.errors),
                seconds=c.seconds,
                text_offset=c.text_offset,
            )
            for c in turn.tool_cards
        ),
        usage=_usage_totals(turn.usage),
        created_at=turn.created_at.timestamp(),
        completed_at=None if turn.completed_at is None else turn.completed_at.timestamp(),
        messages_json=messages_json,
    )


def _turn_v1(turn: ExportedTurn) -> TurnV1:
    r = turn.record
    messages: list[JsonValue] | None = None
    if turn.messages_json is not None:
        messages = json.loads(turn.messages_json)
    return TurnV1(
        prompt=r.prompt,
        status=r.status,
        text=r.text,
        error=r.error,
        tool_cards=[
            ToolCardV1(
                call_id=c.call_id,
                tool_name=c.tool_name,
                actions=[
                    ToolActionV1(slug=a.slug, arguments=_json_object(a.arguments))
                    for a in c.actions
                ],
                outcome=c.outcome,
                result_text=c.result_text,
                connect_links=[
                    ConnectLinkV1(toolkit=x.toolkit, url=x.url) for x in c.connect_links
                ],
                errors=list(c.errors),
                seconds=c.seconds,
                text_offset=c.text_offset,
            )
            for c in r.tool_cards
        ],
        usage=_usage_v1(r.usage),
        created_at=r.created_at,
        completed_at=r.completed_at,
        messages=messages,
    )


def _json_object(arguments: object) -> dict[str, JsonValue]:
    # Arguments came from JSON (the model's tool call), so they round-trip through it unchanged.
    value: dict[str, JsonValue] = json.loads(json.dumps(arguments))
    return value


def _usage_v1(usage: UsageTotals) -> UsageV1:
    return UsageV1(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        requests=usage.requests,
        tool_calls=usage.tool_calls,
        cost=usage.cost,
    )


def _usage_totals(usage: UsageV1) -> UsageTotals:
    return UsageTotals(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        requests=usage.requests,
        tool_calls=usage.tool_calls,
        cost=usage.cost,
    )


# -- Markdown ----------------------------------------------------------------------------------


def render_markdown(conversation: Conversation, turns: Sequence[TurnRecord]) -> str:
    created = conversation.created_at.strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"# {conversation.title}", "", f"_{created} · {conversation.model}_", ""]
    for turn in turns:
        lines += ["---", "", "**You:**", "", turn.prompt.strip(), "", "**Assistant:**", ""]
        if turn.tool_cards:
            lines += [line for card in turn.tool_cards for line in _card_lines(card)]
            lines.append("")
        if turn.text.strip():
            lines += [turn.text.strip(), ""]
        note = _status_note(turn)
        if note:
            lines += [note, ""]
    return "\n".join(lines).rstrip() + "\n"


def _card_lines(card: ToolCardRecord) -> list[str]:
    actions = card.actions or (ToolAction(card.tool_name),)
    lines = [
        f"- {a.slug} {json.dumps(dict(a.arguments), ensure_ascii=False)} → {card.outcome}"
        for a in actions
    ]
    lines += [f"  - error: {error}" for error in card.errors]
    lines += [f"- Connect {link.toolkit}: <{link.url}>" for link in card.connect_links]
    return lines


def _status_note(turn: TurnRecord) -> str | None:
    if turn.status == "cancelled":
        return "_Stopped._"
    if turn.status == "failed":
        return f"_Failed: {turn.error}_" if turn.error else "_Failed._"
    if turn.status == "pending":
        return "_No reply (interrupted)._"
    return None
