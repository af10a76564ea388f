"""The 27 E2B tool slugs as Composio describes them (data/e2b-tools.json) and a tool search."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from tests.fakes.data_files import load

Kind = Literal["reads", "changes", "destructive"]


@dataclass(frozen=True)
class E2BTool:
    slug: str
    kind: Kind
    description: str
    properties: dict[str, dict[str, Any]] = field(default_factory=dict)
    required: tuple[str, ...] = ()

    @property
    def input_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "title": f"{self.slug.title().replace('_', '')}Request",
            "properties": self.properties,
            "required": list(self.required),
        }

    @property
    def keywords(self) -> set[str]:
        words = set(self.slug.lower().split("_")[1:]) | set(self.description.lower().split())
        return {w.strip(".,()/'") for w in words}

    def schema_entry(self) -> dict[str, Any]:
        return {
            "tool_slug": self.slug,
            "toolkit": "e2b",
            "description": self.description,
            "input_schema": self.input_schema,
        }


def _tool(entry: dict[str, Any]) -> E2BTool:
    kind = entry["kind"]
    if kind not in get_args(Kind):
        raise ValueError(f"{entry['slug']}: unknown kind {kind!r}")
    return E2BTool(
        entry["slug"],
        kind,
        entry["description"],
        entry["properties"],
        tuple(entry["required"]),
    )


_DATA = load("e2b-tools.json")
TOOLS: tuple[E2BTool, ...] = tuple(_tool(entry) for entry in _DATA["tools"])
TOOLS_BY_SLUG: dict[str, E2BTool] = {t.slug: t for t in TOOLS}
# A word a user may type -> the word the catalogue uses.
_SYNONYMS: dict[str, str] = _DATA["synonyms"]


def search(query: str, limit: int = 6) -> list[E2BTool]:
    """E2B tools whose slug/description share words with `query`, best first."""
    words = {w.strip(".,?!'\"") for w in query.lower().split()}
    words |= {_SYNONYMS[w] for w in words if w in _SYNONYMS}
    scored: list[tuple[int, int, E2BTool]] = []
    for order, tool in enumerate(TOOLS):
        slug_words = set(tool.slug.lower().split("_")[1:])
        score = 3 * len(words & slug_words) + len(words & tool.keywords)
        if score:
            scored.append((-score, order, tool))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [tool for _, _, tool in scored[:limit]]
