"""How a search snippet marks its matches (light: the sidebar paints before the store loads)."""

from __future__ import annotations

# Search snippets mark matches with these control characters, which never occur in typed text:
# the UI escapes the snippet for display and then replaces them with its own highlight markup.
HIGHLIGHT_START = "\x02"
HIGHLIGHT_END = "\x03"
