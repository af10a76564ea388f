"""What a prompt may be: its length limit, why one cannot be sent, and how much of a paste fits."""

from __future__ import annotations

MAX_PROMPT_CHARS = 100_000


def validate_prompt(prompt: str) -> str | None:
    """Why a prompt cannot be sent, or None when it can."""
    if not prompt.strip():
        return "Type a message first."
    if len(prompt) > MAX_PROMPT_CHARS:
        return (
            f"The message is {len(prompt):,} characters long; the limit is "
            f"{MAX_PROMPT_CHARS:,}. Shorten it or send it in parts."
        )
    return None


def fit_paste(pasted: str, *, kept: int) -> tuple[str, str | None]:
    """The part of `pasted` that fits in a message keeping `kept` characters of its own, and
    the sentence that says what was left out (None when all of it fits)."""
    room = max(0, MAX_PROMPT_CHARS - kept)
    if len(pasted) <= room:
        return pasted, None
    if not room:
        return "", (
            f"Nothing was pasted: the message already holds the most it can "
            f"({MAX_PROMPT_CHARS:,} characters). The clipboard still holds all of it."
        )
    return pasted[:room], (
        f"Only the first {room:,} of the {len(pasted):,} characters pasted fit: a message holds "
        f"at most {MAX_PROMPT_CHARS:,}. The clipboard still holds all of it; send the rest in "
        "another message."
    )
