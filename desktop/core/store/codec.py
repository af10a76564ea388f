"""Usage, tool cards and a failed turn's fix to and from the database: one pydantic
`TypeAdapter` over each dataclass.

The export (desktop.core.store.export) nests the same dataclasses in its models, so a card and a
usage read and write alike in a row and in an exported file. The adapters are built on first use:
building them costs a few tens of milliseconds that opening the store need not pay.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence

from pydantic import TypeAdapter, ValidationError

from desktop.core.agent.attachments import Attachment, attachments_adapter
from desktop.core.agent.budget import OwnBudget
from desktop.core.agent.events import Usage
from desktop.core.errors import Fix
from desktop.core.store.records import StoreError, ToolCardRecord

UsageColumns = tuple[int, int, int, int, str | None]
"""input_tokens, output_tokens, requests, tool_calls, cost (TEXT: a Decimal kept exact)."""


@functools.cache
def usage_adapter() -> TypeAdapter[Usage]:
    return TypeAdapter(Usage)


@functools.cache
def cards_adapter() -> TypeAdapter[tuple[ToolCardRecord, ...]]:
    return TypeAdapter(tuple[ToolCardRecord, ...])


@functools.cache
def fix_adapter() -> TypeAdapter[Fix]:
    return TypeAdapter(Fix)


def problem(exc: ValidationError, whole: str = "file") -> str:
    """Where and what the first problem is: 'at turns.0.status: Input should be ...'."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or whole
    return f"at {where}: {first['msg']}"


def usage_from_columns(
    input_tokens: int, output_tokens: int, requests: int, tool_calls: int, cost: str | None
) -> Usage:
    try:
        return usage_adapter().validate_python(
            {
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "requests": requests,
                "tool_calls": tool_calls,
                "cost": cost,
            }
        )
    except ValidationError as exc:
        raise StoreError(f"A stored usage is invalid {problem(exc, 'usage')}.") from exc


def usage_columns(usage: Usage | None) -> UsageColumns:
    data = usage_adapter().dump_python(usage or Usage(), mode="json")
    return (
        data["input_tokens"],
        data["output_tokens"],
        data["requests"],
        data["tool_calls"],
        data["cost"],
    )


@functools.cache
def budget_adapter() -> TypeAdapter[OwnBudget]:
    return TypeAdapter(OwnBudget)


def budget_column(budget: OwnBudget) -> str | None:
    """A conversation's own budget as stored: the amount as exact text, "off", or NULL."""
    value = budget_adapter().validate_python(budget)
    return None if value is None else str(value)


def budget_from_column(value: str | None) -> OwnBudget:
    """The stored budget; a damaged one follows the setting (never less guarded than that)."""
    try:
        return budget_adapter().validate_python(value)
    except ValidationError:
        return None


def cards_to_json(cards: Sequence[ToolCardRecord]) -> str:
    """The cards as stored and exported alike (fields added later only when set)."""
    data = cards_adapter().dump_python(tuple(cards), mode="json")
    for card in data:
        drop_unset_card_fields(card)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def drop_unset_card_fields(card: dict[str, object]) -> None:
    """A card's fields added after the first export, left out while unset, so that a file
    without them reads as before in this app and in older ones."""
    for name in ("consent", "consent_at", "not_run", "code_run"):
        if not card.get(name):
            card.pop(name, None)


def cards_from_json(text: str | bytes) -> tuple[ToolCardRecord, ...]:
    """Cards as stored by any version (older ones lack the later fields, which default)."""
    try:
        return cards_adapter().validate_json(text)
    except ValidationError as exc:
        raise StoreError(f"The stored tool cards are invalid {problem(exc, 'cards')}.") from exc


def fix_to_json(fix: Fix | None) -> str | None:
    # `provider` (added later) only when set: a fix without one is stored as before, and an
    # older version reads it.
    return None if fix is None else fix_adapter().dump_json(fix, exclude_none=True).decode()


def fix_from_json(text: str | bytes | None) -> Fix | None:
    if text is None:
        return None
    try:
        return fix_adapter().validate_json(text)
    except ValidationError as exc:
        raise StoreError(f"A stored failure's fix is invalid {problem(exc, 'fix')}.") from exc


def attachments_to_json(attachments: Sequence[Attachment]) -> str | None:
    """A turn's attached files as stored (None: none, as in every turn stored before)."""
    if not attachments:
        return None
    return attachments_adapter().dump_json(tuple(attachments)).decode()


def attachments_from_json(text: str | bytes | None) -> tuple[Attachment, ...]:
    if not text:
        return ()
    try:
        return attachments_adapter().validate_json(text)
    except ValidationError as exc:
        raise StoreError(
            f"A stored turn's attached files are invalid {problem(exc, 'attachments')}."
        ) from exc
