"""The Tool Router meta tools as Composio lists them: data/composio-meta-tools.json.

That file is the reference copy (trimmed from Composio's docs' meta-tools.json) kept verbatim.
"""

from __future__ import annotations

from typing import Any

from tests.fakes.data_files import load

META_TOOLS: dict[str, dict[str, Any]] = load("composio-meta-tools.json")
