"""How the window words a failure's remedy: in terms of its own controls (Settings, Ctrl+N)."""

from __future__ import annotations

from dataclasses import replace

from desktop.core.agent.events import TurnFailed
from desktop.core.config.providers import family_label
from desktop.core.conversations.backend import ConnectionStatus
from desktop.core.errors import KEYRING_EXAMPLES, Fix, Remedy, UserFacingError, join_labels

PLAIN_HTTP_CHECK = "Allow a plain-http server on another machine for this provider"
CONFIGURE_FIRST = (
    "Open Settings (Ctrl+,), pick the model provider and enter its key and Composio's first."
)
RETRY_IN_SETTINGS = "then press Retry in Settings (Ctrl+,)"
_STILL_HERE = "Nothing was sent: your message and its files are still here."
UPLOAD_CANCELLED = f"Upload cancelled. {_STILL_HERE}"
RAISE_BUDGET_TEXT = "Raise budget…"  # the button on the budget-reached message
BUDGET_MENU_TEXT = "Budget for this chat…"  # the ⋯ menu's action


def upload_refused(reason: str) -> str:
    """An attached file did not reach the workbench (`reason`: the core's sentence)."""
    return f"{reason} {_STILL_HERE}"


def window_text(message: str, fix: Fix | None) -> str:
    """The sentence the window shows: `message` as it is, unless `fix` lets the window say
    where in it the remedy lies."""
    if fix is None:
        return message
    match fix.remedy:
        case Remedy.CONFIGURE:
            return CONFIGURE_FIRST
        case Remedy.PROVIDE:
            them = "it" if len(fix.items) == 1 else "them"
            return f"{fix.problem}: enter {them} in Settings (Ctrl+,)."
        case Remedy.CHECK_CREDENTIAL:
            checks = join_labels(
                f"the {item.label} in Settings (or {item.env_var})" for item in fix.items
            )
            return f"{fix.problem}: check {checks}."
        case Remedy.CHOOSE_MODEL:
            return f"{fix.problem}: pick another model in Settings."
        case Remedy.NEW_CONVERSATION:
            return f"{fix.problem}: start a new chat (Ctrl+N)."
        case Remedy.UNLOCK_KEYRING:
            return f"{fix.problem}: unlock it ({KEYRING_EXAMPLES}…), {RETRY_IN_SETTINGS}."
        case Remedy.START_KEYRING:
            return (
                f"{fix.problem}: check that it is running and unlocked ({KEYRING_EXAMPLES}…), "
                f"{RETRY_IN_SETTINGS}."
            )
        case Remedy.ALLOW_PLAIN_HTTP:
            picked = (
                f"pick {family_label(fix.provider)} in Settings (Ctrl+,)"
                if fix.provider
                else "pick its provider in Settings (Ctrl+,)"
            )
            return (
                f"{fix.problem}: use an https:// address, or, for a server of your own on a "
                f"network you trust, {picked} and tick \u201c{PLAIN_HTTP_CHECK}\u201d."
            )
        case Remedy.RAISE_BUDGET:
            return (
                f"{fix.problem}: press {RAISE_BUDGET_TEXT} (or ⋯ → {BUDGET_MENU_TEXT}), "
                "or start a new chat (Ctrl+N)."
            )


def error_text(error: UserFacingError) -> str:
    return window_text(error.message, error.fix)


def window_failure(event: TurnFailed) -> TurnFailed:
    """The failed turn as the window shows it."""
    return replace(event, message=window_text(event.message, event.fix))


def window_status(status: ConnectionStatus) -> ConnectionStatus:
    """The connection status as the window shows it: every reason is final text."""
    services = tuple(
        replace(service, detail=window_text(service.detail, service.fix), fix=None)
        for service in status.services
    )
    return replace(
        status, detail=window_text(status.detail, status.fix), fix=None, services=services
    )
