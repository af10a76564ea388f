"""The fakes' data tables: JSON files under tests/fakes/data/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).with_name("data")


def load(name: str) -> Any:
    """`data/<name>` parsed; top-level keys starting with `_` are notes and are left out."""
    data = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
    if isinstance(data, dict):
        return {key: value for key, value in data.items() if not key.startswith("_")}
    return data
